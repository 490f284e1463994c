"""The step pipeline: fill a step from the selected alert, say how it must be confirmed, run
it, and build the entry that records it.

The UI asks for the values `missing()` names, shows the `Confirmation`, and hands the answer
back to `run()`; the rendering (`placeholders.render_step`), the safety gate (`StepRunner`)
and the log entry (`steps.step_entry`) are the ones used everywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol, runtime_checkable

from warroom.domain.alerts import Alert
from warroom.domain.clock import Clock
from warroom.domain.errors import RunbookError
from warroom.domain.incident import Entry
from warroom.domain.placeholders import missing_values, render_step
from warroom.domain.ports import OutputSink, RenderedStep, StepExecutor, StepResult
from warroom.domain.runbooks import Risk, Step
from warroom.services.approvals import Approval, ApprovalDesk
from warroom.services.steps import StepRunner, step_entry


@runtime_checkable
class AttachedExecutor(Protocol):
    """An executor that can run a step on the real terminal while the console is suspended
    (the shell). The drill's executor is not one: a drill answers interactive steps like any
    other, simulated, and never hands the terminal to a real command."""

    def run_attached(self, rendered: RenderedStep) -> StepResult: ...


class Ask(StrEnum):
    NOTHING = "nothing"  # a read step runs on enter
    YES = "yes"  # a write step: y/n, showing the exact command
    TYPED = "typed"  # a destructive step: type the target's name


@dataclass(frozen=True, slots=True)
class Confirmation:
    ask: Ask
    question: str = ""
    detail: str = ""
    target: str = ""


def alert_values(alert: Alert | None) -> dict[str, str]:
    """What an alert fills placeholders with: its labels, and its name as `alertname`."""
    if alert is None:
        return {}
    labels = dict(alert.labels)
    labels.setdefault("alertname", alert.name)
    return labels


class StepPipeline:
    def __init__(
        self,
        executors: Sequence[StepExecutor],
        clock: Clock,
        author: str,
        *,
        viewer: bool,
        default_timeout_s: float = 60.0,
        approvals: ApprovalDesk | None = None,
    ) -> None:
        self.runner = StepRunner(executors, viewer=viewer, default_timeout_s=default_timeout_s)
        self.clock = clock
        self.author = author
        self.approvals = approvals  # four eyes, when on and the store is shared
        self._approved: dict[int, Approval] = {}  # id(rendered) -> who asked and approved

    def missing(self, step: Step, labels: Mapping[str, str]) -> list[str]:
        """Placeholders no label fills: ask the commander for these first."""
        return list(missing_values(step, labels))

    def render(
        self, step: Step, labels: Mapping[str, str], values: Mapping[str, str]
    ) -> RenderedStep:
        """Exactly what will run (raises RunbookError with a one-line reason)."""
        return render_step(step, labels, values)

    def confirmation(self, rendered: RenderedStep) -> Confirmation:
        """How the commander confirms this run, by the rendered step's risk."""
        if rendered.risk is Risk.READ:
            return Confirmation(Ask.NOTHING)
        if rendered.risk is Risk.WRITE:
            return Confirmation(Ask.YES, "This step changes state. Run it?", rendered.command)
        return Confirmation(
            Ask.TYPED,
            "DESTRUCTIVE: type the target's name to run",
            f"{rendered.command}\n\ntarget: {rendered.target}",
            rendered.target,
        )

    async def run(
        self,
        rendered: RenderedStep,
        emit: OutputSink,
        *,
        confirmed: bool,
        typed: str | None,
    ) -> StepResult:
        """Run through the runner's gate (RunbookError says why a run is refused). Under four
        eyes a destructive step first waits for a second person's approval in the shared log
        (declined or expired: RunbookError, nothing ran)."""
        desk = self.approvals
        if desk is not None and desk.required(rendered):
            reason = self.runner.refusal(rendered, confirmed=confirmed, typed_target=typed)
            if reason:  # a mistyped target is refused before anyone is asked to approve
                raise RunbookError(reason)
            request = await desk.request(rendered)
            emit(f"awaiting approval by a second person, until {request.expires_at:%H:%M:%S} UTC")
            approval = await desk.wait(request)
            emit(f"approved by {approval.approved_by}")
            self._approved[id(rendered)] = approval  # for `record`, which names both
        try:
            return await self.runner.run(rendered, emit, confirmed=confirmed, typed_target=typed)
        except Exception:  # refused: no entry is recorded (a cancelled run still is)
            self._approved.pop(id(rendered), None)
            raise

    def attaches(self, rendered: RenderedStep) -> bool:
        """Whether this run needs the terminal: an interactive step (a shell, a REPL, a pager,
        `watch`) whose executor can hand it the terminal."""
        if not rendered.step.interactive:
            return False
        return isinstance(self.runner.executor_for(rendered), AttachedExecutor)

    def refusal(self, rendered: RenderedStep, *, confirmed: bool, typed: str | None) -> str | None:
        """Why this run may not happen (viewer, unconfirmed...): asked before suspending."""
        if self.approvals is not None and self.approvals.required(rendered):
            return "four eyes: an interactive destructive step cannot wait for approval here"
        return self.runner.refusal(rendered, confirmed=confirmed, typed_target=typed)

    def run_attached(
        self, rendered: RenderedStep, *, confirmed: bool, typed: str | None
    ) -> StepResult:
        """Run an interactive step on the terminal (the caller has suspended the UI); the same
        gate as `run` (RunbookError says why a run is refused). Blocks until the command ends."""
        reason = self.refusal(rendered, confirmed=confirmed, typed=typed)
        if reason:
            raise RunbookError(reason)
        executor = self.runner.executor_for(rendered)
        if not isinstance(executor, AttachedExecutor):
            raise RunbookError("no executor here can hand this step the terminal")
        return executor.run_attached(rendered)

    def record(
        self,
        incident_id: str,
        rendered: RenderedStep,
        result: StepResult,
        *,
        runbook: str = "",
        section: str = "",
    ) -> Entry:
        """The incident-log entry for this run (`runbook` › `section`: where the step is);
        an approved run names who asked and who approved."""
        entry = step_entry(
            incident_id,
            rendered,
            result,
            author=self.author,
            now=self.clock.now(),
            runbook=runbook,
            section=section,
        )
        approval = self._approved.pop(id(rendered), None)
        if approval is None:
            return entry
        names = {"requested_by": approval.requested_by, "approved_by": approval.approved_by}
        text = (
            f"{entry.text} (asked by {approval.requested_by}, approved by {approval.approved_by})"
        )
        return replace(entry, text=text, data={**entry.data, **names})
