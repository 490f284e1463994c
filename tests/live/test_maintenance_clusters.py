"""Maintenance windows across Alertmanager clusters, against the real HA pair (`am-pair-a`,
`am-pair-b`, cluster "pair", gossiping over loopback) and the separate `am-solo`: one silence
per window in each cluster (never one per member), made in the next member when one is down,
and duplicates two consoles made at once expired down to one per cluster. Every count is read
from each Alertmanager's own API."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.live.test_silence_clusters import _until
from tests.servers.alertmanager_cluster import AlertmanagerClusters, PeeredAlertmanager
from tests.servers.ports import free_port
from warroom.config import ServerConfig
from warroom.domain.alerts import SilenceRequest
from warroom.domain.clock import FrozenClock
from warroom.domain.maintenance import Maintenance, parse_schedules
from warroom.services.maintenance import MaintenanceMaterialiser
from warroom.sources.alertmanager import AlertmanagerSource

pytestmark = pytest.mark.integration


def _source(url: str, name: str, cluster: str = "") -> AlertmanagerSource:
    return AlertmanagerSource(ServerConfig(url=url, name=name, cluster=cluster, timeout_s=5.0))


def _window() -> tuple[str, datetime, list[Maintenance]]:
    """A schedule of its own (the clusters are shared by the session) starting in 30 min."""
    name = f"vacuum-{uuid.uuid4().hex[:8]}"
    start = (datetime.now(UTC) + timedelta(minutes=30)).replace(second=0, microsecond=0)
    text = (
        f'[[maintenance]]\nname = "{name}"\nmatchers = ["service=db", "env=prod"]\n'
        f'at = "{start:%H:%M}"\nduration = "45m"\ncomment = "nightly vacuum"\n'
    )
    return name, start, parse_schedules(text)


def _marked(member: PeeredAlertmanager, name: str) -> list[str]:
    """The ids of the live silences of schedule `name` in `member`, as it lists them."""
    return sorted(
        s["id"]
        for s in member.silences()
        if s["status"]["state"] != "expired" and f"[warroom-maintenance {name} " in s["comment"]
    )


@pytest.fixture
async def consoles(
    clusters: AlertmanagerClusters,
) -> AsyncIterator[list[list[AlertmanagerSource]]]:
    """Two consoles' sources: the pair's two members and the separate one, each."""
    made = [
        [
            _source(clusters.a.url, "am-pair-a", "pair"),
            _source(clusters.b.url, "am-pair-b", "pair"),
            _source(clusters.solo.url, "am-solo"),
        ]
        for _ in range(2)
    ]
    try:
        yield made
    finally:
        for sources in made:
            for source in sources:
                await source.aclose()


async def _one_per_cluster(clusters: AlertmanagerClusters, name: str) -> tuple[str, str]:
    """Once gossip has settled: the one id in the pair (both members alike) and the solo's."""

    def settled() -> bool:
        a, b, solo = (_marked(m, name) for m in clusters.all)
        return len(a) == 1 and a == b and len(solo) == 1

    await _until(settled, f"one silence of {name} per cluster")
    await asyncio.sleep(1.5)  # and it stays one: nothing else arrives by gossip
    assert settled(), [_marked(m, name) for m in clusters.all]
    return _marked(clusters.a, name)[0], _marked(clusters.solo, name)[0]


async def test_two_consoles_make_one_silence_per_cluster_not_per_member(
    clusters: AlertmanagerClusters, consoles: list[list[AlertmanagerSource]]
) -> None:
    name, start, schedules = _window()
    clock = FrozenClock(start - timedelta(minutes=5))
    runs = [MaintenanceMaterialiser(sources, schedules, clock) for sources in consoles]
    for _ in range(3):
        results = await asyncio.gather(*(r.tick() for r in runs))
        assert all(not r.errors for r in results), results
    pair_id, solo_id = await _one_per_cluster(clusters, name)
    assert pair_id != solo_id
    # a second console's duplicate in the pair (its look came before the first's create)
    comment = f"nightly vacuum {schedules[0].marker(start)}"
    request = SilenceRequest(
        schedules[0].matchers, start, start + timedelta(minutes=45), runs[1].created_by, comment
    )
    extra = await consoles[1][1].create_silence(request)
    await _until(lambda: len(_marked(clusters.a, name)) == 2, "the duplicate, by gossip")
    result = await runs[0].tick()
    assert result.created == () and result.expired == (max(pair_id, extra),)
    assert await _one_per_cluster(clusters, name) == (min(pair_id, extra), solo_id)
    # the work finished early: expired everywhere; no console makes it again
    listed, _ = await runs[0].service.list()
    (row,) = [s for s in listed if f"[warroom-maintenance {name} " in s.comment]
    await runs[0].service.expire(row)
    clock.advance(6 * 60)  # inside the window now
    results = await asyncio.gather(*(r.tick() for r in runs))
    assert [r.created for r in results] == [(), ()]
    await _until(lambda: not any(_marked(m, name) for m in clusters.all), "expired everywhere")


async def test_a_member_that_is_down_falls_over_to_its_peer(
    clusters: AlertmanagerClusters, consoles: list[list[AlertmanagerSource]]
) -> None:
    name, start, schedules = _window()
    down = _source(f"http://127.0.0.1:{free_port()}", "am-pair-down", "pair")
    try:
        run = MaintenanceMaterialiser(
            [down, *consoles[0]], schedules, FrozenClock(start - timedelta(minutes=5))
        )
        result = await run.tick()
        assert len(result.created) == 2  # one in the pair (through a live member), one solo
        assert [e.split(":")[0] for e in result.errors] == ["am-pair-down"]  # it could not list
        assert set(result.created) == set(await _one_per_cluster(clusters, name))
        again = await run.tick()
        assert again.created == () and again.expired == ()
        listed, _ = await run.service.list()
        (row,) = [s for s in listed if f"[warroom-maintenance {name} " in s.comment]
        await run.service.expire(row)
    finally:
        await down.aclose()


async def test_a_cluster_none_of_whose_members_answer_is_left_alone_and_said(
    clusters: AlertmanagerClusters, consoles: list[list[AlertmanagerSource]]
) -> None:
    name, start, schedules = _window()
    gone = _source(f"http://127.0.0.1:{free_port()}", "am-gone", "far")
    try:
        run = MaintenanceMaterialiser(
            [*consoles[0], gone], schedules, FrozenClock(start - timedelta(minutes=5))
        )
        result = await run.tick()
        assert len(result.created) == 2 and any("am-gone" in e for e in result.errors)
        await _one_per_cluster(clusters, name)
        listed, _ = await run.service.list()
        (row,) = [s for s in listed if f"[warroom-maintenance {name} " in s.comment]
        await run.service.expire(row)
    finally:
        await gone.aclose()
