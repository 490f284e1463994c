"""The drill's containers, pods and rollouts: what the scenarios declare (a bad deploy before
the error-rate alert, a crashlooping worker in queue-backlog) and how the remedies act on them
(a rollback brings revision 13 back, a restart ends the crashloop; a decoy restart does not)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.drill.conftest import CONTRACT, WorldFactory, run_step
from tests.drill.test_scenarios import MINIMAL as BASE
from warroom.domain.errors import ConfigError
from warroom.domain.ports import ServiceContextSource
from warroom.domain.scope import ServiceScope
from warroom.domain.service_context import ChangeKind, ServiceContext
from warroom.drill import DrillWorld, parse_scenario


async def _context(world: DrillWorld, service: str | None, back_s: float = 3600) -> ServiceContext:
    (source,) = world.sources().context_sources
    assert isinstance(source, ServiceContextSource)
    now = world.clock.now()
    return await source.context(service, now - timedelta(seconds=back_s))


async def test_error_rate_shows_revision_14_rolled_out_before_the_first_alert(
    make_world: WorldFactory,
) -> None:
    world = make_world("error-rate", seed=3)
    context = await _context(world, ServiceScope([("service", "api"), ("job", "api")]))
    (rollout,) = context.rollouts
    assert (rollout.revision, rollout.previous_revision) == ("14", "13")
    assert rollout.image.endswith(":v2.14.0") and rollout.status == "complete"
    assert len(context.pods) == 3 and not context.containers  # the worker is not in scope
    deploys = [c for c in context.changes if c.kind is ChangeKind.DEPLOY]
    assert [c.text for c in deploys] == ["revision 14 rolled out (ops/api:v2.14.0)"]
    first_alert = min(a.starts_at for a in world.firing())
    before = (first_alert - deploys[0].at).total_seconds()
    assert 60 <= before <= 600  # a few minutes before the first alert


async def test_the_rollback_brings_revision_13_back_and_a_restart_starts_pods_again(
    make_world: WorldFactory, clock
) -> None:  # type: ignore[no-untyped-def]
    world = make_world("error-rate", seed=3)
    decoy = CONTRACT["error-rate"]["decoy"]
    assert isinstance(decoy, tuple)
    await run_step(world, *decoy)
    clock.advance(30)
    context = await _context(world, "api")
    restarts = [c for c in context.changes if c.kind is ChangeKind.RESTART]
    assert [c.text for c in restarts] == ["3 pods restarted"]
    assert context.rollouts[0].revision == "14"  # a restart is no rollback
    assert all(
        (world.clock.now() - p.started_at).total_seconds() < 60
        for p in context.pods
        if p.started_at
    )

    fix = CONTRACT["error-rate"]["fix"]
    assert isinstance(fix, tuple)
    await run_step(world, *fix)
    clock.advance(30)
    context = await _context(world, "api")
    (rollout,) = context.rollouts
    assert (rollout.revision, rollout.previous_revision) == ("13", "14")
    assert rollout.image.endswith(":v2.13.2")
    newest = context.changes[0]
    assert newest.kind is ChangeKind.DEPLOY and "revision 13 rolled out" in newest.text


async def test_queue_backlog_worker_crashloops_with_restarts_climbing_until_restarted(
    make_world: WorldFactory, clock
) -> None:  # type: ignore[no-untyped-def]
    world = make_world("queue-backlog", seed=1)
    first = await _context(world, "worker")
    assert first.containers and all(c.state == "restarting" for c in first.containers)
    assert all(c.exit_code == 1 and c.health == "unhealthy" for c in first.containers)
    clock.advance(600)
    later = await _context(world, "worker")
    assert later.containers[0].restarts > first.containers[0].restarts  # climbing
    assert any(c.kind is ChangeKind.DIE for c in later.changes)

    decoy = CONTRACT["queue-backlog"]["decoy"]  # restarting the api does nothing for it
    assert isinstance(decoy, tuple)
    await run_step(world, *decoy)
    clock.advance(60)
    assert (await _context(world, "worker")).containers[0].state == "restarting"

    fix = CONTRACT["queue-backlog"]["fix"]
    assert isinstance(fix, tuple)
    await run_step(world, *fix)
    clock.advance(30)
    healed = await _context(world, "worker")
    restarts = healed.containers[0].restarts
    assert all(c.state == "running" and c.health == "healthy" for c in healed.containers)
    clock.advance(1800)
    assert (await _context(world, "worker")).containers[0].restarts == restarts  # stopped


async def test_a_scenario_without_workloads_has_no_context_source(
    make_world: WorldFactory,
) -> None:
    world = make_world("slow-queries")
    assert not world.scenario.workloads
    assert world.sources().context_sources == []


async def test_every_service_when_none_is_in_scope(make_world: WorldFactory) -> None:
    world = make_world("error-rate")
    context = await _context(world, None)
    assert context.pods and context.containers  # the api's pods and the worker's containers


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            '\n[[workloads]]\nname = "api"\nimage = "a"\ntag = "1"\nplatform = "nomad"\n',
            "bad.toml: workloads[0].platform: must be kubernetes or docker",
        ),
        (
            '\n[[workloads]]\nname = "api"\nimage = "a"\ntag = "2"\ndeployed_at_s = -60\n',
            "bad.toml: workloads[0].previous_tag: a deploy needs the tag it replaced",
        ),
        (
            '\n[[workloads]]\nname = "api"\nimage = "a"\ntag = "1"\nreplicas = 0\n',
            "bad.toml: workloads[0].replicas: must be at least 1",
        ),
    ],
    ids=["platform", "deploy without previous tag", "no replicas"],
)
def test_bad_workloads_are_one_line_errors(extra: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_scenario(BASE + extra, "bad.toml")
    assert str(info.value).startswith(expected), str(info.value)


def test_a_remedy_acts_only_on_declared_workloads() -> None:
    text = BASE.replace('recover = ["error_rate"]', 'recover = ["error_rate"]\nrollback = ["api"]')
    with pytest.raises(ConfigError, match=r"remedies\[0\]\.rollback\[0\]: no workload 'api'"):
        parse_scenario(text, "bad.toml")
    ok = parse_scenario(text + '\n[[workloads]]\nname = "api"\nimage = "a"\ntag = "1"\n', "ok.toml")
    assert ok.remedies[0].rollback == ("api",) and ok.workloads[0].service == "api"
