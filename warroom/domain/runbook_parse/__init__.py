"""Markdown runbooks -> `Runbook`: a tree of headings tied to alerts, blocks split into steps.

Real runbooks are messy (mojibake, PowerShell beside bash, SQL pasted into bash blocks,
prompts and sample output, comment-only blocks), so the parser never raises on content: what
it cannot read becomes a `RunbookIssue` with a line number and the rest is still used. Pure:
text in, data out, in time linear in the page's size (steps are capped).

Modules: `walk` (first pass: headings, alert names, drafts), `assemble` (the tree into sections,
phases and steps), `alert_names`, `headings`, `shell_blocks`, `queries` (SQL, PromQL, HTTP,
transcripts), `scripts` (shared shell state, shells opened by a step), `commands`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from warroom.domain.runbook_parse.alert_names import is_alert_like, split_alert_names
from warroom.domain.runbook_parse.assemble import assemble
from warroom.domain.runbook_parse.drafts import MAX_STEP_CHARS, Counters
from warroom.domain.runbook_parse.headings import PHASES, phase_of, slug
from warroom.domain.runbook_parse.shell_blocks import SHELL_LANGUAGES
from warroom.domain.runbook_parse.walk import Walker
from warroom.domain.runbooks import Runbook, RunbookIssue

__all__ = [
    "MAX_STEP_CHARS",
    "PHASES",
    "SHELL_LANGUAGES",
    "ParseResult",
    "alerts_named",
    "is_alert_like",
    "parse_runbook",
    "parse_runbook_full",
    "phase_of",
    "slug",
    "split_alert_names",
]


@dataclass(slots=True)
class ParseResult:
    """A runbook plus every alert the document names anywhere (sections, lists, tables)."""

    runbook: Runbook
    named_alerts: list[str]
    counters: Counters = field(default_factory=Counters)


def parse_runbook(text: str, path: str) -> Runbook:
    """Parse one Markdown runbook. Never raises on content."""
    return parse_runbook_full(text, path).runbook


def parse_runbook_full(text: str, path: str) -> ParseResult:
    try:
        walk = Walker(text, path).walk()
        return ParseResult(assemble(walk), walk.named, walk.counters)
    except Exception as exc:  # the parser must never take the console down
        runbook = Runbook(path=path, title=path.rsplit("/", 1)[-1])
        runbook.errors.append(RunbookIssue(path, 1, f"could not parse: {exc!r}"))
        return ParseResult(runbook, [])


def alerts_named(text: str, path: str = "") -> list[str]:
    """Every alert name a document mentions: in sections, alert lists and alert tables."""
    return parse_runbook_full(text, path).named_alerts
