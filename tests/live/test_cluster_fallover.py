"""The loose ends of silences across Alertmanager clusters, against the real HA pair and the
separate Alertmanager of the suite: a member that made the silence but whose answer was lost
(closed unanswered, or held past the timeout, by a proxy in front of it) is not followed by a
second silence in its peer, and the tripwire knows a silence by its id in every cluster."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from tests.live.answer_dropper import AnswerDropper
from tests.live.conftest import am_alert, unique_name
from tests.live.test_silence_clusters import _with
from tests.servers.alertmanager_cluster import AlertmanagerClusters
from tests.servers.ports import free_port
from warroom.config import ServerConfig
from warroom.domain.alerts import Alert, Matcher, SilenceRequest, alert_labels, merge_alerts
from warroom.domain.clock import SystemClock
from warroom.domain.tripwire import TripwireWatch
from warroom.services.silences import SilenceService
from warroom.sources.alertmanager import AlertmanagerSource, format_time

pytestmark = pytest.mark.integration


def _source(url: str, name: str, cluster: str = "") -> AlertmanagerSource:
    return AlertmanagerSource(ServerConfig(url=url, name=name, cluster=cluster, timeout_s=5.0))


@pytest.fixture
async def closing() -> AsyncIterator[list[AlertmanagerSource]]:
    made: list[AlertmanagerSource] = []
    try:
        yield made
    finally:
        for source in made:
            await source.aclose()


@pytest.mark.parametrize("mode", ["drop", "hold"])
async def test_a_member_that_made_it_but_lost_the_answer_is_adopted_not_doubled(
    clusters: AlertmanagerClusters, closing: list[AlertmanagerSource], mode: str
) -> None:
    name = unique_name()
    now = datetime.now(UTC)
    matchers = (Matcher("alertname", name), Matcher("instance", "db-9:9100"))
    request = SilenceRequest(matchers, now, now + timedelta(hours=1), "alice@host", "db-9 reboot")
    proxy = AnswerDropper(clusters.a.url, mode).start()
    a = _source(proxy.url, "am-pair-a", "pair")
    b = _source(clusters.b.url, "am-pair-b", "pair")
    closing += [a, b]
    # the same matchers and author in the pair already, with other words: someone else's
    other = SilenceRequest(matchers, now, request.ends_at, "alice@host", "another reason")
    decoy = await b.create_silence(other)
    try:
        service = SilenceService([a, b], SystemClock(), timeout_s=2.0)
        fact = await service.create(request, only=["pair"])
    finally:
        proxy.stop()

    (answer,) = proxy.made  # member a made it once, and its answer was lost
    made = msgspec.json.decode(answer)["silenceID"]
    (placement,) = fact.placements
    assert (placement.cluster, placement.silence_id) == ("pair", made)
    assert placement.members == ("am-pair-b",) and fact.failures == ()
    await asyncio.sleep(1.5)  # anything b made would have reached a by gossip by now
    for member in (clusters.a, clusters.b):
        assert sorted(s["id"] for s in _with(member, name)) == sorted([made, decoy])
    await b.expire_silence(made)
    await b.expire_silence(decoy)


async def test_a_member_that_refused_is_not_mistaken_for_one_that_made_it(
    clusters: AlertmanagerClusters, closing: list[AlertmanagerSource]
) -> None:
    """The same request made a minute ago by hand with another end is not adopted: the next
    member makes the silence asked for."""
    name = unique_name()
    now = datetime.now(UTC)
    matchers = (Matcher("alertname", name),)
    b = _source(clusters.b.url, "am-pair-b", "pair")
    down = _source(f"http://127.0.0.1:{free_port()}", "am-pair-down", "pair")
    closing += [b, down]
    shorter = await b.create_silence(
        SilenceRequest(matchers, now, now + timedelta(minutes=5), "alice@host", "same words")
    )
    request = SilenceRequest(matchers, now, now + timedelta(hours=2), "alice@host", "same words")
    service = SilenceService([down, b], SystemClock(), timeout_s=2.0, gossip_s=0.2)
    fact = await service.create(request, only=["pair"])
    (placement,) = fact.placements
    assert placement.silence_id != shorter and placement.members == ("am-pair-b",)
    assert sorted(s["id"] for s in _with(clusters.b, name)) == sorted(
        [shorter, placement.silence_id]
    )
    await b.expire_silence(shorter)
    await b.expire_silence(placement.silence_id)


async def test_the_tripwire_knows_a_silence_by_its_id_in_every_cluster(
    clusters: AlertmanagerClusters, closing: list[AlertmanagerSource]
) -> None:
    """A silence in both clusters whose regex only Alertmanager's (Go) syntax reads (`\\z`),
    as someone may type in Alertmanager's own UI: the console cannot match it by labels, so
    only `silencedBy` tells, and the separate Alertmanager names its own id, not the pair's."""
    name = unique_name()
    sources = [
        _source(clusters.a.url, "am-pair-a", "pair"),
        _source(clusters.b.url, "am-pair-b", "pair"),
        _source(clusters.solo.url, "am-solo"),
    ]
    closing += sources
    service = SilenceService(sources, SystemClock())
    now = datetime.now(UTC)
    matchers = (Matcher("alertname", name), Matcher("instance", r"lb-.*\z", is_regex=True))
    request = SilenceRequest(matchers, now, now + timedelta(minutes=50), "carol", "lb noise")
    fact = await service.create(request, only=["pair", "am-solo"])
    solo_id = fact.ids["am-solo"]

    watch = TripwireWatch()

    async def poll() -> list[Alert]:
        return merge_alerts({s.name: await s.fetch_alerts() for s in sources})

    listed, errors = await service.list()
    assert errors == {}
    assert watch.observe(await poll(), listed, datetime.now(UTC)) == []  # the baseline
    posted = am_alert(name, instance="lb-7")
    posted["startsAt"] = format_time(datetime.now(UTC) + timedelta(seconds=1))
    clusters.solo.post_alerts([posted])
    for _ in range(100):  # until the separate Alertmanager says its silence holds it
        held = [a for a in await sources[2].fetch_alerts() if a.name == name]
        if held and held[0].silenced_by:
            break
        await asyncio.sleep(0.1)
    assert held[0].silenced_by == (solo_id,)
    assert not all(m.matches(alert_labels(held[0])) for m in matchers)  # labels cannot tell
    (row,) = [s for s in listed if s.comment == "lb noise"]
    assert row.id != solo_id and solo_id in row.ids  # its first id is the pair's

    tripped = watch.observe(await poll(), listed, datetime.now(UTC))

    assert [(t.alert.name, t.silence.ids) for t in tripped] == [(name, row.ids)]
    await service.expire(row)
