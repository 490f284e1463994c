"""`@receiver=` against a real Alertmanager: the receivers its routing tree gives each alert
(`receivers` of /api/v2/alerts) reach `Alert.receivers`, and the filter selects by them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.servers.prometheus import Alertmanager
from warroom.config import ServerConfig
from warroom.domain.alerts import AlertFilter
from warroom.sources.alertmanager import AlertmanagerSource

ROUTED = """\
route:
  receiver: default
  group_by: [alertname]
  routes:
  - matchers: [team="db"]
    receiver: db-pager
    continue: true
  - matchers: [severity="critical"]
    receiver: oncall
receivers:
- name: default
- name: db-pager
- name: oncall
"""


@pytest.fixture
def routed_am(tmp_path: Path) -> Iterator[Alertmanager]:
    am = Alertmanager(tmp_path, "am-routed", config=ROUTED)
    am.start()
    try:
        yield am
    finally:
        am.stop()


def test_receivers_from_the_routing_tree_are_kept_and_filtered(routed_am: Alertmanager) -> None:
    now = datetime.now(UTC).isoformat()
    routed_am.post_alerts(
        [
            {
                "labels": {"alertname": "DBDown", "team": "db", "severity": "critical"},
                "startsAt": now,
            },
            {
                "labels": {"alertname": "WebSlow", "team": "web", "severity": "critical"},
                "startsAt": now,
            },
            {"labels": {"alertname": "Info", "team": "web", "severity": "info"}, "startsAt": now},
        ]
    )

    async def fetch():  # type: ignore[no-untyped-def]
        source = AlertmanagerSource(ServerConfig(url=routed_am.url, name="am", timeout_s=10))
        try:
            return await source.fetch_alerts()
        finally:
            await source.aclose()

    alerts = asyncio.run(fetch())
    by_name = {a.name: set(a.receivers) for a in alerts}
    assert by_name == {"DBDown": {"db-pager", "oncall"}, "WebSlow": {"oncall"}, "Info": {"default"}}
    names = lambda text: {a.name for a in AlertFilter.parse(text).apply(alerts)}  # noqa: E731
    assert names("@receiver=oncall") == {"DBDown", "WebSlow"}
    assert names("@receiver!=oncall") == {"Info"}
    assert names("@receiver=~db-.*") == {"DBDown"}
