"""Drill sources behave like live ones: silences and acks for real, and no command ever runs."""

from __future__ import annotations

import asyncio
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from tests.drill.conftest import START, WorldFactory, rendered, run_step
from warroom.domain.alerts import (
    Alert,
    AlertState,
    Matcher,
    SilenceRequest,
    ack_comment,
)
from warroom.domain.clock import FrozenClock
from warroom.domain.errors import SourceBadResponse
from warroom.domain.ports import AlertSource, SignalSource
from warroom.domain.runbooks import StepKind
from warroom.drill.sources import SIMULATED_LINE, DrillAlertSource, DrillExecutor


def _request(
    *matchers: str, minutes: float = 60, comment: str = "looking", sid: str | None = None
) -> SilenceRequest:
    return SilenceRequest(
        matchers=tuple(Matcher.parse(m) for m in matchers),
        starts_at=START,
        ends_at=START + timedelta(minutes=minutes),
        created_by="ic",
        comment=comment,
        id=sid,
    )


async def _firing_at(
    world_clock: FrozenClock, source: DrillAlertSource, seconds: float
) -> dict[str, Alert]:
    world_clock.advance(seconds - source.world.elapsed())
    return {a.name: a for a in await source.fetch_alerts()}


async def test_sources_are_wired_as_a_drill(make_world: WorldFactory) -> None:
    world = make_world("slow-queries")
    sources = world.sources()
    assert sources.is_drill and not sources.is_production
    assert sources.environment == "drill · slow-queries"
    assert len(sources.alert_sources) == 1
    assert isinstance(sources.alert_sources[0], AlertSource)
    assert sources.alert_sources[0].can_silence
    signal = sources.signal_sources["prometheus"]
    assert isinstance(signal, SignalSource)
    assert sources.signal_sources["postgres"] is signal
    assert [e.name for e in sources.executors] == ["drill"]
    assert sources.catalog is not None
    assert await sources.catalog.services() == ["api", "postgres", "worker"]
    assert world.sources() is sources  # one silence store per drill


async def test_silence_suppresses_matching_alerts_until_expired(
    clock: FrozenClock, make_world: WorldFactory
) -> None:
    source = DrillAlertSource(make_world("error-rate"))
    alerts = await _firing_at(clock, source, 200)
    assert set(alerts) == {"HighErrorRate", "HighErrorRateCritical"}

    sid = await source.create_silence(_request("alertname=HighErrorRate", "service=~ap."))
    alerts = await _firing_at(clock, source, 210)
    assert alerts["HighErrorRate"].state is AlertState.SUPPRESSED
    assert alerts["HighErrorRate"].silenced_by == (sid,)
    assert alerts["HighErrorRate"].is_silenced
    assert alerts["HighErrorRateCritical"].state is AlertState.ACTIVE
    [silence] = await source.list_silences()
    assert (silence.id, silence.state, silence.created_by) == (sid, "active", "ic")

    extended = await source.create_silence(
        _request("alertname=HighErrorRate", "service=~ap.", minutes=120, sid=sid)
    )
    assert extended == sid
    [silence] = await source.list_silences()
    assert silence.ends_at == START + timedelta(minutes=120)

    await source.expire_silence(sid)
    [silence] = await source.list_silences()
    assert silence.state == "expired"
    alerts = await _firing_at(clock, source, 220)
    assert alerts["HighErrorRate"].state is AlertState.ACTIVE
    assert alerts["HighErrorRate"].silenced_by == ()


async def test_updates_that_cannot_be_made_in_place_get_a_new_id(
    clock: FrozenClock, make_world: WorldFactory
) -> None:
    source = DrillAlertSource(make_world("service-down"))
    first = await source.create_silence(_request("service=api", minutes=5))
    changed = await source.create_silence(_request("alertname=ServiceDown", sid=first))
    assert changed != first
    states = {s.id: s.state for s in await source.list_silences()}
    assert states == {first: "expired", changed: "active"}
    clock.advance(2 * 3600)
    renewed = await source.create_silence(_request("alertname=ServiceDown", sid=changed))
    assert renewed not in (first, changed)


async def test_silence_runs_out_on_its_own(clock: FrozenClock, make_world: WorldFactory) -> None:
    source = DrillAlertSource(make_world("service-down"))
    await source.create_silence(_request("service=api", minutes=5))
    assert (await _firing_at(clock, source, 60))["ServiceDown"].is_silenced
    assert not (await _firing_at(clock, source, 301))["ServiceDown"].is_silenced
    [silence] = await source.list_silences()
    assert silence.state == "expired"


async def test_future_silence_is_pending(clock: FrozenClock, make_world: WorldFactory) -> None:
    source = DrillAlertSource(make_world("service-down"))
    request = _request("service=api")
    later = SilenceRequest(
        request.matchers, START + timedelta(minutes=10), START + timedelta(minutes=20), "ic", "x"
    )
    await source.create_silence(later)
    assert not (await _firing_at(clock, source, 30))["ServiceDown"].is_silenced
    assert (await source.list_silences())[0].state == "pending"
    assert (await _firing_at(clock, source, 700))["ServiceDown"].is_silenced


async def test_negative_matcher_does_not_catch(
    clock: FrozenClock, make_world: WorldFactory
) -> None:
    source = DrillAlertSource(make_world("queue-backlog"))
    await source.create_silence(_request("alertname!=NoActiveWorkers"))
    alerts = await _firing_at(clock, source, 120)
    assert alerts["QueueBacklog"].is_silenced
    assert not alerts["NoActiveWorkers"].is_silenced


async def test_bad_silences_are_refused(make_world: WorldFactory) -> None:
    source = DrillAlertSource(make_world("service-down"))
    with pytest.raises(SourceBadResponse, match="at least one matcher"):
        await source.create_silence(_request())
    with pytest.raises(SourceBadResponse, match="no such silence"):
        await source.create_silence(_request("service=api", sid="nope"))
    with pytest.raises(SourceBadResponse, match="no such silence"):
        await source.expire_silence("nope")
    with pytest.raises(SourceBadResponse, match="end after"):
        await source.create_silence(_request("service=api", minutes=-1))


async def test_ack_silence_records_time_to_acknowledge(
    clock: FrozenClock, make_world: WorldFactory
) -> None:
    world = make_world("service-down")
    source = DrillAlertSource(world)
    clock.advance(20)
    await source.create_silence(_request("service=api", comment="checking the proxy"))
    assert world.summary().acknowledge_s is None
    clock.advance(25)
    await source.create_silence(_request("alertname=ServiceDown", comment=ack_comment("ic", None)))
    assert world.summary().acknowledge_s == 45
    clock.advance(30)
    await source.create_silence(_request("alertname=ServiceDown", comment=ack_comment("bo", "I-1")))
    assert world.summary().acknowledge_s == 45  # the first ack counts


async def test_executor_never_runs_a_command(
    tmp_path: Path, make_world: WorldFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commands that would leave traces (a file, a fake `docker` on PATH) leave none."""
    world = make_world("error-rate")
    marker = tmp_path / "created"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("docker", "kubectl", "psql", "curl"):
        fake = bin_dir / tool
        fake.write_text(f"#!/bin/sh\ntouch {tmp_path}/ran-{tool}\n")
        fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    commands = [
        (StepKind.SHELL, f"touch {marker}"),
        (StepKind.SHELL, f"echo boom > {marker}; kubectl rollout undo deployment/api -n prod"),
        (StepKind.SHELL, "docker compose -f ops/docker-compose.yml restart api"),
        (StepKind.SQL, f"COPY (SELECT 1) TO PROGRAM 'touch {marker}'"),
        (StepKind.HTTP, f"POST http://127.0.0.1:9/{marker}"),
        (StepKind.SHELL, "curl -s http://127.0.0.1:8080/health"),
    ]
    for kind, command in commands:
        result, lines = await run_step(world, kind, command)
        assert result.exit_code == 0
        assert result.executor == "drill"
        assert lines and lines[0].startswith("(drill) simulated")
    assert list(tmp_path.iterdir()) == [bin_dir]


async def test_unmatched_command_says_it_was_simulated(make_world: WorldFactory) -> None:
    world = make_world("error-rate")
    result, lines = await run_step(world, StepKind.SHELL, "uptime")
    assert lines[0] == SIMULATED_LINE
    assert result.ok and result.output.startswith(SIMULATED_LINE)
    sql, _ = await run_step(world, StepKind.SQL, "SELECT 1")
    assert sql.ok and sql.rows == [] and sql.columns == []
    assert world.summary().simulated == 2


async def test_sql_diagnostic_returns_rows_until_fixed(
    clock: FrozenClock, make_world: WorldFactory
) -> None:
    world = make_world("slow-queries")
    query = "SELECT pid, state, now() - query_start AS duration, query FROM pg_stat_activity"
    result, lines = await run_step(world, StepKind.SQL, query)
    assert result.columns == ["pid", "state", "duration", "application_name", "query"]
    assert result.rows and result.rows[0][0] == 48213
    assert any("48213" in line for line in lines)
    await run_step(world, StepKind.SQL, "SELECT pg_cancel_backend(48213)")
    clock.advance(60)
    result, lines = await run_step(world, StepKind.SQL, query)
    assert not any("48213" in line for line in lines)


async def test_failing_diagnostic_exit_code_follows_the_world(
    clock: FrozenClock, make_world: WorldFactory
) -> None:
    world = make_world("service-down")
    health = "curl -fsS http://api:8080/health"
    before, _ = await run_step(world, StepKind.SHELL, health)
    assert before.exit_code == 7 and not before.ok
    await run_step(world, StepKind.SHELL, "docker compose -f ops/docker-compose.yml restart api")
    clock.advance(60)
    after, lines = await run_step(world, StepKind.SHELL, health)
    assert after.exit_code == 0 and '"status":"ok"' in lines[-1]


def test_executor_handles_runnable_steps_only(make_world: WorldFactory) -> None:
    executor = DrillExecutor(make_world("error-rate"))
    assert executor.handles(rendered(StepKind.SHELL, "ls"))
    assert executor.handles(rendered(StepKind.SQL, "SELECT 1"))
    assert executor.handles(rendered(StepKind.PROMQL, "up"))
    assert executor.handles(rendered(StepKind.HTTP, "GET http://x/"))
    assert not executor.handles(rendered(StepKind.TEXT, "call the DBA"))


async def test_cancelled_step_has_no_effect(clock: FrozenClock, make_world: WorldFactory) -> None:
    """A paced step cancelled before it finished never mitigates anything."""
    world = make_world("error-rate")
    world.pace_steps = True
    lines: list[str] = []
    command = "kubectl rollout undo deployment/api -n prod"
    task = asyncio.create_task(
        DrillExecutor(world).execute(rendered(StepKind.SHELL, command), lines.append, 30.0)
    )
    while not lines:
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert world.runs == []
    clock.advance(600)
    assert not world.finished
    assert world.summary().remedies == ()


async def test_promql_steps_answer_from_the_simulated_signals(
    clock: FrozenClock, make_world: WorldFactory
) -> None:
    world = make_world("service-down")
    query = 'up{job="api"}'
    result, lines = await run_step(world, StepKind.PROMQL, query)
    assert result.ok and lines[-1] == "0"
    await run_step(world, StepKind.SHELL, "docker compose -f ops/docker-compose.yml restart api")
    clock.advance(120)
    _, lines = await run_step(world, StepKind.PROMQL, query)
    assert lines[-1] == "1"
    errors = '100 * sum(rate(http_requests_total{job="api",status=~"5.."}[5m]))'
    _, lines = await run_step(world, StepKind.PROMQL, errors)
    assert float(lines[-1]) == pytest.approx(world.value("error_rate", world.elapsed()))
    _, lines = await run_step(world, StepKind.PROMQL, "rate(node_cpu_seconds_total[5m])")
    assert lines[0] == SIMULATED_LINE


async def test_diagnostic_output_carries_current_values(
    clock: FrozenClock, make_world: WorldFactory
) -> None:
    world = make_world("db-connections")
    clock.advance(200)
    sql = "SELECT count(*) AS connections, current_setting('max_connections')::int FROM x"
    _, lines = await run_step(world, StepKind.SQL, sql)
    now_value = world.value("connections", world.elapsed())
    assert lines[3].split("|")[0].strip() == f"{now_value:.0f}"
    assert "{" not in "".join(lines)
