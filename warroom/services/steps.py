"""Running a rendered step safely, and the incident-log entry that records it.

The runner is the single gate between a commander's key press and a real command: it refuses
in viewer mode, refuses text steps, asks write steps for an explicit confirmation and
destructive steps for the typed name of their target. Refusals raise `RunbookError` with a
one-line reason; everything that was attempted returns a `StepResult` (a source that cannot
be reached becomes a result with `error`, so the log still records the attempt).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from warroom.domain.errors import RunbookError, SourceError
from warroom.domain.incident import Entry, EntryKind, new_entry
from warroom.domain.ports import OutputSink, RenderedStep, StepExecutor, StepResult
from warroom.domain.runbooks import Risk, StepKind

OUTPUT_CAP = 256 * 1024
HEAD_LINES = 10
TAIL_LINES = 10


class StepRunner:
    """Routes a rendered step to the first executor that handles it, after the safety checks."""

    def __init__(
        self,
        executors: Sequence[StepExecutor],
        *,
        viewer: bool,
        default_timeout_s: float = 60.0,
    ) -> None:
        self.executors = list(executors)
        self.viewer = viewer
        self.default_timeout_s = default_timeout_s

    def refusal(
        self, rendered: RenderedStep, *, confirmed: bool = False, typed_target: str | None = None
    ) -> str | None:
        """Why this step may not run now, in one line; None when it may."""
        step = rendered.step
        if self.viewer:
            return "viewer mode: steps are shown, never run"
        if step.kind is StepKind.TEXT:
            return "text steps are shown, never run"
        why = f" ({rendered.risk_reason})" if rendered.risk_reason else ""
        if rendered.risk is Risk.DESTRUCTIVE:  # judged on the rendered command, never lower
            if not rendered.target:
                return "destructive step has no target to confirm; refusing" + why
            if (typed_target or "").strip() != rendered.target:
                return f"destructive step: type {rendered.target!r} to confirm{why}"
        elif rendered.risk is Risk.WRITE and not confirmed:
            return "write step: confirm (y) before it runs" + why
        if self.executor_for(rendered) is None:
            return f"no executor can run {step.kind.value} steps here"
        return None

    def executor_for(self, rendered: RenderedStep) -> StepExecutor | None:
        return next((e for e in self.executors if e.handles(rendered)), None)

    async def run(
        self,
        rendered: RenderedStep,
        emit: OutputSink,
        *,
        confirmed: bool = False,
        typed_target: str | None = None,
    ) -> StepResult:
        """Run the step; cancel the awaiting task to stop it (the process group is killed)."""
        reason = self.refusal(rendered, confirmed=confirmed, typed_target=typed_target)
        if reason:
            raise RunbookError(reason)
        executor = self.executor_for(rendered)
        assert executor is not None
        timeout_s = rendered.step.timeout_s or self.default_timeout_s
        started = time.monotonic()
        try:
            return await executor.execute(rendered, emit, timeout_s)
        except SourceError as exc:
            message = str(exc) or type(exc).__name__
            emit(f"error: {message}")
            return StepResult(
                exit_code=None,
                duration_s=time.monotonic() - started,
                output=f"error: {message}\n",
                error=message,
                executor=getattr(executor, "name", ""),
            )


def _head_tail(output: str) -> tuple[list[str], list[str]]:
    lines = output.splitlines()
    if len(lines) <= HEAD_LINES + TAIL_LINES:
        return lines[:HEAD_LINES], lines[HEAD_LINES:]
    return lines[:HEAD_LINES], lines[-TAIL_LINES:]


def cap_output(output: str, cap: int = OUTPUT_CAP) -> str:
    data = output.encode("utf-8", "replace")
    if len(data) <= cap:
        return output
    return data[:cap].decode("utf-8", "ignore") + f"\n[… {len(data) - cap} bytes cut]\n"


def outcome(result: StepResult) -> str:
    """`exit 0 in 1.2 s`, `cancelled after 3.0 s`, `timed out after 60.0 s`, `failed: …`."""
    took = f"{result.duration_s:.1f} s"
    if result.cancelled:
        return f"cancelled after {took}"
    if result.timed_out:
        return f"timed out after {took}"
    if result.exit_code is None:
        return f"failed: {result.error or 'no exit status'}"
    if result.error and result.exit_code == 0:
        return f"failed: {result.error}"
    return f"exit {result.exit_code} in {took}"


def step_entry(
    incident_id: str,
    rendered: RenderedStep,
    result: StepResult,
    *,
    author: str,
    now: datetime,
    runbook: str = "",
    section: str = "",
) -> Entry:
    """The incident-log entry for one run: the exact command, status, duration and output,
    and where the step comes from (`runbook` › `section`, for the post-mortem's Commands run)."""
    first = rendered.command.strip().splitlines()[0] if rendered.command.strip() else ""
    shown = first if len(first) <= 120 else first[:117] + "…"
    if "\n" in rendered.command.strip():
        shown += " …"
    head, tail = _head_tail(result.output)
    data: dict[str, Any] = {
        "command": rendered.command,
        "params": [str(p) for p in rendered.params],
        "kind": rendered.step.kind.value,
        "risk": rendered.risk.value,
        "phase": rendered.step.phase,
        "description": rendered.step.description,  # the step's name in the post-mortem
        "runbook": runbook,
        "section": section,
        "line": rendered.step.line,
        "target": rendered.target,
        "exit_code": result.exit_code,
        "duration_s": round(result.duration_s, 3),
        "executor": result.executor,
        "cancelled": result.cancelled,
        "timed_out": result.timed_out,
        "error": result.error,
        "output_head": head,
        "output_tail": tail,
        "output": cap_output(result.output),
        "output_ref": result.output_file,  # the full output, when it did not fit
    }
    if result.columns is not None:
        data["columns"] = list(result.columns)
        data["row_count"] = len(result.rows or [])
    return new_entry(
        incident_id,
        EntryKind.STEP_RUN,
        f"ran `{shown}` → {outcome(result)}",
        author=author,
        now=now,
        data=data,
    )


async def run_and_record(
    runner: StepRunner,
    rendered: RenderedStep,
    emit: OutputSink,
    *,
    incident_id: str,
    author: str,
    clock: Any,
    confirmed: bool = False,
    typed_target: str | None = None,
) -> tuple[StepResult, Entry]:
    """Run, then build the log entry (`clock()` gives the aware `now`)."""
    result = await runner.run(rendered, emit, confirmed=confirmed, typed_target=typed_target)
    return result, step_entry(incident_id, rendered, result, author=author, now=clock())
