"""The simulated world: deterministic, time-compressed, burning until the right remedy runs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.drill.conftest import CONTRACT, START, WorldFactory, run_step
from warroom.domain.clock import FrozenClock
from warroom.domain.errors import ConfigError, SourceBadResponse
from warroom.domain.runbooks import StepKind
from warroom.domain.signals import DEFAULT_SIGNALS, SignalSpec
from warroom.drill import DrillWorld, load_scenario
from warroom.drill.sources import DrillSignalSource
from warroom.drill.world import DrillClock

SPECS = {spec.key: spec for spec in DEFAULT_SIGNALS}


def _fix(name: str) -> tuple[StepKind, str]:
    fix = CONTRACT[name]["fix"]
    assert isinstance(fix, tuple)
    return fix


async def _trace(world: DrillWorld, clock: FrozenClock, actions: dict[int, str]) -> list[object]:
    """Step drill time a minute at a time, running `actions` at their second; record all."""
    source = DrillSignalSource(world)
    trace: list[object] = []
    for t in range(0, 1200, 60):
        clock.advance(t - world.elapsed())
        if t in actions:
            await run_step(world, StepKind.SHELL, actions[t])
        alerts = [(a.fingerprint, a.starts_at, a.severity) for a in world.firing()]
        values = [(await source.sample(spec, None)).value for spec in DEFAULT_SIGNALS]
        trace.append((t, alerts, values))
    trace.append([s.value for s in await source.history(SPECS["error_rate"], None, clock.now())])
    return trace


async def test_same_seed_and_same_actions_give_identical_worlds() -> None:
    actions = {180: "kubectl rollout undo deployment/api -n prod", 120: "kubectl get pods"}
    runs = []
    for _ in range(2):
        clock = FrozenClock(START)
        world = DrillWorld(load_scenario("error-rate"), seed=7, clock=clock)
        runs.append(await _trace(world, clock, actions))
    assert runs[0] == runs[1]


async def test_other_seed_changes_the_noise_not_the_story() -> None:
    traces = []
    for seed in (1, 2):
        clock = FrozenClock(START)
        world = DrillWorld(load_scenario("error-rate"), seed=seed, clock=clock)
        traces.append(await _trace(world, clock, {}))
    alerts = [[step[1] for step in trace[:-1]] for trace in traces]  # type: ignore[index]
    assert alerts[0] == alerts[1]
    assert traces[0][-1] != traces[1][-1]


async def test_remedy_time_changes_the_outcome() -> None:
    fix = "kubectl rollout undo deployment/api -n prod"
    clock_a, clock_b = FrozenClock(START), FrozenClock(START)
    early = await _trace(DrillWorld(load_scenario("error-rate"), clock=clock_a), clock_a, {60: fix})
    late = await _trace(DrillWorld(load_scenario("error-rate"), clock=clock_b), clock_b, {600: fix})
    assert early != late


def test_speed_compresses_drill_time(clock: FrozenClock, make_world: WorldFactory) -> None:
    world = make_world("error-rate", speed=10)
    assert world.clock.now() == START
    clock.advance(6)
    assert world.elapsed() == pytest.approx(60)
    assert world.clock.now() == START + timedelta(seconds=60)
    slow = DrillClock(clock, START, 0.5)
    clock.advance(10)
    assert slow.now() == START + timedelta(seconds=5)


def test_fast_drill_reaches_the_critical_alert_sooner(
    clock: FrozenClock, make_world: WorldFactory
) -> None:
    fast, normal = make_world("error-rate", speed=10), make_world("error-rate")
    clock.advance(30)  # 30 real seconds: 300 drill seconds in the fast one
    assert "HighErrorRateCritical" in {a.name for a in fast.firing()}
    assert "HighErrorRateCritical" not in {a.name for a in normal.firing()}


@pytest.mark.parametrize("speed", [0, -1, float("nan"), float("inf"), 1e300])
def test_bad_speed_is_a_config_error(speed: float) -> None:
    with pytest.raises(ConfigError, match="speed"):
        DrillWorld(load_scenario("error-rate"), speed=speed, clock=FrozenClock(START))


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_an_alert_fires_within_the_first_seconds(name: str, make_world: WorldFactory) -> None:
    world = make_world(name)
    assert world.firing(), "the console must show a firing alert at once"


@pytest.mark.parametrize("name", sorted(CONTRACT))
async def test_without_the_remedy_it_keeps_burning(
    name: str, clock: FrozenClock, make_world: WorldFactory
) -> None:
    world = make_world(name)
    clock.advance(20 * 60)
    expected = CONTRACT[name]["alerts"]
    assert {a.name for a in world.firing()} == expected
    assert len(world.firing()) == len(world.scenario.alerts)
    await run_step(world, StepKind.SHELL, "echo hello")  # an unrelated command changes nothing
    clock.advance(40 * 60)
    assert len(world.firing()) == len(world.scenario.alerts)
    assert not world.finished


@pytest.mark.parametrize("name", sorted(CONTRACT))
async def test_the_right_remedy_recovers_and_resolves(
    name: str, clock: FrozenClock, make_world: WorldFactory
) -> None:
    world = make_world(name)
    clock.advance(300)
    firing_before = world.firing()
    assert firing_before
    kind, command = _fix(name)
    result, lines = await run_step(world, kind, command)
    assert result.ok
    assert lines[0].startswith("(drill) simulated: ")
    assert world.runs[-1].response is not None and world.runs[-1].response.role == "remedy"
    clock.advance(10 * 60)
    assert world.firing() == []
    assert world.finished
    t = world.elapsed()
    for key, curve in world.scenario.signals.items():
        assert world.clean_value(key, t) == pytest.approx(curve.baseline), key
        spec = SPECS.get(key)
        if spec is not None:
            assert spec.level(world.value(key, t)).value == "ok", key


async def test_queue_backlog_also_recovers_by_restarting_workers(
    clock: FrozenClock, make_world: WorldFactory
) -> None:
    world = make_world("queue-backlog")
    clock.advance(120)
    await run_step(world, StepKind.SHELL, "docker compose -f ops/docker-compose.yml restart worker")
    clock.advance(15 * 60)
    assert world.finished


@pytest.mark.parametrize("name", sorted(n for n in CONTRACT if CONTRACT[n]["decoy"]))
async def test_a_decoy_changes_nothing_for_good(
    name: str, clock: FrozenClock, make_world: WorldFactory
) -> None:
    tried, untouched = make_world(name), make_world(name)
    clock.advance(120)
    decoy = CONTRACT[name]["decoy"]
    assert isinstance(decoy, tuple)
    result, _ = await run_step(tried, *decoy)
    assert result.ok
    assert tried.runs[-1].response is not None and tried.runs[-1].response.role == "decoy"
    clock.advance(15 * 60)
    now = tried.elapsed()
    for offset in range(0, 600, 37):
        for key in tried.scenario.signals:
            assert tried.clean_value(key, now + offset) == untouched.clean_value(key, now + offset)
    assert [a.name for a in tried.firing()] == [a.name for a in untouched.firing()]
    assert not tried.finished
    assert tried.summary().decoys and not tried.summary().remedies


async def test_terminating_idle_sessions_helps_only_briefly(
    clock: FrozenClock, make_world: WorldFactory
) -> None:
    world = make_world("db-connections")
    clock.advance(120)
    before = world.clean_value("connections", world.elapsed())
    decoy = CONTRACT["db-connections"]["decoy"]
    assert isinstance(decoy, tuple)
    await run_step(world, *decoy)
    clock.advance(30)
    assert world.clean_value("connections", world.elapsed()) < 40 < before
    clock.advance(10 * 60)
    assert world.clean_value("connections", world.elapsed()) > 95


async def test_history_is_full_and_healthy_before_the_incident(
    clock: FrozenClock, make_world: WorldFactory
) -> None:
    world = make_world("db-connections")
    source = DrillSignalSource(world)
    spec = SPECS["connections"]
    history = await source.history(spec, None, clock.now())
    assert len(history) == spec.range_s // spec.step_s + 1
    assert history[-1].at == clock.now()
    assert history[0].at == clock.now() - timedelta(seconds=spec.range_s)
    assert [s.at for s in history] == sorted(s.at for s in history)
    assert spec.level(history[0].value).value == "ok"  # 30 min ago, before the leak began
    assert spec.level(history[-1].value).value == "warn"
    # never past now, even if asked
    later = await source.history(spec, None, clock.now() + timedelta(hours=1))
    assert later == history


async def test_sample_matches_the_world(clock: FrozenClock, make_world: WorldFactory) -> None:
    world = make_world("service-down")
    clock.advance(42)
    sample = await DrillSignalSource(world).sample(SPECS["error_rate"], "api")
    assert sample.at == clock.now()
    assert sample.value == world.value("error_rate", 42)
    assert SPECS["error_rate"].level(sample.value).value == "crit"


@pytest.mark.parametrize("key", ["up", "cpu", "workers"])
async def test_other_signals_are_not_served(key: str, make_world: WorldFactory) -> None:
    source = DrillSignalSource(make_world("service-down"))
    spec = SignalSpec(key=key, name=key, query="x")
    with pytest.raises(SourceBadResponse, match="no such signal in this drill"):
        await source.sample(spec, None)
    with pytest.raises(SourceBadResponse):
        await source.history(spec, None, START)


def test_integer_signals_are_whole_numbers(clock: FrozenClock, make_world: WorldFactory) -> None:
    world = make_world("queue-backlog")
    for t in range(-600, 600, 13):
        assert world.value("queue_depth", t).is_integer()
        assert world.value("connections", t).is_integer()
