"""Silences and acks across Alertmanager clusters, against real Alertmanagers: an HA pair
(`am-pair-a`, `am-pair-b`, gossiping over loopback, configured as cluster "pair") and one
separate Alertmanager (`am-solo`, a cluster of its own). Every check reads Alertmanager's own
API, not the console's view of it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from msgspec.structs import replace

from tests.live.conftest import am_alert, unique_name
from tests.servers.alertmanager_cluster import AlertmanagerClusters, PeeredAlertmanager
from tests.servers.ports import free_port
from tests.servers.prometheus import http_json
from warroom.config import ServerConfig
from warroom.domain.alerts import Alert, Matcher, merge_alerts
from warroom.domain.clock import FrozenClock, SystemClock
from warroom.domain.placement import where_text
from warroom.services.acks import AckKeeper
from warroom.services.silences import SilenceService, silence_request_for
from warroom.sources.alertmanager import AlertmanagerSource

pytestmark = pytest.mark.integration


def _config(member: PeeredAlertmanager, cluster: str = "") -> ServerConfig:
    return ServerConfig(url=member.url, name=member.name, cluster=cluster, timeout_s=5.0)


@pytest.fixture
async def sources(clusters: AlertmanagerClusters) -> AsyncIterator[list[AlertmanagerSource]]:
    made = [
        AlertmanagerSource(_config(clusters.a, "pair")),
        AlertmanagerSource(_config(clusters.b, "pair")),
        AlertmanagerSource(_config(clusters.solo)),
    ]
    try:
        yield made
    finally:
        for source in made:
            await source.aclose()


async def _merged(sources: list[AlertmanagerSource], name: str, holders: int) -> list[Alert]:
    """Every source's alerts merged by fingerprint, once `name` is held by `holders` sources."""
    for _ in range(150):
        batches = {s.name: await s.fetch_alerts() for s in sources}
        merged = merge_alerts(batches)
        mine = [a for a in merged if a.name == name]
        if mine and all(len(a.origins) >= holders for a in mine):
            return merged
        await asyncio.sleep(0.2)
    pytest.fail(f"{name}: not held by {holders} sources")


async def _everywhere(
    clusters: AlertmanagerClusters, sources: list[AlertmanagerSource], instance: str
) -> tuple[str, Alert, list[Alert]]:
    """A new alert posted to every Alertmanager (as Prometheus sends to each): its name, the
    merged alert (held by all three) and every alert."""
    name = unique_name()
    posted = am_alert(name, instance=instance)
    for member in clusters.all:
        member.post_alerts([posted])
    alerts = await _merged(sources, name, 3)
    (alert,) = [a for a in alerts if a.name == name]
    return name, alert, alerts


def _with(member: PeeredAlertmanager, name: str, state: str = "active") -> list[dict[str, Any]]:
    """The silences in `member` (its own API) whose matchers name alert `name`."""
    return [
        s
        for s in member.silences()
        if s["status"]["state"] == state
        and any(m["name"] == "alertname" and m["value"] == name for m in s["matchers"])
    ]


async def _until(check: Any, what: str) -> None:
    for _ in range(100):
        if check():
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"not seen: {what}")


def _request(alert: Alert, comment: str = "cross-cluster test") -> Any:
    return silence_request_for(alert, who="alice@host", now=datetime.now(UTC), comment=comment)


async def test_silence_on_an_alert_only_the_solo_holds_lands_there_only(
    clusters: AlertmanagerClusters, sources: list[AlertmanagerSource]
) -> None:
    name = unique_name()
    clusters.solo.post_alerts([am_alert(name, instance="us1-db-3:9100")])
    alerts = await _merged(sources, name, 1)
    (alert,) = [a for a in alerts if a.name == name]
    service = SilenceService(sources, SystemClock())
    assert where_text([alert], service.clusters) == "1 alert in am-solo"

    fact = await service.create(_request(alert), alert=alert, alerts=alerts)

    assert [p.cluster for p in fact.placements] == ["am-solo"]
    assert clusters.solo.silence(fact.silence_id)["status"]["state"] == "active"
    await asyncio.sleep(1.5)  # gossip would have carried it by now, had it been made in the pair
    assert _with(clusters.a, name) == [] and _with(clusters.b, name) == []
    assert f"{fact.silence_id} in am-solo" in fact.describe()
    (row,) = [s for s in (await service.list())[0] if Matcher("alertname", name) in s.matchers]
    await service.expire(row)
    assert _with(clusters.solo, name) == []


async def test_an_alert_both_clusters_hold_is_silenced_once_in_each(
    clusters: AlertmanagerClusters, sources: list[AlertmanagerSource]
) -> None:
    name, alert, alerts = await _everywhere(clusters, sources, "lb-7")
    service = SilenceService(sources, SystemClock())
    assert where_text([alert], service.clusters) == "1 alert: 1 in am-solo, 1 in pair"

    fact = await service.create(_request(alert), alert=alert, alerts=alerts)

    ids = fact.ids
    assert set(ids) == {"pair", "am-solo"}
    assert [s["id"] for s in _with(clusters.solo, name)] == [ids["am-solo"]]
    # made in one member of the pair, and the other has it by gossip: one silence, one id
    await _until(lambda: [s["id"] for s in _with(clusters.b, name)] == [ids["pair"]], "gossip")
    assert [s["id"] for s in _with(clusters.a, name)] == [ids["pair"]]

    # the view's data: one row, where it lives
    listed, errors = await service.list()
    assert errors == {}
    (row,) = [s for s in listed if Matcher("alertname", name) in s.matchers]
    assert {p.cluster: p.silence_id for p in row.placements} == ids
    assert set(row.placements[[p.cluster for p in row.placements].index("pair")].members) == {
        "am-pair-a",
        "am-pair-b",
    }
    assert "pair (am-pair-a, am-pair-b)" in row.where and "am-solo" in row.where

    gone = await service.expire(row)
    assert set(gone.ids) == {"pair", "am-solo"}
    for member in clusters.all:
        await _until(lambda m=member: _with(m, name) == [], f"expired in {member.name}")
        assert _with(member, name, "expired")  # expired, not merely unlisted


async def test_extend_and_edit_keep_one_silence_per_cluster(
    clusters: AlertmanagerClusters, sources: list[AlertmanagerSource]
) -> None:
    name, alert, alerts = await _everywhere(clusters, sources, "api-2")
    service = SilenceService(sources, SystemClock())
    await service.create(_request(alert, "first words"), alert=alert, alerts=alerts)
    (row,) = [s for s in (await service.list())[0] if Matcher("alertname", name) in s.matchers]

    later = datetime.now(UTC) + timedelta(hours=3)
    fact = await service.update(row, ends_at=later, comment="second words")

    assert fact.action == "edited" and fact.failures == ()
    assert set(fact.ids) == {"pair", "am-solo"}
    for member in clusters.all:
        await _until(
            lambda m=member: [s["comment"] for s in _with(m, name)] == ["second words"],
            f"one edited silence in {member.name}",
        )
        (only,) = _with(member, name)
        ends = datetime.fromisoformat(only["endsAt"].replace("Z", "+00:00"))
        assert abs((ends - later).total_seconds()) < 1
    (after,) = [s for s in (await service.list())[0] if Matcher("alertname", name) in s.matchers]
    assert len(after.placements) == 2  # still one row: the edit kept them one silence
    await service.expire(after)


async def test_a_member_that_is_down_falls_over_to_its_peer(
    clusters: AlertmanagerClusters, sources: list[AlertmanagerSource]
) -> None:
    name = unique_name()
    clusters.a.post_alerts([am_alert(name, instance="q-1")])
    clusters.b.post_alerts([am_alert(name, instance="q-1")])
    down = AlertmanagerSource(
        ServerConfig(url=f"http://127.0.0.1:{free_port()}", name="am-pair-down", cluster="pair")
    )
    try:
        alerts = await _merged(sources, name, 2)
        (alert,) = [a for a in alerts if a.name == name]
        # the dead member comes first in the config and is named as holding the alert
        alert = replace(alert, origins=("am-pair-down", *alert.origins))
        service = SilenceService([down, *sources], SystemClock(), timeout_s=2.0)
        fact = await service.create(_request(alert), alert=alert, alerts=[alert])
        (placement,) = fact.placements
        assert placement.cluster == "pair" and placement.members != ("am-pair-down",)
        made_in = {"am-pair-a": clusters.a, "am-pair-b": clusters.b}[placement.members[0]]
        assert http_json(f"{made_in.url}/api/v2/silence/{placement.silence_id}")
        assert _with(clusters.solo, name) == []
        (row,) = [s for s in (await service.list())[0] if Matcher("alertname", name) in s.matchers]
        await service.expire(row)
    finally:
        await down.aclose()


async def test_acks_live_in_every_cluster_and_are_kept_and_released_there(
    clusters: AlertmanagerClusters, sources: list[AlertmanagerSource]
) -> None:
    name, alert, alerts = await _everywhere(clusters, sources, "cache-4")
    clock = FrozenClock(datetime.now(UTC))
    keeper = AckKeeper(sources, clock, minutes=15)

    fact = await keeper.ack(alert, "bob", "INC-7", alerts)
    assert fact.action == "acked" and set(fact.ids) == {"pair", "am-solo"}
    for member in clusters.all:
        await _until(lambda m=member: len(_with(m, name)) == 1, f"ack in {member.name}")

    clock.advance(13 * 60)  # within three minutes of lapsing: extended
    (extended,) = await keeper.tick()
    assert extended.action == "ack-extended" and set(extended.ids) == {"pair", "am-solo"}

    def extended_once(member: PeeredAlertmanager) -> bool:
        acks = _with(member, name)
        ends = [datetime.fromisoformat(a["endsAt"].replace("Z", "+00:00")) for a in acks]
        return len(acks) == 1 and ends[0] > clock.now() + timedelta(minutes=14)

    for member in clusters.all:  # (the pair's second member hears of it by gossip)
        await _until(lambda m=member: extended_once(m), f"one extended ack in {member.name}")

    # a restarted console adopts the ack with both of its clusters
    other = AckKeeper(sources, clock)
    assert await other.adopt("INC-7") == 1
    assert sorted(other.silence_ids) == sorted(extended.ids.values())

    released = await keeper.release_all()
    assert [set(r.ids) for r in released] == [{"pair", "am-solo"}]
    for member in clusters.all:
        await _until(lambda m=member: _with(m, name) == [], f"released in {member.name}")
