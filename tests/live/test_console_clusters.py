"""The whole console against real Alertmanager clusters: an HA pair (configured as cluster
"pair") and a separate Alertmanager. `s` on an alert only the separate one holds makes the
silence there and nowhere else; the silences view says where it lives, and expiring it from
the view (after the question) expires it there. Checked with Alertmanager's own API."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.live.conftest import am_alert, unique_name
from tests.servers.alertmanager_cluster import AlertmanagerClusters
from tests.servers.prometheus import MonitoringStack
from tests.ui.factory import build_test_app
from warroom.cli.live_wiring import build_live_sources
from warroom.config import EnvironmentConfig, ServerConfig, Settings
from warroom.domain.clock import SystemClock
from warroom.ui.dialogs.silence import SilenceDialog
from warroom.ui.dialogs.silences_view import SilencesView
from warroom.ui.regions.alerts.alert_list import AlertList


def _settings(stack: MonitoringStack, clusters: AlertmanagerClusters) -> Settings:
    def am(member: Any, cluster: str = "") -> ServerConfig:
        return ServerConfig(url=member.url, name=member.name, cluster=cluster, timeout_s=2.0)

    env = EnvironmentConfig(
        name="test",
        prometheus=ServerConfig(url=stack.prom.url, name="prom", timeout_s=2.0),
        alertmanagers=(am(clusters.a, "pair"), am(clusters.b, "pair"), am(clusters.solo)),
    )
    return Settings(environments={"test": env}, environment="test")


async def _wait(pilot: Any, predicate: Any, limit_s: float, what: str) -> None:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > limit_s:
            raise AssertionError(f"{what}: not within {limit_s} s")
        await pilot.pause(0.05)


def _mine(silences: list[dict[str, Any]], name: str, state: str = "active") -> list[str]:
    return [
        s["id"]
        for s in silences
        if s["status"]["state"] == state
        and any(m["name"] == "alertname" and m["value"] == name for m in s["matchers"])
    ]


async def test_console_silences_where_the_alert_lives_and_expires_it_there(
    stack: MonitoringStack, clusters: AlertmanagerClusters, tmp_path: Path
) -> None:
    name = unique_name("RegionalAlert")
    clusters.solo.post_alerts([am_alert(name, instance="us1-db-3:9100")])
    settings = _settings(stack, clusters)
    clock = SystemClock()
    app = build_test_app(
        tmp_path, build_live_sources(settings, clock), clock,
        environments=settings.environments, environment="test", refresh_s=1.0,
    )  # fmt: skip
    async with app.run_test(size=(160, 48)) as pilot:
        alert_list = app.screen.query_one(AlertList)
        await _wait(
            pilot, lambda: any(a.name == name for a in alert_list.filtered_alerts), 15, "alert"
        )
        await pilot.press("slash", *f"alertname={name}", "enter", "s")
        await _wait(pilot, lambda: isinstance(app.screen, SilenceDialog), 10, "the dialog")
        await pilot.pause()
        preview = str(app.screen.query_one("#silence-preview").render())
        assert "where: 1 alert in am-solo" in preview
        await pilot.press(*"disk swap in us1", "enter")
        await _wait(pilot, lambda: bool(_mine(clusters.solo.silences(), name)), 10, "silence")
        (made,) = _mine(clusters.solo.silences(), name)
        await pilot.pause(1.5)  # had it gone to the pair, gossip would have shown it in both by now
        assert _mine(clusters.a.silences(), name) == [] == _mine(clusters.b.silences(), name)
        logged = [e.text for e in app.screen.incident_log.pre_incident]
        assert any(f"{made} in am-solo" in t for t in logged)

        await pilot.press("escape", "escape", "x")
        await _wait(pilot, lambda: isinstance(app.screen, SilencesView), 10, "the view")
        view = app.screen
        index = next(i for i, s in enumerate(view.silences) if s.id == made)
        view.query_one("#silences-list").highlighted = index
        row = str(view.query_one("#silences-list").get_option_at_index(index).prompt)
        assert "am-solo" in row and "disk swap in us1" in row
        await pilot.press("x", "y")
        await _wait(pilot, lambda: _mine(clusters.solo.silences(), name) == [], 10, "expired")
        assert _mine(clusters.solo.silences(), name, "expired") == [made]
