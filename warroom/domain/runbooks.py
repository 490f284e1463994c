"""Runbooks as data: files, sections tied to alerts, and the steps in them.

The parser (`runbook_parser`) builds these from Markdown; the UI lists them; the step runner
renders and runs them. Nothing here runs anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class StepKind(StrEnum):
    SHELL = "shell"
    SQL = "sql"
    PROMQL = "promql"
    HTTP = "http"
    TEXT = "text"

    @property
    def runnable(self) -> bool:
        return self is not StepKind.TEXT


class Risk(StrEnum):
    READ = "read"  # only looks
    WRITE = "write"  # changes state; asks y/n
    DESTRUCTIVE = "destructive"  # cannot be undone; asks to type the target's name

    @property
    def symbol(self) -> str:
        return {"read": "·", "write": "!", "destructive": "‼"}[self.value]


@dataclass(frozen=True, slots=True)
class Step:
    kind: StepKind
    command: str
    line: int
    risk: Risk = Risk.WRITE
    description: str | None = None
    phase: str | None = None
    placeholders: tuple[str, ...] = ()
    alternative_of: int | None = None
    language: str = ""
    timeout_s: float | None = None

    @property
    def first_line(self) -> str:
        return self.command.strip().splitlines()[0] if self.command.strip() else ""


@dataclass(slots=True)
class Section:
    title: str
    level: int
    line: int
    anchor: str
    alerts: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    body: str = ""  # the section's prose, Markdown, for display


@dataclass(frozen=True, slots=True)
class RunbookIssue:
    """A problem found while parsing; the rest of the file is still used."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(slots=True)
class Runbook:
    path: str
    title: str
    sections: list[Section] = field(default_factory=list)
    errors: list[RunbookIssue] = field(default_factory=list)

    def section_by_anchor(self, anchor: str) -> Section | None:
        anchor = anchor.lstrip("#").lower()
        return next((s for s in self.sections if s.anchor == anchor), None)


@dataclass(slots=True)
class RunbookLibrary:
    """All runbooks loaded, with the lookup from an alert to the section that covers it."""

    runbooks: list[Runbook] = field(default_factory=list)

    def sections(self) -> Iterable[tuple[Runbook, Section]]:
        for runbook in self.runbooks:
            for section in runbook.sections:
                yield runbook, section

    def section_for(
        self, alert_name: str, annotations: Mapping[str, str] | None = None
    ) -> tuple[Runbook, Section] | None:
        """The section for an alert: its `runbook_url` annotation first, then alert names."""
        url = (annotations or {}).get("runbook_url", "")
        if url:
            found = self._by_url(url)
            if found:
                return found
        for runbook, section in self.sections():
            if alert_name in section.alerts:
                return runbook, section
        folded = alert_name.lower()
        for runbook, section in self.sections():
            if any(a.lower() == folded for a in section.alerts):
                return runbook, section
        return None

    def _by_url(self, url: str) -> tuple[Runbook, Section] | None:
        path, _, anchor = url.partition("#")
        name = path.rstrip("/").rsplit("/", 1)[-1]
        for runbook in self.runbooks:
            if name and not runbook.path.endswith(name):
                continue
            if anchor:
                section = runbook.section_by_anchor(anchor)
                if section:
                    return runbook, section
            elif runbook.sections and name:
                return runbook, runbook.sections[0]
        return None
