"""The drill's ground truth (what it knows it did), and the quit summary, which prints the
incident clock's times: the same numbers as `incidents list` and the post-mortem."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.drill.conftest import START, WorldFactory, run_step
from tests.drill.test_scenarios import MINIMAL
from warroom.domain.alerts import Matcher, SilenceRequest, ack_comment
from warroom.domain.clock import FrozenClock
from warroom.domain.milestones import IncidentTimes
from warroom.domain.runbooks import StepKind
from warroom.drill import DrillWorld, parse_scenario
from warroom.drill.record import summary_lines
from warroom.drill.sources import DrillAlertSource


async def _ack(source: DrillAlertSource, now_s: float) -> None:
    at = START + timedelta(seconds=now_s)
    await source.create_silence(
        SilenceRequest(
            (Matcher.parse("service=api"),),
            at,
            at + timedelta(hours=1),
            "ic",
            ack_comment("ic", None),
        )
    )


def test_nothing_done_yet(clock: FrozenClock, make_world: WorldFactory) -> None:
    world = make_world("error-rate", seed=3, speed=2)
    clock.advance(30)
    summary = world.summary()
    assert summary.elapsed_s == 60
    assert summary.detected_s == 0  # it was already firing when the drill began
    assert (summary.acknowledge_s, summary.mitigate_s, summary.resolve_s) == (None, None, None)
    assert not world.finished
    lines = summary_lines(summary, None)
    assert lines[0] == "Drill summary: error-rate (seed 3, speed 2x)"
    assert "no incident was declared (d): nothing was timed" in "\n".join(lines)
    assert "time to acknowledge not reached" in "\n".join(lines)


async def test_full_rehearsal_times(clock: FrozenClock, make_world: WorldFactory) -> None:
    world = make_world("error-rate")
    source = DrillAlertSource(world)
    clock.advance(30)
    await _ack(source, 30)
    clock.advance(90)  # t=120: try the tempting restart first
    await run_step(world, StepKind.SHELL, "docker compose -f ops/docker-compose.yml restart api")
    clock.advance(80)  # t=200: roll back (6 s step)
    await run_step(world, StepKind.SHELL, "kubectl rollout undo deployment/api -n prod")
    await run_step(world, StepKind.SHELL, "uptime")
    assert world.summary().mitigate_s is None  # the rollback is still running
    clock.advance(600)
    assert world.finished
    summary = world.summary()
    assert summary.acknowledge_s == 30
    assert summary.mitigate_s == 206
    resolved = [e.at_s for e in world.events() if not e.fired]
    assert len(resolved) == 2
    assert summary.resolve_s == max(resolved)
    assert 206 < summary.resolve_s < 206 + 90
    assert summary.remedies == ("roll back the api deployment",)
    assert summary.decoys == ("restart the api containers",)
    assert summary.simulated == 1
    times = IncidentTimes(START, 0.0, 30.0, 206.0, None)
    text = "\n".join(summary_lines(summary, times))
    assert "time to acknowledge 30s" in text
    assert "time to mitigate    3m 26s" in text
    assert "time to resolve     not reached" in text
    assert "decoys run          restart the api containers" in text
    assert "other commands      1 (simulated, none was run)" in text


async def test_times_count_from_the_first_alert(clock: FrozenClock) -> None:
    scenario = parse_scenario(MINIMAL, "mine.toml")  # errors pass 5 % at t = 14 s
    world = DrillWorld(scenario, clock=clock)
    source = DrillAlertSource(world)
    clock.advance(10)
    assert world.firing() == [] and world.summary().detected_s is None
    clock.advance(40)
    await _ack(source, 50)
    await run_step(world, StepKind.SHELL, "kubectl rollout undo deployment/api")
    clock.advance(120)
    summary = world.summary()
    assert summary.detected_s == 14
    assert summary.acknowledge_s == 36
    assert summary.mitigate_s == 50 + 2 - 14  # default step duration 2 s
    assert world.finished


def test_the_printed_post_mortem_command_works_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After `make drill` warroom lives in .venv/bin, not on PATH: the summary names that."""
    from warroom.cli.drill import _warroom_command

    program = tmp_path / ".venv" / "bin" / "warroom"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", [str(program)])
    monkeypatch.setenv("PATH", "/nonexistent")
    assert _warroom_command() == ".venv/bin/warroom"
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(program.parent))
    assert _warroom_command() == "warroom"
