"""Simple commands out of shell text: for risk checks, the renderer, and API executors."""

from __future__ import annotations

import re
import shlex

from warroom.domain.shell_syntax.memo import memo
from warroom.domain.shell_syntax.scan import _HEREDOC, close_single


def split_simple_commands(text: str) -> list[str]:
    """Rough split into simple commands (on | ; & && || newlines, and inside $( ) and
    backticks), for risk checks. Quoted text stays inside its word."""
    return [p for p, _ in command_parts(text)]


def command_parts(text: str) -> list[tuple[str, str]]:
    """`split_simple_commands` with the separator that ends each part (`|`, `&&`, `$(`, …)."""
    return list(_command_parts(text))


@memo()
def _command_parts(text: str) -> tuple[tuple[str, str], ...]:
    parts: list[str] = []
    seps: list[str] = []
    current: list[str] = []
    stack: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        top = stack[-1] if stack else None
        if top == "'":
            j = close_single(text, i, stack)
            current.append(text[i:j])
            i = j
            continue
        if top == '"':
            if c == "\\":
                current.append(text[i : i + 2])
                i += 2
                continue
            if text.startswith("$(", i) or c == "`":
                i = _substitution(text, i, current, parts, seps)
                continue
            current.append(c)
            if c == '"':
                stack.pop()
            i += 1
            continue
        if c in "'\"":
            stack.append(c)
            current.append(c)
            i += 1
            continue
        if c == "\\" and i + 1 < n:
            if text[i + 1] != "\n":
                current.append(text[i : i + 2])
            else:
                current.append(" ")
            i += 2
            continue
        if c == "#" and (not current or current[-1] in " \t\n"):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "&" and (text.startswith("&>", i) or (current and current[-1] in "<>")):
            current.append(c)  # 2>&1, &>file: a redirection, not a separator
            i += 1
            continue
        if text.startswith("$(", i) or c == "`":
            i = _substitution(text, i, current, parts, seps)
            continue
        if c in "|;&\n()":
            sep = text[i : i + 2] if text[i : i + 2] in {"||", "&&", ";;", "|&"} else c
            parts.append("".join(current))
            seps.append(sep)
            current = []
            i += len(sep)
            continue
        current.append(c)
        i += 1
    parts.append("".join(current))
    seps.append("")
    return tuple((p.strip(), sep) for p, sep in zip(parts, seps, strict=True) if p.strip())


def closing(text: str, i: int) -> int:
    """The offset just after the `)`/`` ` `` that closes the substitution opening at `i`."""
    n = len(text)
    if text[i] == "`":
        j = i + 1
        while j < n and text[j] != "`":
            j += 2 if text[j] == "\\" else 1
        return min(j + 1, n)
    depth, j, quote = 0, i + 1, ""
    while j < n:
        c = text[j]
        if quote:
            if c == "\\" and quote == '"':
                j += 2
                continue
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "\\":
            j += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return n


def _substitution(text: str, i: int, current: list[str], parts: list[str], seps: list[str]) -> int:
    """A `$( )`, `$(( ))` or `` ` `` substitution stays in its word; its commands are parts too."""
    end = closing(text, i)
    if not text.startswith("$((", i):
        body = text[i + 1 : end - 1] if text[i] == "`" else text[i + 2 : end - 1]
        if text[i] == "`":
            body = re.sub(r"\\([\\`$])", r"\1", body)
        for inner, sep in command_parts(body):
            parts.append(inner)
            seps.append(sep or ")")
    current.append(text[i:end])
    return end


_SHELL_FEATURES = re.compile(r"[|;&<>$`*?\n\\]")


def plain_words(command: str) -> list[str] | None:
    """The words of one simple command that uses no shell feature (pipes, redirections,
    expansions, globs, several commands), or None: only such a command can be handed to an
    API client instead of a shell without changing what it means."""
    unquoted = re.sub(r"'[^']*'", "''", command)
    if _SHELL_FEATURES.search(unquoted) or len(split_simple_commands(command)) != 1:
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    return words or None


def heredoc_at(text: str, offset: int) -> tuple[str, str] | None:
    """The simple command that opens the heredoc whose body holds `offset`, and that body."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    pending: list[tuple[str, bool, str]] = []  # delimiter, strip tabs, opening line
    k = 0
    while k < len(lines):
        if not pending:
            for m in _HEREDOC.finditer(lines[k]):
                if (
                    not lines[k].startswith("<", m.start() + 2)
                    and lines[k][m.start() - 1 : m.start()] != "<"
                ):
                    pending.append((m.group(3), m.group(1) == "-", lines[k]))
            k += 1
            continue
        delim, strip_tabs, opener = pending.pop(0)
        first = k
        while k < len(lines) and (lines[k].lstrip("\t") if strip_tabs else lines[k]) != delim:
            k += 1
        if starts[first] <= offset < starts[k]:
            marker = re.compile(r"<<-?\s*(['\"]?)" + re.escape(delim) + r"\1")
            part = next((p for p in split_simple_commands(opener) if marker.search(p)), opener)
            return marker.sub(" ", part, count=1), "\n".join(lines[first:k])
        k += 1
    return None


def strip_heredocs(text: str) -> tuple[str, list[tuple[str, str]]]:
    """`text` without heredoc bodies, and each heredoc as (the command that reads it, body)."""
    lines = text.split("\n")
    kept: list[str] = []
    found: list[tuple[str, str]] = []
    k = 0
    while k < len(lines):
        line = lines[k]
        kept.append(line)
        k += 1
        for m in _HEREDOC.finditer(line):
            if line[m.start() + 2 : m.start() + 3] == "<" or line[m.start() - 1 : m.start()] == "<":
                continue
            delim, strip_tabs = m.group(3), m.group(1) == "-"
            first = k
            while k < len(lines) and (lines[k].lstrip("\t") if strip_tabs else lines[k]) != delim:
                k += 1
            marker = re.compile(r"<<-?\s*(['\"]?)" + re.escape(delim) + r"\1")
            part = next((p for p in split_simple_commands(line) if marker.search(p)), line)
            found.append((marker.sub(" ", part, count=1), "\n".join(lines[first:k])))
            k += 1
    return "\n".join(kept), found
