"""Issue 17 in the console, against a real Alertmanager and a real history store (SQLite file):
the silence tripwire's banner and bell within one refresh and its expire key, "6× / 7d ·
flapping" on a row after six fires, and the silence policy refusing then logging an override.

Polls are driven by `r` (the refresh interval is an hour), so "within one refresh" is counted
in refreshes, not seconds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.widgets import Input

from tests.history.conftest import running_alertmanager
from tests.servers.prometheus import Alertmanager
from tests.ui.factory import build_test_app
from warroom.cli.live_wiring import build_live_sources
from warroom.config import EnvironmentConfig, ServerConfig, Settings
from warroom.domain.alerts import Matcher, SilenceRequest
from warroom.domain.clock import SystemClock
from warroom.domain.history_ports import AlertHistoryStore
from warroom.domain.silence_policy import SilencePolicy
from warroom.sources.alertmanager import AlertmanagerSource, format_time
from warroom.stores.history_sqlite import SqliteHistoryStore
from warroom.ui.dialogs.prompts import Confirm
from warroom.ui.dialogs.silence import SilenceDialog
from warroom.ui.messages import AlertsRefreshed, EntryCommitted
from warroom.ui.regions.alerts.alert_list import AlertList
from warroom.ui.regions.alerts.memory import MemoryBanner


@pytest.fixture(scope="module")
def console_am() -> Iterator[Alertmanager]:
    with running_alertmanager("am-console-memory") as am:
        yield am


def _app(  # type: ignore[no-untyped-def]
    tmp_path: Path, am: Alertmanager, history: AlertHistoryStore | None = None, **settings: Any
):
    env = EnvironmentConfig(
        name="test", alertmanagers=(ServerConfig(url=am.url, name="am", timeout_s=5.0),)
    )
    live = Settings(environments={"test": env}, environment="test")
    clock = SystemClock()
    return build_test_app(
        tmp_path,
        build_live_sources(live, clock),
        clock,
        history=history or SqliteHistoryStore(tmp_path / "incidents.history.db"),
        environments=live.environments,
        environment="test",
        refresh_s=3600.0,
        **settings,
    )


async def _settle(pilot: Any) -> None:
    """Until the poll, the handlers it posts to and the workers they start are all done."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _refresh(pilot: Any) -> None:
    await pilot.press("r")
    await _settle(pilot)


def _alert(name: str, service: str, starts: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "labels": {"alertname": name, "service": service, "severity": "critical"},
        "annotations": {"summary": f"{name} on {service}"},
        "startsAt": format_time(starts),
        **extra,
    }


def _screen_lines(alert_list: AlertList) -> list[str]:
    return [alert_list.render_line(y).text for y in range(alert_list.size.height)]


async def test_tripwire_banner_and_bell_within_one_refresh_then_expire_asks_first(
    console_am: Alertmanager, tmp_path: Path
) -> None:
    service = f"db{uuid.uuid4().hex[:6]}"
    source = AlertmanagerSource(ServerConfig(url=console_am.url, name="am", timeout_s=5.0))
    app = _app(tmp_path, console_am)
    bells: list[None] = []
    polls: set[int] = set()  # the refreshes (a message is seen by each node it bubbles to)

    def hook(message: Message) -> None:
        if isinstance(message, AlertsRefreshed):
            polls.add(id(message.snapshot))

    try:
        async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
            app.bell = lambda: bells.append(None)  # type: ignore[method-assign]
            await _settle(pilot)  # the first poll: the baseline
            now = datetime.now(UTC)
            silence_id = await source.create_silence(
                SilenceRequest(
                    (Matcher("service", service),),
                    now,
                    now + timedelta(minutes=47),
                    "alice",
                    "noisy db",
                )
            )
            console_am.post_alerts([_alert("DBDown", service, now + timedelta(seconds=1))])
            before = len(polls)
            await _refresh(pilot)
            assert len(polls) == before + 1  # one refresh
            banner = app.screen.query_one(MemoryBanner)
            assert banner.display
            shown = str(banner.render())
            assert f"muted critical: DBDown matched silence {silence_id[:4]} by alice" in shown
            assert "min left" in shown and "M expires it" in shown
            assert bells == [None]

            await _refresh(pilot)  # the same firing under the same silence trips once
            assert bells == [None]

            await pilot.press("M")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            await pilot.press("y")
            await _settle(pilot)
            assert console_am.silence(silence_id)["status"]["state"] == "expired"
            assert not app.screen.query_one(MemoryBanner).display
    finally:
        await source.aclose()


async def test_six_fires_show_flapping_on_the_row_and_the_strip_in_the_detail(
    console_am: Alertmanager, tmp_path: Path
) -> None:
    service = f"pay{uuid.uuid4().hex[:6]}"
    name = f"Flappy{uuid.uuid4().hex[:4]}"
    app = _app(tmp_path, console_am)
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot)
        base = datetime.now(UTC) - timedelta(minutes=10)
        for k in range(6):
            starts = base + timedelta(seconds=20 * k)
            console_am.post_alerts([_alert(name, service, starts)])
            await _refresh(pilot)
            if k < 5:  # resolved by Alertmanager itself (endsAt), seen gone by the next poll
                ended = _alert(
                    name, service, starts, endsAt=format_time(starts + timedelta(seconds=5))
                )
                console_am.post_alerts([ended])
                await _refresh(pilot)
        await pilot.press("slash", *f"service={service}", "enter")  # (others fire here too)
        await _settle(pilot)
        alert_list = app.screen.query_one(AlertList)
        (row,) = [line for line in _screen_lines(alert_list) if name in line]
        assert "(6× / 7d · flapping)" in row  # by its own fingerprint (siblings: "≈6×")

        await pilot.press("i")
        await pilot.pause()
        memory = str(app.screen.query_one("#alert-memory").render())
        assert "this alert: 6× / 24h · 6× / 7d · flapping" in memory
        assert "█" in memory and "past incidents" in memory


async def test_policy_refuses_one_matcher_and_logs_a_typed_override(
    console_am: Alertmanager, tmp_path: Path
) -> None:
    service = f"db{uuid.uuid4().hex[:6]}"
    console_am.post_alerts([_alert("DBDown", service, datetime.now(UTC))])
    app = _app(tmp_path, console_am, silence_policy=SilencePolicy(min_matchers=2))
    committed: dict[str, EntryCommitted] = {}  # by entry id: seen once per node it reaches

    def hook(message: Message) -> None:
        if isinstance(message, EntryCommitted):
            committed[message.entry.id] = message

    async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
        await _settle(pilot)
        await pilot.press("slash", *f"service={service}", "enter")
        await _settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SilenceDialog)
        dialog.query_one("#silence-matchers", Input).value = f"service={service}"
        dialog.query_one("#silence-comment", Input).value = "db failover drill"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog  # refused: still asking
        error = str(dialog.query_one("#silence-error").render())
        assert "min_matchers = 2" in error and "override reason" in error

        dialog.query_one("#silence-override", Input).value = "failover needs the whole db muted"
        await pilot.press("ctrl+s")
        await _settle(pilot)
        assert app.screen is not dialog
        overrides = [
            m.entry for m in committed.values() if m.entry.data.get("action") == "policy-override"
        ]
        assert len(overrides) == 1
        assert overrides[0].data["reason"] == "failover needs the whole db muted"
        assert overrides[0].data["rules"] == ["min_matchers"]
        silenced = [s for s in console_am.alerts() if s["labels"].get("service") == service]
        assert silenced and silenced[0]["status"]["state"] == "suppressed"


async def test_two_consoles_on_one_postgres_history_both_raise_the_banner(
    console_am: Alertmanager, tmp_path: Path, postgres_dsn: str
) -> None:
    """Two consoles at once (one a viewer), their history in the same PostgreSQL database:
    each raises the banner on its own poll, and the fire is in the shared history once."""
    from warroom.stores.history_postgres import PostgresHistoryStore

    service = f"db{uuid.uuid4().hex[:6]}"
    source = AlertmanagerSource(ServerConfig(url=console_am.url, name="am", timeout_s=5.0))
    apps = []
    for i, viewer in enumerate((False, True)):
        where = tmp_path / f"console{i}"
        where.mkdir()
        apps.append(_app(where, console_am, PostgresHistoryStore(postgres_dsn), viewer=viewer))
    try:
        async with apps[0].run_test(size=(160, 48)) as one, apps[1].run_test(size=(160, 48)) as two:
            for pilot in (one, two):
                await _settle(pilot)
            now = datetime.now(UTC)
            silence_id = await source.create_silence(
                SilenceRequest(
                    (Matcher("service", service),), now, now + timedelta(hours=2), "bob", "db"
                )
            )
            console_am.post_alerts([_alert("DBDown", service, now + timedelta(seconds=1))])
            for pilot in (one, two):
                await _refresh(pilot)
            for app in apps:
                banner = str(app.screen.query_one(MemoryBanner).render())
                assert f"DBDown matched silence {silence_id[:4]} by bob" in banner
            await two.press("M")  # the viewer may look, never expire
            await _settle(two)
            assert not isinstance(apps[1].screen, Confirm)
            assert console_am.silence(silence_id)["status"]["state"] == "active"
        store = PostgresHistoryStore(postgres_dsn)
        await store.open()
        try:
            fires = [
                e
                for e in await store.events(now - timedelta(minutes=1))
                if e.service == service and e.kind == "fired"
            ]
        finally:
            await store.close()
        assert len(fires) == 1
    finally:
        await source.aclose()


async def test_the_detail_lists_the_past_incidents_the_alert_fired_in(
    console_am: Alertmanager, tmp_path: Path
) -> None:
    """A past incident written through the console's own incident log (declared, the alert
    recorded firing in it, resolved), then the alert fires again: `i` names that incident."""
    from warroom.domain.alerts import Alert
    from warroom.domain.incident import EntryKind
    from warroom.services.alert_events import alert_events
    from warroom.services.incident_log import IncidentLog
    from warroom.stores import open_store

    service = f"db{uuid.uuid4().hex[:6]}"
    name = f"Replica{uuid.uuid4().hex[:4]}"
    store = open_store(str(tmp_path / "incidents.db"))
    await store.open()
    log = IncidentLog(store, SystemClock(), "alice@bastion")
    await log.declare("replica lag took checkout down", "P2", [service])
    past = Alert("fp-past", name, {"alertname": name, "service": service}, {}, datetime.now(UTC))
    for event in alert_events([past], []):
        await log.record(EntryKind.ALERT_FIRED, event.text, event.data)
    await log.resolve("failed over")
    await store.close()

    console_am.post_alerts([_alert(name, service, datetime.now(UTC))])
    app = _app(tmp_path, console_am)
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot)
        await pilot.press("slash", *f"service={service}", "enter")
        await _settle(pilot)
        for _ in range(100):  # until the past incidents are read (the store opens first)
            await pilot.press("i")
            await pilot.pause()
            memory = str(app.screen.query_one("#alert-memory").render())
            if "none it fired in" not in memory:
                break
            await pilot.press("escape")
            await pilot.pause(0.05)
        assert "replica lag took checkout down" in memory
        assert "resolved" in memory


async def test_the_silence_dialog_shows_a_broader_silence_already_active(
    console_am: Alertmanager, tmp_path: Path
) -> None:
    service = f"db{uuid.uuid4().hex[:6]}"
    source = AlertmanagerSource(ServerConfig(url=console_am.url, name="am", timeout_s=5.0))
    now = datetime.now(UTC)
    try:
        await source.create_silence(
            SilenceRequest(
                (Matcher("service", service),), now, now + timedelta(hours=1), "carol", "db"
            )
        )
    finally:
        await source.aclose()
    # a critical alert of that service, not yet muted by it (another alertname, own label)
    console_am.post_alerts([_alert("DBDown", f"{service}x", now)])
    app = _app(tmp_path, console_am)
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot)
        await pilot.press("slash", *f"service={service}x", "enter")
        await _settle(pilot)
        await pilot.press("s")
        await _settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SilenceDialog)
        dialog.query_one("#silence-matchers", Input).value = f'service="{service}" alertname=DBDown'
        await pilot.pause()
        similar = str(dialog.query_one("#silence-similar").render())
        assert "similar silences:" in similar
        assert f'broader, active: service="{service}" by carol' in similar


async def test_a_history_store_that_cannot_open_is_said_once_and_alerts_still_show(
    console_am: Alertmanager, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a history "directory" that is a file: the store cannot open
    name = f"Shown{uuid.uuid4().hex[:4]}"
    console_am.post_alerts([_alert(name, "web", datetime.now(UTC))])
    app = _app(tmp_path, console_am, SqliteHistoryStore(blocker / "history.db"))
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await _settle(pilot)
        for _ in range(3):
            await _refresh(pilot)
        said = [str(t.render()) for t in app.screen.query("Toast")]
        assert len([t for t in said if "alert history" in t]) == 1, said
        assert any(a.name == name for a in app.screen.query_one(AlertList).filtered_alerts)


async def test_two_consoles_with_a_maintenance_file_make_the_window_silence_once(
    console_am: Alertmanager, tmp_path: Path
) -> None:
    """Two consoles, an injected clock five minutes before a window: exactly one silence with
    the schedule's matchers and end exists in Alertmanager (each console ticks at start)."""
    from warroom.domain.clock import FrozenClock

    service = f"db{uuid.uuid4().hex[:6]}"
    schedules = tmp_path / "maintenance.toml"
    schedules.write_text(
        f'[[maintenance]]\nname = "vacuum-{service}"\nmatchers = "service={service}"\n'
        'at = "04:00"\nduration = "45m"\ncomment = "nightly vacuum"\n'
    )
    start = datetime.now(UTC).replace(hour=4, minute=0, second=0, microsecond=0)
    if start < datetime.now(UTC):
        start += timedelta(days=1)
    clock = FrozenClock(start - timedelta(minutes=5))
    env = EnvironmentConfig(
        name="test", alertmanagers=(ServerConfig(url=console_am.url, name="am", timeout_s=5.0),)
    )
    apps = []
    for i in range(2):
        where = tmp_path / f"console{i}"
        where.mkdir()
        apps.append(
            build_test_app(
                where,
                build_live_sources(Settings(environments={"test": env}), clock),
                clock,
                environments={"test": env},
                environment="test",
                refresh_s=3600.0,
                maintenance_file=str(schedules),
                maintenance_lead_minutes=10.0,
            )
        )
    async with apps[0].run_test(size=(160, 48)) as one:
        await _settle(one)  # (two consoles that look at the same instant converge next tick)
        async with apps[1].run_test(size=(160, 48)) as two:
            await _settle(two)
    source = AlertmanagerSource(ServerConfig(url=console_am.url, name="am", timeout_s=5.0))
    try:
        live = [
            s
            for s in await source.list_silences()
            if any(m.value == service for m in s.matchers) and s.state != "expired"
        ]
    finally:
        await source.aclose()
    assert len(live) == 1
    assert [str(m) for m in live[0].matchers] == [f'service="{service}"']
    assert live[0].ends_at == start + timedelta(minutes=45)
