"""The step pipeline's interactive path, without Textual: which runs get the terminal, the same
gate as every other run, and a real shell's exit status and duration coming back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from warroom.domain.clock import FrozenClock
from warroom.domain.errors import RunbookError
from warroom.domain.ports import RenderedStep
from warroom.domain.runbooks import Risk, Step, StepKind
from warroom.drill import DrillWorld, load_scenario
from warroom.services.step_pipeline import StepPipeline
from warroom.sources.executors.shell import ShellExecutor

CLOCK = FrozenClock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))


def _rendered(command: str, *, interactive: bool = True) -> RenderedStep:
    step = Step(StepKind.SHELL, command, 1, risk=Risk.WRITE, interactive=interactive)
    return RenderedStep(step=step, command=command)


def _pipeline(executor: object, *, viewer: bool = False) -> StepPipeline:
    return StepPipeline([executor], CLOCK, "tester", viewer=viewer)  # type: ignore[list-item]


def test_only_an_interactive_step_on_an_executor_that_can_hand_it_the_terminal_attaches() -> None:
    shell = _pipeline(ShellExecutor())
    assert shell.attaches(_rendered("less /etc/hostname"))
    assert not shell.attaches(_rendered("echo hi", interactive=False))
    world = DrillWorld(load_scenario("error-rate"), seed=1, speed=1.0, clock=CLOCK)
    drill = _pipeline(world.sources().executors[0])
    assert not drill.attaches(_rendered("less /etc/hostname"))  # the drill simulates it


def test_the_attached_run_passes_the_same_gate() -> None:
    with pytest.raises(RunbookError, match="viewer mode"):
        _pipeline(ShellExecutor(), viewer=True).run_attached(
            _rendered("exit 3"), confirmed=True, typed=None
        )
    with pytest.raises(RunbookError, match="confirm"):
        _pipeline(ShellExecutor()).run_attached(_rendered("exit 3"), confirmed=False, typed=None)


def test_the_attached_run_gives_the_exit_status_and_the_entry_records_it() -> None:
    pipeline = _pipeline(ShellExecutor())
    rendered = _rendered("exit 3")
    result = pipeline.run_attached(rendered, confirmed=True, typed=None)
    assert result.exit_code == 3 and result.duration_s >= 0 and result.executor == "shell"
    entry = pipeline.record("INC-1", rendered, result)
    assert "→ exit 3 in" in entry.text and entry.data["exit_code"] == 3


def test_a_shell_that_cannot_start_is_a_result_with_the_reason() -> None:
    pipeline = _pipeline(ShellExecutor(shell="/nonexistent/shell"))
    result = pipeline.run_attached(_rendered("true"), confirmed=True, typed=None)
    assert result.exit_code is None and "cannot start /nonexistent/shell" in (result.error or "")
