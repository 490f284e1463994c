"""Markdown building blocks for the post-mortem: escaping, tables, list items, folds.

Model strings are already redacted and inert; here they are escaped for Markdown. A table
cell escapes `|` and is folded to one line, so a pasted log line cannot break the table;
bare URLs become autolinks. Output passes pymarkdown (table line length aside).
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Iterable, Sequence
from datetime import datetime

from warroom.domain.clock import format_duration
from warroom.domain.untrusted import one_line

_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|~#"})
_URL = re.compile(r"https?://[^\s<>|\"'`]+[^\s<>|\"'`.,;:!?)\]]")


class Md:
    """Escape once per distinct string (a long timeline repeats authors and alert names)."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def text(self, raw: object) -> str:
        key = str(raw)
        done = self._cache.get(key)
        if done is None:
            done = self._cache[key] = _escape(key)
        return done


def _escape(value: str) -> str:
    if "http" not in value:
        return fold(value.translate(_ESCAPES))
    out: list[str] = []
    pos = 0
    for m in _URL.finditer(value):
        out.append(value[pos : m.start()].translate(_ESCAPES))
        out.append(f"<{m.group(0)}>")
        pos = m.end()
    out.append(value[pos:].translate(_ESCAPES))
    return fold("".join(out))


def fold(value: str) -> str:
    """One line: newlines become ' ⏎ ', runs of spaces collapse (tables stay tables)."""
    if "\n" not in value and "\r" not in value and "  " not in value and "\t" not in value:
        return value.strip()
    parts = [p.strip() for p in value.replace("\r\n", "\n").split("\n")]
    return re.sub(r"[ \t]{2,}", " ", one_line(" ⏎ ".join(p for p in parts if p))).strip()


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(cell.strip() or "—" for cell in row) + " |")
    return lines


_STARTS_BLOCK = re.compile(r"^(\s*)([-+*=]|\d+[.)])(?=\s|$)")


def _wrap(text: str, first: str, rest: str) -> str:
    """Wrapped at 80 columns; a continuation line that would start a list or a setext
    underline (`- x`, `1. x`, `===`) has that character escaped."""
    lines = textwrap.wrap(
        text,
        width=80,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return "\n".join(
        [lines[0], *(_STARTS_BLOCK.sub(r"\1\\\2", line) for line in lines[1:])] if lines else []
    )


def item(text: str) -> str:
    """A list item wrapped at 80 columns (continuation lines indented, as lists need)."""
    return _wrap(text, "- ", "  ")


def para(text: str) -> str:
    """A paragraph wrapped at 80 columns."""
    return _wrap(text, "", "")


def details(summary: str, body: list[str]) -> list[str]:
    """A fold (GitHub's `<details>`): the summary as escaped HTML, the body as Markdown.

    pymarkdown flags HTML and long lines; a fold is the one place both are meant (output
    lines are kept whole for copying), so a pragma exempts exactly the fold's own lines."""
    lines = [
        "<details>",
        f"<summary>{html.escape(fold(summary), quote=False)}</summary>",
        "",
        *body,
        "",
        "</details>",
    ]
    return [f"<!-- pyml disable-num-lines {len(lines)} no-inline-html,line-length -->", *lines]


def prompt(text: str) -> str:
    return f"_{text}_"


def utc(at: datetime, with_date: bool) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}" if with_date else f"{at:%H:%M:%S}"


def duration(seconds: float | None) -> str:
    return "—" if seconds is None else format_duration(seconds)


def fenced(lines: Iterable[str]) -> list[str]:
    """A text code block whose fence is longer than any backtick run inside it."""
    body = [line.replace("\t", "    ") for line in lines]
    longest = max((len(r) for line in body for r in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *body, fence]
