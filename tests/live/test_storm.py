"""A big Alertmanager answer (parsed off the event loop) comes back whole and right."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks.bench_alert_storm import serve_alert_storm, storm_alerts
from warroom.config import ServerConfig
from warroom.domain.alerts import AlertState
from warroom.sources.alertmanager import AlertmanagerSource, parse_time


@pytest.fixture
def storm_url() -> Iterator[str]:
    url, stop = serve_alert_storm(3000)  # ~2 MB: over the threshold for parsing in a thread
    try:
        yield url
    finally:
        stop()


async def test_storm_fetch_is_complete_and_faithful(storm_url: str) -> None:
    source = AlertmanagerSource(ServerConfig(url=storm_url, name="storm", timeout_s=30))
    try:
        alerts = await source.fetch_alerts()
    finally:
        await source.aclose()
    expected = storm_alerts(3000)
    assert len(alerts) == 3000
    for alert, raw in zip(alerts, expected, strict=True):
        assert alert.fingerprint == raw["fingerprint"]
        assert alert.name == raw["labels"]["alertname"]
        assert {"alertname": alert.name, **alert.labels} == raw["labels"]
        assert alert.starts_at == parse_time(raw["startsAt"])
        assert alert.state is AlertState(raw["status"]["state"])
        assert alert.silenced_by == tuple(raw["status"]["silencedBy"])
    assert sum(a.is_silenced for a in alerts) == 60
