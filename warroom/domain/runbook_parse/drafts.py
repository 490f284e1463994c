"""A step while the page is read: mutable, before it knows its section and index."""

from __future__ import annotations

from dataclasses import dataclass

from warroom.domain.runbooks import StepKind


def word_set(text: str) -> frozenset[str]:
    """A set of names written as one whitespace-separated string (long lists stay short)."""
    return frozenset(text.split())


MAX_STEP_CHARS = 64_000  # a step longer than this is shown as text, never run
MAX_STEP_LINES = 200
MAX_INLINE_STEPS = 500  # a page's prose names a few commands; thousands make no runbook


@dataclass(slots=True)
class Draft:
    kind: StepKind
    command: str
    line: int
    description: str | None = None
    phase: str | None = None  # from a bold label or a comment; headings fill the rest
    alternative: bool = False
    language: str = ""
    timeout_s: float | None = None
    expected_output: str = ""
    interactive: bool = False
    opens_session: bool = False
    session_lines: tuple[str, ...] = ()
    script: bool = False
    inline: bool = False
    node: int = -1  # which heading it sits under (-1: before any)


@dataclass(slots=True)
class Counters:
    """What parsing cost, for the linear-time test: characters handed to the shell scanner."""

    scanned_chars: int = 0
    capped_steps: int = 0
    inline_steps: int = 0
    block_looks: int = 0  # lines and open containers the block scanner looked at
    span_looks: int = 0  # backtick runs, escapes and tags the code-span reader looked at
