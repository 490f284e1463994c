"""Pilot tests: drive the real console with its keys, against injected sources."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, Label

from tests.ui.factory import FIXED_TIME, choose
from tests.ui.fakes import FakeAlertSource, FakeSignalSource, make_alert
from warroom.domain.incident import EntryKind
from warroom.domain.ports import Sources
from warroom.ui.dialogs.help import HelpScreen
from warroom.ui.dialogs.prompts import Confirm, DeclareDialog, TextPrompt
from warroom.ui.dialogs.silence import SilenceDialog
from warroom.ui.regions.alerts.alert_list import AlertList
from warroom.ui.regions.log.view import IncidentLogView
from warroom.ui.regions.runbook.pane import RunbookPane
from warroom.ui.regions.signals.signal_panel import SignalPanel
from warroom.ui.widgets.war_header import WarHeader


def _alerts() -> list:
    t = FIXED_TIME
    return [
        make_alert(
            "HighLatencyP95", "warning", t - timedelta(minutes=30), service="api", job="api"
        ),
        make_alert(
            "ServiceDown",
            "critical",
            t - timedelta(minutes=5),
            service="api",
            job="api",
            instance="api:8080",
        ),
        make_alert(
            "ServiceDown", "critical", t - timedelta(minutes=12), service="worker", job="worker"
        ),
        make_alert("DiskSpaceLow", "info", t - timedelta(hours=2), service="db"),
    ]


def _sources(
    alert_source: FakeAlertSource | None = None, signals: FakeSignalSource | None = None
) -> Sources:
    signals = signals or FakeSignalSource(
        {"error_rate": 12.0, "latency_p95": 0.4, "connections": 40, "queue_depth": 3}
    )
    return Sources(
        environment="test",
        alert_sources=[alert_source or FakeAlertSource(_alerts())],
        signal_sources={"prometheus": signals},
    )


async def _settle(pilot, app) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_alerts_sorted_critical_first_then_oldest(make_app) -> None:
    app = make_app(_sources())
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        alert_list = app.screen.query_one(AlertList)
        order = [(r.alert.name, r.alert.service) for r in alert_list.rows if r.alert]
        assert order == [
            ("ServiceDown", "worker"),
            ("ServiceDown", "api"),
            ("HighLatencyP95", "api"),
            ("DiskSpaceLow", "db"),
        ]


async def test_move_group_filter_and_help(make_app) -> None:
    app = make_app(_sources())
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        alert_list = app.screen.query_one(AlertList)
        assert alert_list.highlighted.service == "worker"
        await pilot.press("j")
        assert alert_list.highlighted.service == "api"
        await pilot.press("down", "k")
        assert alert_list.highlighted.service == "api"
        await pilot.press("g", "enter")  # the prompt offers alertname
        assert alert_list.grouped and alert_list.row_count == 3
        assert alert_list.rows[0].count == 2
        await pilot.press("g", "enter")  # and, once grouped, "none"
        assert not alert_list.grouped
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"service=api")
        assert {a.service for a in alert_list.filtered_alerts} == {"api"}
        await pilot.press("enter")
        assert isinstance(app.focused, AlertList)
        await pilot.press("escape")
        assert alert_list.row_count == 4
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_tab_moves_between_regions(make_app) -> None:
    app = make_app(_sources())
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        screen = app.screen
        await pilot.press("tab")
        assert screen.region_index == 1
        await pilot.press("tab")
        pane = screen.query_one(RunbookPane)
        assert app.focused is pane.steps and pane.step_index == 0
        await pilot.press("j", "j")  # the step list moves with j/k as well as the arrows
        assert pane.step_index == 2
        await pilot.press("k")
        assert pane.step_index == 1
        await pilot.press("shift+tab", "shift+tab")
        assert isinstance(app.focused, AlertList)


async def test_runbook_section_follows_selected_alert(make_app) -> None:
    app = make_app(_sources())
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        pane = app.screen.query_one(RunbookPane)
        assert pane.section is not None and "ServiceDown" in pane.section.alerts
        assert pane.section.steps


async def test_declare_note_export(make_app, tmp_path: Path) -> None:
    app = make_app(_sources())
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("d")
        assert isinstance(app.screen, DeclareDialog)
        await pilot.click("#declare-ok")
        await _settle(pilot, app)
        incident = app.screen.incident_log.incident
        assert incident is not None and incident.title.startswith("ServiceDown")
        await pilot.press("n")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"rolled back deploy 42", "enter")
        await _settle(pilot, app)
        kinds = [e.kind for e in app.screen.incident_log.incident.entries]
        assert EntryKind.NOTE in kinds and EntryKind.ALERT_FIRED in kinds
        log_view = app.screen.query_one(IncidentLogView)
        assert any("rolled back deploy 42" in text for text in log_view.texts)
        out = tmp_path / "pm.md"
        await pilot.press("e")
        prompt = app.screen.query_one(Input)
        prompt.value = str(out)
        await pilot.press("enter")
        await _settle(pilot, app)
        text = out.read_text()
        assert "rolled back deploy 42" in text and incident.id in text
        # exporting again to the same file asks first; "n" leaves it as it was
        out.write_text("the team's edits")
        for answer in ("n", "y"):
            await pilot.press("e")
            app.screen.query_one(Input).value = str(out)
            await pilot.press("enter")
            await _settle(pilot, app)  # the path is looked at off the loop
            assert isinstance(app.screen, Confirm) and "Overwrite" in app.screen.question
            await pilot.press(answer)
            await _settle(pilot, app)
            if answer == "n":
                assert out.read_text() == "the team's edits"
        assert incident.id in out.read_text()
        # quitting with an open incident asks first
        await pilot.press("q")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        assert app.is_running


async def test_silence_and_ack_reach_the_source(make_app) -> None:
    source = FakeAlertSource(_alerts())
    app = make_app(_sources(source))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("s")
        assert isinstance(app.screen, SilenceDialog)
        preview = str(app.screen.query_one("#silence-preview").render())
        assert "will silence 1 firing alert" in preview
        await pilot.press(*"db failover in progress", "enter")
        await _settle(pilot, app)
        assert source.silences and source.silences[0].comment == "db failover in progress"
        assert source.silences[0].created_by == "tester@bastion"
        await pilot.press("j", "a")
        await _settle(pilot, app)
        assert source.silences[-1].comment.startswith("ACK by tester@bastion")


async def test_hanging_source_never_blocks_keys(make_app) -> None:
    """A source that hangs for 10 s: key presses still change the screen while it hangs (how
    quickly is measured in benchmarks/, not asserted here)."""
    source = FakeAlertSource(_alerts(), hang_s=10)
    signals = FakeSignalSource({}, hang_s=10)
    app = make_app(_sources(source, signals))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.2)
        assert source.calls == 1  # the poll is in flight and hanging
        screen = app.screen
        for i in range(1, 7):
            await pilot.press("tab")
            assert screen.region_index == i % 4
        assert source.calls == 1  # still the one poll, still hanging


async def test_failing_signal_source_shows_error_not_blank(make_app) -> None:
    app = make_app(_sources(signals=FakeSignalSource({}, fail=True)))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        panel = app.screen.query(SignalPanel).first()
        text = "\n".join(panel.texts)
        assert "connection refused" in text and panel.has_class("-stale")


async def test_compact_layout_shows_one_region_at_a_time(make_app) -> None:
    app = make_app(_sources())
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot, app)
        screen = app.screen
        assert screen.has_class("-compact")
        visible = [
            r
            for r in ("alerts-region", "signals-region", "runbook-region", "log-region")
            if screen.query_one(f"#{r}").display
        ]
        assert visible == ["alerts-region"]
        await pilot.press("tab")
        assert screen.query_one("#signals-region").has_class("-current")


async def test_viewer_mode_runs_nothing(make_app) -> None:
    source = FakeAlertSource(_alerts())
    app = make_app(_sources(source), viewer=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("s", "a", "d")
        await _settle(pilot, app)
        assert source.silences == []
        assert app.screen.incident_log.incident is None
        assert "VIEWER" in app.screen.query_one(WarHeader).state.mode


async def test_drill_shows_banner_alert_and_signals(make_app, drill_sources) -> None:
    sources, clock = drill_sources("error-rate")
    app = make_app(sources, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        assert "DRILL" in str(app.screen.query_one("#drill-banner").render())
        assert app.screen.query_one(AlertList).row_count >= 1
        panels = list(app.screen.query(SignalPanel))
        assert len(panels) == 4 and all(p.series.latest is not None for p in panels)


async def test_roles_status_and_status_update(make_app) -> None:
    from warroom.domain.incident import Role, Status
    from warroom.ui.dialogs.prompts import EditText

    app = make_app(_sources())
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("d")
        await pilot.click("#declare-ok")
        await _settle(pilot, app)
        log = app.screen.incident_log
        await pilot.press("o")
        await choose(pilot, app, Role.SCRIBE.value)
        prompt = app.screen.query_one(Input)
        prompt.value = "bob"
        await pilot.press("enter")
        await _settle(pilot, app)
        assert Role.SCRIBE not in log.incident.roles  # handed over: pending until bob accepts
        assert "Scribe: - → bob (pending)" in app.screen.query_one(WarHeader).state.roles
        await pilot.press("t")
        await choose(pilot, app, Status.MITIGATING.value)
        await _settle(pilot, app)
        assert log.incident.status is Status.MITIGATING
        await pilot.press("u")
        await choose(pilot, app, "update")
        assert isinstance(app.screen, EditText)
        await pilot.press("ctrl+s")
        await _settle(pilot, app)
        assert log.incident.status_updates_sent == 1
        assert any(e.kind is EntryKind.STATUS_UPDATE for e in log.incident.entries)


async def test_ack_is_extended_while_open_and_released_on_resolve(make_app) -> None:
    from warroom.domain.clock import FrozenClock
    from warroom.domain.incident import Status

    source = FakeAlertSource(_alerts())
    clock = FrozenClock(FIXED_TIME)
    app = make_app(_sources(source), clock, ack_minutes=15.0)
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("d")
        await pilot.click("#declare-ok")
        await _settle(pilot, app)
        incident = app.screen.incident_log.incident
        await pilot.press("a")
        await _settle(pilot, app)
        (ack,) = source.silences
        assert incident.id in ack.comment and ack.ends_at == FIXED_TIME + timedelta(minutes=15)
        clock.advance(13 * 60)  # within 3 minutes of lapsing
        alerts = app.screen.region_named("alerts")
        alerts.keep_acks()  # what its own timer does (the alert refresh only reads)
        await _settle(pilot, app)
        (extended,) = source.silences
        assert extended.ends_at == FIXED_TIME + timedelta(minutes=28)
        await pilot.press("t")
        await choose(pilot, app, Status.RESOLVED.value)
        assert isinstance(app.screen, Confirm) and "alerts still fire" in app.screen.question
        await pilot.press("y")  # (the fake Alertmanager applies no silence: they all fire)
        await _settle(pilot, app)
        alerts.keep_acks()
        await _settle(pilot, app)
        assert source.silences == []
        log = app.screen.incident_log
        assert any(e.text.startswith("ack extended: ") for e in log.incident.entries)
        # after resolution, what the console observes waits for the next incident
        assert any("ack-released" in e.text for e in log.pre_incident)


async def test_silences_view_lists_and_expires(make_app) -> None:
    from warroom.ui.dialogs.silences_view import SilencesView

    source = FakeAlertSource(_alerts())
    app = make_app(_sources(source))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("s", *"maintenance window", "enter")
        await _settle(pilot, app)
        assert len(source.silences) == 1
        await pilot.press("x")
        await _settle(pilot, app)
        assert isinstance(app.screen, SilencesView)
        listed = str(app.screen.query_one("#silences-list").get_option_at_index(0).prompt)
        assert "left" in listed and "maintenance window" in listed and "tester@bastion" in listed
        await pilot.press("enter")  # asks first (issue 14.7)
        await _settle(pilot, app)
        assert len(source.silences) == 1
        assert "Expire this silence" in str(app.screen.query_one(".title", Label).render())
        await pilot.press("y")
        await _settle(pilot, app)
        assert source.silences == []
        texts = [e.text for e in app.screen.incident_log.pre_incident]
        assert any("silence expired" in t for t in texts)


async def test_boot_frame_then_the_war_room(tmp_path, drill_sources) -> None:  # type: ignore[no-untyped-def]
    """The CLI's app shows the frame and banner first, then the war room takes over by itself
    and lists the drill's alerts.

    This used to check the rows as soon as the war room was on the screen stack, after one
    `wait_for_complete()`: but a pushed screen is on the stack before it is mounted, and under
    load its mount (which starts the first alert poll) had not run yet, so there was no worker
    to wait for and the list was still empty. Now it waits for the facts: the war room's first
    refresh is posted, and its rows are listed."""
    from tests.ui.factory import build_test_app
    from warroom.ui.app import build_app
    from warroom.ui.messages import AlertsRefreshed
    from warroom.ui.screens.boot import BootScreen
    from warroom.ui.screens.war_room import WarRoomScreen

    refreshed: list[AlertsRefreshed] = []

    def hook(message: object) -> None:
        if isinstance(message, AlertsRefreshed):
            refreshed.append(message)

    sources, clock = drill_sources("error-rate")
    app = build_app(build_test_app(tmp_path, sources, clock).ctx)  # boot=True, as the CLI does
    async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
        assert isinstance(app.screen, BootScreen)
        assert "DRILL" in str(app.screen.query_one("#drill-banner").render())
        await _until(pilot, lambda: bool(refreshed))
        assert isinstance(app.screen, WarRoomScreen)
        alerts = refreshed[0].snapshot.alerts
        assert alerts
        alert_list = app.screen.query_one(AlertList)
        await _until(pilot, lambda: alert_list.row_count >= 1)
        assert {r.alert.fingerprint for r in alert_list.rows if r.alert} == {
            a.fingerprint for a in alerts
        }


async def test_keymap_remaps_by_binding_id_and_palette_lists_actions(make_app) -> None:
    app = make_app(_sources(), keymap={"warroom.group": "G"})
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        alert_list = app.screen.query_one(AlertList)
        await pilot.press("g")
        assert not alert_list.grouped and not isinstance(app.screen, TextPrompt)
        await pilot.press("G", "enter")
        assert alert_list.grouped
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Declare", "Silence", "Ack", "Export"} <= set(commands)


async def test_signals_follow_a_single_step_at_once_and_a_running_cursor_once_it_rests(
    tmp_path: Path,
) -> None:
    from tests.ui.factory import build_test_app

    t = FIXED_TIME
    alerts = [
        make_alert("ServiceDown", "critical", t - timedelta(minutes=i + 1), service=f"svc{i}")
        for i in range(6)
    ]
    app = build_test_app(tmp_path, _sources(FakeAlertSource(alerts)))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        scope = app.screen.services.scope
        alert_list = app.screen.query_one(AlertList)
        await _until(pilot, lambda: scope.service == alert_list.highlighted.service)
        await pilot.press("down", "down", "down")  # running: the signals wait
        assert scope.service != alert_list.highlighted.service
        # once it rests they follow (the rest rule itself: tests/services, on an injected clock)
        await _until(pilot, lambda: scope.service == alert_list.highlighted.service)


async def _until(pilot, predicate) -> None:  # type: ignore[no-untyped-def]
    """Wait for a fact on screen (a guard against hanging, not a timing assertion)."""
    for _ in range(500):
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError("never happened")


class _GatedAlertSource(FakeAlertSource):
    """Answers once the test opens the gate (the first poll runs in a thread of its own)."""

    def __init__(self, alerts: list) -> None:  # type: ignore[type-arg]
        super().__init__(alerts)
        self.gate = threading.Event()

    async def fetch_alerts(self) -> list:  # type: ignore[type-arg]
        while not self.gate.is_set():
            await asyncio.sleep(0.01)
        return await super().fetch_alerts()


async def test_signals_and_runbooks_wait_until_the_first_alerts_are_drawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing competes with drawing the first alerts: the other regions, the golden signals
    and the runbooks start once the alert list has drawn them, and the signals' first queries
    are already scoped to the selected alert's service."""
    from dataclasses import replace

    from tests.ui.factory import build_test_app
    from warroom.paths import default_runbooks_dir
    from warroom.ui.app import build_app
    from warroom.ui.screens import war_room

    monkeypatch.setattr(war_room, "SIGNALS_WAIT_S", 60.0)  # only the drawing starts them here
    signals = FakeSignalSource({"error_rate": 1.0})
    gated = _GatedAlertSource(_alerts())
    tested = build_test_app(tmp_path, _sources(gated, signals))
    # as the CLI does: the app reads the runbooks itself
    ctx = replace(tested.ctx, library=None, runbook_paths=(default_runbooks_dir(),))
    app = build_app(ctx, boot=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.3)
        alert_list = app.screen.query_one(AlertList)
        assert alert_list.row_count == 0
        assert signals.asked == []
        runbook = app.screen.region_named("runbook")
        assert not runbook.library.runbooks
        # alerts first: the other regions show their frames, not yet their contents
        contents = "#signals-region > *, #runbook-region > *"
        assert app.screen.query_one("#runbook-region").display
        assert not any(w.display for w in app.screen.query(contents))
        gated.gate.set()
        for _ in range(250):
            await pilot.pause(0.02)
            if signals.asked and runbook.library.runbooks:
                break
        assert alert_list.row_count == len(_alerts())
        highlighted = alert_list.highlighted
        assert highlighted is not None
        assert set(signals.asked) == {highlighted.service}
        assert runbook.library.runbooks
        shown = ("#runbook-title", "#runbook-steps", "SignalPanel")
        assert all(app.screen.query_one(selector).display for selector in shown)


async def test_signals_start_without_alerts_after_the_wait(tmp_path: Path) -> None:
    """An Alertmanager that does not answer does not keep the golden signals blank."""
    from tests.ui.factory import build_test_app
    from warroom.ui.screens.war_room import SIGNALS_WAIT_S

    signals = FakeSignalSource({"error_rate": 1.0})
    app = build_test_app(tmp_path, _sources(FakeAlertSource(_alerts(), hang_s=30), signals))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(SIGNALS_WAIT_S / 2)
        assert signals.asked == []
        await pilot.pause(SIGNALS_WAIT_S)
        assert signals.asked
        assert app.screen.query_one(SignalPanel).display
        assert app.screen.query_one(AlertList).row_count == 0
