"""Small builders shared by the runbook tests."""

from __future__ import annotations

from warroom.domain.ports import RenderedStep
from warroom.domain.runbook_parser import parse_runbook
from warroom.domain.runbooks import Risk, Section, Step, StepKind
from warroom.domain.step_risk import classify


def section(body: str, language: str = "bash") -> Section:
    """The first section with steps of a one-block runbook."""
    text = f"# T\n\n## S\n\n```{language}\n{body}\n```\n"
    runbook = parse_runbook(text, "t.md")
    assert not runbook.errors, runbook.errors
    return runbook.sections[1]


def commands(body: str, language: str = "bash") -> list[str]:
    return [s.command for s in section(body, language).steps]


def step(command: str, kind: StepKind = StepKind.SHELL, risk: Risk | None = None) -> Step:
    return Step(kind=kind, command=command, line=1, risk=risk or classify(kind, command))


def rendered(
    command: str, kind: StepKind = StepKind.SHELL, risk: Risk | None = None, target: str = ""
) -> RenderedStep:
    return RenderedStep(step=step(command, kind, risk), command=command, target=target)


class Sink:
    """Collects emitted lines (executors emit batches: lines joined by newlines)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.batches = 0

    def __call__(self, batch: str) -> None:
        self.batches += 1
        self.lines.extend(batch.split("\n"))
