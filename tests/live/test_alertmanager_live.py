"""AlertmanagerSource, silences and acks against real Alertmanagers (and a real Prometheus)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import msgspec
import pytest

from tests.live.conftest import am_alert, unique_name
from tests.servers.prometheus import MonitoringStack, http_json
from warroom.config import ServerConfig
from warroom.domain.alerts import Alert, AlertState, Matcher, is_ack_silence, merge_alerts
from warroom.domain.clock import FrozenClock, SystemClock
from warroom.domain.errors import ReadOnlySource
from warroom.services.acks import AckKeeper, mark_acked, parse_ack_comment
from warroom.services.silences import SilenceService, preview, silence_request_for
from warroom.sources.alertmanager import AlertmanagerSource
from warroom.sources.prometheus import PrometheusAlertSource

pytestmark = pytest.mark.integration
T = TypeVar("T")


async def eventually(
    fetch: Callable[[], Awaitable[T]], ok: Callable[[T], bool], what: str, within_s: float = 30.0
) -> T:
    """Poll until `ok` (real servers take a moment); fails with what was last seen."""
    deadline = asyncio.get_running_loop().time() + within_s
    last: Any = None
    while True:
        last = await fetch()
        if ok(last):
            return last
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"{what}: not seen within {within_s}s; last: {last!r}"[:2000])
        await asyncio.sleep(0.2)


def named(alerts: list[Alert], name: str) -> list[Alert]:
    return [a for a in alerts if a.name == name]


async def test_posted_alert_reaches_fetch_alerts(
    stack: MonitoringStack, am_config: ServerConfig
) -> None:
    name = unique_name()
    posted = am_alert(name, instance="web-1")
    stack.am.post_alerts([posted])
    source = AlertmanagerSource(am_config)
    try:
        alerts = await eventually(source.fetch_alerts, lambda a: bool(named(a, name)), name)
    finally:
        await source.aclose()
    (alert,) = named(alerts, name)
    raw = next(a for a in stack.am.alerts() if a["labels"]["alertname"] == name)
    assert alert.fingerprint == raw["fingerprint"]
    assert alert.labels == {"severity": "critical", "service": "checkout", "instance": "web-1"}
    assert alert.summary == f"{name} summary"
    assert alert.annotations["description"] == "posted by the test"
    assert alert.runbook_url == f"https://runbooks.example/{name}"
    assert alert.generator_url == "http://prometheus.example/graph"
    assert alert.state is AlertState.ACTIVE
    assert alert.starts_at == datetime.fromisoformat(raw["startsAt"])  # AM keeps milliseconds
    assert abs((alert.starts_at - datetime.fromisoformat(posted["startsAt"])).total_seconds()) < 1
    assert alert.origins == ("am1",)
    assert alert.service == "checkout"


async def test_rule_alert_from_prometheus_reaches_source_and_fallback(
    stack: MonitoringStack, exporter: Any, am_config: ServerConfig, prom_config: ServerConfig
) -> None:
    """The exporter's queue backs up -> Prometheus rule fires -> Alertmanager -> the console."""
    exporter.set(queue_depth=5000)
    source = AlertmanagerSource(am_config)
    fallback = PrometheusAlertSource(prom_config)
    try:
        alerts = await eventually(
            source.fetch_alerts, lambda a: bool(named(a, "QueueBacklog")), "QueueBacklog"
        )
        (alert,) = named(alerts, "QueueBacklog")
        assert alert.labels["job"] == "checkout"
        assert alert.severity.word == "WARN"
        assert alert.summary == "checkout work queue backlog"
        assert alert.generator_url.startswith("http")

        prom_alerts = await eventually(
            fallback.fetch_alerts, lambda a: bool(named(a, "QueueBacklog")), "fallback"
        )
        (from_prom,) = named(prom_alerts, "QueueBacklog")
        assert from_prom.labels["job"] == "checkout"
        assert from_prom.origins == ("prom",)
        assert fallback.can_silence is False
        with pytest.raises(ReadOnlySource, match="read-only: configure an Alertmanager"):
            await fallback.create_silence(
                silence_request_for(from_prom, who="t", now=datetime.now(UTC))
            )
    finally:
        await source.aclose()
        await fallback.aclose()


async def test_silence_made_via_service_is_active_and_suppresses(
    stack: MonitoringStack, am_config: ServerConfig
) -> None:
    name = unique_name()
    stack.am.post_alerts([am_alert(name, instance="web-2"), am_alert(name, instance="web-3")])
    source = AlertmanagerSource(am_config)
    service = SilenceService([source], SystemClock())
    try:
        alerts = await eventually(
            source.fetch_alerts, lambda a: len(named(a, name)) == 2, "two alerts"
        )
        target = next(a for a in named(alerts, name) if a.instance == "web-2")
        request = silence_request_for(
            target, who="alice@host", now=datetime.now(UTC), comment="deploy in progress"
        )
        assert Matcher("alertname", name) in request.matchers
        assert Matcher("instance", "web-2") in request.matchers
        assert len(preview(request.matchers, alerts)) == 1  # web-3 is not caught

        fact = await service.create(request, alert=target, alerts=alerts)
        assert fact.action == "created" and fact.source == "am1" and fact.matched == 1
        assert "deploy in progress" in fact.describe()

        raw = stack.am.silence(fact.silence_id)
        assert raw["status"]["state"] == "active"
        assert raw["createdBy"] == "alice@host"
        assert raw["comment"] == "deploy in progress"

        after = await eventually(
            source.fetch_alerts,
            lambda a: any(x.instance == "web-2" and x.is_silenced for x in named(a, name)),
            "suppressed",
        )
        silenced = next(a for a in named(after, name) if a.instance == "web-2")
        other = next(a for a in named(after, name) if a.instance == "web-3")
        assert silenced.state is AlertState.SUPPRESSED
        assert silenced.silenced_by == (fact.silence_id,)
        assert other.state is AlertState.ACTIVE

        listed, errors = await service.list()
        assert not errors
        mine = next(s for s in listed if s.id == fact.silence_id)
        assert mine.created_by == "alice@host" and mine.origins == ("am1",)

        expired = await service.expire(mine)
        assert expired.action == "expired"
        assert stack.am.silence(fact.silence_id)["status"]["state"] == "expired"
        await eventually(
            source.fetch_alerts,
            lambda a: all(x.state is AlertState.ACTIVE for x in named(a, name)),
            "active again",
        )
        listed, _ = await service.list()
        assert fact.silence_id not in {s.id for s in listed}
    finally:
        await source.aclose()


async def test_ack_is_extended_then_released(
    stack: MonitoringStack, am_config: ServerConfig
) -> None:
    name = unique_name()
    stack.am.post_alerts([am_alert(name, instance="db-1")])
    source = AlertmanagerSource(am_config)
    clock = FrozenClock(datetime.now(UTC))
    keeper = AckKeeper([source], clock, minutes=15)
    try:
        alerts = await eventually(source.fetch_alerts, lambda a: bool(named(a, name)), name)
        (alert,) = named(alerts, name)
        fact = await keeper.ack(alert, "bob@console", "INC-42")
        assert fact.action == "acked"
        raw = stack.am.silence(fact.silence_id)
        assert raw["status"]["state"] == "active"
        assert parse_ack_comment(raw["comment"]) == ("bob@console", "INC-42")
        first_end = datetime.fromisoformat(raw["endsAt"])
        assert abs((first_end - (clock.now() + timedelta(minutes=15))).total_seconds()) < 2

        # nothing to do while far from lapsing
        assert await keeper.tick() == []

        # 13 minutes later: within 3 minutes of lapsing -> extended by 15 minutes from "now"
        clock.advance(13 * 60)
        (extended,) = await keeper.tick()
        assert extended.action == "ack-extended" and extended.previous_id == fact.silence_id
        live = [s for s in await source.list_silences() if is_ack_silence(s)]
        current = next(s for s in live if s.id == extended.silence_id)
        assert abs((current.ends_at - (clock.now() + timedelta(minutes=15))).total_seconds()) < 2
        assert current.ends_at > first_end
        assert keeper.silence_ids == [extended.silence_id]

        # the alert shows as acked, with who and when
        alerts = await eventually(
            source.fetch_alerts, lambda a: named(a, name)[0].is_silenced, "acked alert suppressed"
        )
        (marked,) = named(mark_acked(alerts, live), name)
        assert marked.acked_by == "bob@console"
        assert marked.acked_at is not None

        # a restarted console adopts the incident's acks
        other = AckKeeper([source], clock)
        assert await other.adopt("INC-42") == 1
        assert other.silence_ids == [extended.silence_id]

        # incident resolved -> released
        released = await keeper.release_all()
        assert [f.silence_id for f in released] == [extended.silence_id]
        assert stack.am.silence(extended.silence_id)["status"]["state"] == "expired"
        assert keeper.silence_ids == [] and keeper.incident_id is None
    finally:
        await source.aclose()


async def test_ha_pair_merges_by_fingerprint(
    stack: MonitoringStack, am_config: ServerConfig, am2_config: ServerConfig
) -> None:
    name = unique_name()
    alert = am_alert(name, instance="lb-1")
    stack.am.post_alerts([alert])
    stack.am2.post_alerts([alert])
    # configured as one cluster (they do not gossip here): a silence goes to one member only
    one = AlertmanagerSource(msgspec.structs.replace(am_config, cluster="pair"))
    two = AlertmanagerSource(msgspec.structs.replace(am2_config, cluster="pair"))
    try:
        a1 = await eventually(one.fetch_alerts, lambda a: bool(named(a, name)), "am1")
        a2 = await eventually(two.fetch_alerts, lambda a: bool(named(a, name)), "am2")
        merged = named(merge_alerts({one.name: a1, two.name: a2}), name)
        assert len(merged) == 1
        assert merged[0].origins == ("am1", "am2")

        # silenced on one peer only (no gossip here): the merged alert stays active
        service = SilenceService([one, two], SystemClock())
        req = silence_request_for(named(a1, name)[0], who="t", now=datetime.now(UTC), comment="x")
        fact = await service.create(req, alert=merged[0])
        assert fact.source == "pair" and fact.placements[0].members == ("am1",)
        a1 = await eventually(one.fetch_alerts, lambda a: named(a, name)[0].is_silenced, "am1 sil")
        a2 = await two.fetch_alerts()
        (m,) = named(merge_alerts({one.name: a1, two.name: a2}), name)
        assert m.state is AlertState.ACTIVE
        assert m.silenced_by == (fact.silence_id,)
        http_json(f"{stack.am.url}/api/v2/silence/{fact.silence_id}", "DELETE")
    finally:
        await one.aclose()
        await two.aclose()


async def test_inhibited_alert_names_its_inhibitor(
    stack: MonitoringStack, am_config: ServerConfig
) -> None:
    """HighErrorRateCritical inhibits HighErrorRate for the same job (the UI folds it under)."""
    job = unique_name("job")
    crit = am_alert("HighErrorRateCritical", job=job)
    warn = am_alert("HighErrorRate", job=job, severity="warning")
    stack.am.post_alerts([crit, warn])
    source = AlertmanagerSource(am_config)
    try:

        def ours(alerts: list[Alert]) -> list[Alert]:
            return [a for a in alerts if a.labels.get("job") == job]

        alerts = await eventually(
            source.fetch_alerts,
            lambda a: any(x.is_inhibited for x in ours(a)),
            "inhibited",
        )
        inhibitor = next(a for a in ours(alerts) if a.name == "HighErrorRateCritical")
        inhibited = next(a for a in ours(alerts) if a.name == "HighErrorRate")
        assert inhibited.inhibited_by == (inhibitor.fingerprint,)
        assert inhibited.state is AlertState.SUPPRESSED and not inhibited.is_silenced
        assert inhibitor.state is AlertState.ACTIVE
    finally:
        await source.aclose()
