"""The tripwire against a real Alertmanager: a silence on service=db made through the port,
then a new critical service=db alert posted; two consoles' watches (each polling on its own)
both trip once, naming the alert, the silence and its author."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.history.conftest import running_alertmanager
from tests.servers.prometheus import Alertmanager
from warroom.config import ServerConfig
from warroom.domain.alerts import Matcher, SilenceRequest
from warroom.domain.tripwire import TripwireWatch
from warroom.sources.alertmanager import AlertmanagerSource, format_time


@pytest.fixture(scope="module")
def tripwire_am() -> Iterator[Alertmanager]:
    with running_alertmanager("am-tripwire") as am:
        yield am


async def test_new_critical_alert_under_a_silence_trips_on_both_consoles(
    tripwire_am: Alertmanager,
) -> None:
    service = f"db{uuid.uuid4().hex[:6]}"
    sources = [
        AlertmanagerSource(ServerConfig(url=tripwire_am.url, name="am", timeout_s=5.0))
        for _ in range(2)
    ]
    watches = [TripwireWatch(), TripwireWatch()]
    try:
        now = datetime.now(UTC)
        silence_id = await sources[0].create_silence(
            SilenceRequest(
                (Matcher("service", service),),
                now,
                now + timedelta(minutes=47, seconds=30),
                "alice",
                "noisy db",
            )
        )

        async def poll(i: int) -> list[str]:
            alerts = await sources[i].fetch_alerts()
            silences = await sources[i].list_silences()
            return [t.text for t in watches[i].observe(alerts, silences, now)]  # injected time

        assert [await poll(i) for i in range(2)] == [[], []]  # baseline
        started = datetime.now(UTC) + timedelta(seconds=1)
        body = {
            "labels": {"alertname": "DBDown", "service": service, "severity": "critical"},
            "startsAt": format_time(started),
        }
        warning = {"labels": {"alertname": "DBSlow", "service": service, "severity": "warning"}}
        tripwire_am.post_alerts([body, warning])
        texts = [await poll(i) for i in range(2)]
        expected = f"muted critical: DBDown matched silence {silence_id[:4]} by alice, 47 min left"
        assert texts == [[expected], [expected]]
        assert [await poll(i) for i in range(2)] == [[], []]  # once
    finally:
        for source in sources:
            await source.aclose()
