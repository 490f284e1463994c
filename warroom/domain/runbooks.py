"""Runbooks as data: files, sections tied to alerts, and the steps in them.

The parser (`runbook_parse`) builds these from Markdown; the UI lists them; the step runner
renders and runs them. Nothing here runs anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import unquote


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
    # the headings between the step's section and the step: ("Mitigation", "Data retention")
    phase_path: tuple[str, ...] = ()
    # what the page shows a prompted command printing: shown dimmed, never run
    expected_output: str = ""
    # needs the real terminal (a shell, a REPL, an editor, a pager, `watch`, `top`)
    interactive: bool = False
    # lines the page types inside the shell this step opens: shown only, never run here
    session_lines: tuple[str, ...] = ()
    # several lines that share shell state (variables, functions, `cd`): one shell runs them
    script: bool = False
    # inline code in prose ("check `kubectl describe pod <pod>`"), not a code block
    inline: bool = False

    @property
    def phase_label(self) -> str:
        """`Mitigation › Data retention`, or the phase, or ""."""
        return " › ".join(self.phase_path) if self.phase_path else (self.phase or "")

    @property
    def first_line(self) -> str:
        return self.command.strip().splitlines()[0] if self.command.strip() else ""


@dataclass(frozen=True, slots=True)
class Phase:
    """A heading beneath an alert's section: the tree the pane shows, with a gist of its prose."""

    title: str
    path: tuple[str, ...]  # from the section down to this heading
    level: int
    line: int
    anchor: str
    gist: str = ""  # the first sentence of its prose, one line
    body: str = ""  # its prose, Markdown, fences left out


@dataclass(slots=True)
class Section:
    title: str
    level: int
    line: int
    anchor: str
    alerts: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    body: str = ""  # the section's prose, Markdown, for display
    phases: list[Phase] = field(default_factory=list)  # sub-headings, in page order

    def owns_anchor(self, anchor: str) -> bool:
        return anchor == self.anchor or any(p.anchor == anchor for p in self.phases)


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
        """The section a `#anchor` points at, or the section owning the phase it points at."""
        anchor = unquote(anchor.lstrip("#")).lower()
        exact = next((s for s in self.sections if s.anchor == anchor), None)
        return exact or next((s for s in self.sections if s.owns_anchor(anchor)), None)

    @property
    def file_stem(self) -> str:
        name = self.path.replace("\\", "/").rsplit("/", 1)[-1].lower()
        return name[:-3] if name.endswith(".md") else name


@dataclass(slots=True)
class RunbookLibrary:
    """All runbooks loaded, with the lookup from an alert to the section that covers it.

    Order matters: the runbooks come in the order of the folders given (the user's first), and
    the first match wins; `covering` lists the others so the pane can say they exist.
    """

    runbooks: list[Runbook] = field(default_factory=list)

    def sections(self) -> Iterable[tuple[Runbook, Section]]:
        for runbook in self.runbooks:
            for section in runbook.sections:
                yield runbook, section

    def section_for(
        self, alert_name: str, annotations: Mapping[str, str] | None = None
    ) -> tuple[Runbook, Section] | None:
        """The section for an alert: its `runbook_url` annotation first, then alert names."""
        found = self.covering(alert_name, annotations)
        return found[0] if found else None

    def covering(
        self, alert_name: str, annotations: Mapping[str, str] | None = None
    ) -> list[tuple[Runbook, Section]]:
        """Every section for an alert, best first: the `runbook_url`'s, then exact names, then
        names folded by case; one per runbook file."""
        out: list[tuple[Runbook, Section]] = []
        url = (annotations or {}).get("runbook_url", "")
        if url:
            out += self._by_url(url, alert_name)
        out += [(r, s) for r, s in self.sections() if alert_name in s.alerts]
        folded = alert_name.lower()
        out += [(r, s) for r, s in self.sections() if any(a.lower() == folded for a in s.alerts)]
        seen: set[str] = set()
        unique: list[tuple[Runbook, Section]] = []
        for runbook, section in out:
            if runbook.path not in seen:
                seen.add(runbook.path)
                unique.append((runbook, section))
        return unique

    def _by_url(self, url: str, alert_name: str) -> list[tuple[Runbook, Section]]:
        """A file whose name is the URL's last path segment (case folded, `.md` or not), and the
        section its `#anchor` names (GitHub slugs)."""
        path, _, anchor = url.partition("#")
        path = path.split("?", 1)[0].rstrip("/")
        name = unquote(path.rsplit("/", 1)[-1]).lower()
        name = name[:-3] if name.endswith(".md") else name
        if not name:
            return []
        found: list[tuple[Runbook, Section]] = []
        for runbook in self.runbooks:
            if runbook.file_stem != name or not runbook.sections:
                continue
            section = runbook.section_by_anchor(anchor) if anchor else None
            if section is None:
                named = [s for s in runbook.sections if alert_name in s.alerts]
                owning = [s for s in runbook.sections if s.alerts]
                section = (named or owning or runbook.sections)[0]
            found.append((runbook, section))
        return found
