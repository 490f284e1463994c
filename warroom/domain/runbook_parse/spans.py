"""Code spans in a paragraph, as CommonMark reads them, in time linear in its length.

A run of N backticks opens a span that the next run of exactly N closes; a backslash escapes
the backtick after it outside a span; an HTML tag or autolink hides what it holds. Each run
is looked at once: the closer for a length is found from a per-length list of runs, not by
searching the rest of the text again (which made a paragraph of stray backticks quadratic).
"""

from __future__ import annotations

import bisect
import re

from warroom.domain.runbook_parse.drafts import Counters

_RUN = re.compile(r"`+")
_TAG = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9.+-]{1,31}:[^\s<>]*|[A-Za-z][\w-]*(?:\s[^<>`]*)?/?|/[A-Za-z][\w-]*\s*)>"
)


def code_spans(text: str, counters: Counters | None = None) -> list[str]:
    """The contents of the code spans in `text`, in order (newlines read as spaces, one
    space trimmed from each end when both ends have one)."""
    if "`" not in text:
        return []
    runs = [(m.start(), m.end() - m.start()) for m in _RUN.finditer(text)]
    by_length: dict[int, list[int]] = {}
    for start, length in runs:
        by_length.setdefault(length, []).append(start)
    out: list[str] = []
    i, n = 0, len(text)
    looks = 0
    while i < n:
        looks += 1
        j = _next_special(text, i)
        if j < 0:
            break
        c = text[j]
        if c == "\\":
            i = j + 2
            continue
        if c == "<":
            m = _TAG.match(text, j)
            i = m.end() if m else j + 1
            continue
        length = _run_length(text, j)
        starts = by_length.get(length, [])
        k = bisect.bisect_right(starts, j + length - 1)
        if k >= len(starts):
            i = j + length
            continue
        close = starts[k]
        body = text[j + length : close].replace("\n", " ")
        if body.startswith(" ") and body.endswith(" ") and body.strip(" "):
            body = body[1:-1]
        out.append(body)
        i = close + length
    if counters is not None:
        counters.span_looks += looks
    return out


def _run_length(text: str, i: int) -> int:
    j = i
    while j < len(text) and text[j] == "`":
        j += 1
    return j - i


_SPECIAL = re.compile(r"[`\\<]")


def _next_special(text: str, i: int) -> int:
    m = _SPECIAL.search(text, i)
    return m.start() if m else -1
