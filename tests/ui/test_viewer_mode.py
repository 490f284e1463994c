"""Viewer mode refuses every write in one place: every key the war room binds, every command
palette entry, a click on a runbook step and a dialog's answer, against a store that holds an
open incident and an Alertmanager that holds a silence; afterwards the store (read back from
its file) and the Alertmanager hold exactly what they held before, and the screen said why."""

from __future__ import annotations

import inspect
from datetime import timedelta
from pathlib import Path

from textual.widgets import Input

from tests.ui.factory import FIXED_TIME, build_test_app
from tests.ui.fakes import FakeAlertSource, FakeSignalSource, make_alert
from warroom.domain.alerts import Matcher, SilenceRequest
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import IncidentSeverity
from warroom.domain.ports import Sources
from warroom.services.incident_log import IncidentLog
from warroom.stores import open_store
from warroom.ui.dialogs.silences_view import SilencesView
from warroom.ui.regions.base import Access


async def _declared(path: Path) -> tuple[str, int]:
    """A commander's console declared an incident and noted something, in the store file."""
    store = open_store(str(path))
    await store.open()
    log = IncidentLog(store, FrozenClock(FIXED_TIME), "dana@bastion")
    incident = await log.declare("checkout down", IncidentSeverity.P1, "api", "no payments")
    await log.note("looking at the deploy")
    entries = await store.entries(incident.id)
    await store.close()
    return incident.id, len(entries)


async def _stored(path: Path, incident_id: str) -> tuple[int, list[str]]:
    store = open_store(str(path))
    await store.open()
    entries = await store.entries(incident_id)
    summaries = await store.incidents()
    await store.close()
    return len(entries), [f"{s.id} {s.status}" for s in summaries]


async def test_a_viewer_changes_nothing_from_keys_palette_clicks_or_dialogs(
    tmp_path: Path,
) -> None:
    incident_id, before = await _declared(tmp_path / "incidents.db")
    stored_before = await _stored(tmp_path / "incidents.db", incident_id)
    assert stored_before[0] == before
    alert = make_alert("ServiceDown", "critical", FIXED_TIME - timedelta(minutes=5), service="api")
    source = FakeAlertSource([alert])
    await source.create_silence(
        SilenceRequest(
            (Matcher("service", "db"),), FIXED_TIME, FIXED_TIME + timedelta(hours=1), "x", "y"
        )
    )
    silences_before = list(source.silences)
    sources = Sources(
        environment="test",
        alert_sources=[source],
        signal_sources={"prometheus": FakeSignalSource({"error_rate": 1.0})},
    )
    app = build_test_app(tmp_path, sources, viewer=True)
    notes: list[str] = []
    async with app.run_test(size=(160, 48)) as pilot:
        app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        writes = {name for name, (_r, a) in screen.actions.items() if a.access is Access.WRITE}
        assert {"declare", "note", "set_status", "assign_role", "status_update", "pin"} <= writes
        assert {
            "silence",
            "bulk_silence",
            "ack",
            "expire",
            "edit_silence",
            "run_selected_step",
            "run_step_at",
        } <= writes

        # every key the war room binds (quit last: it ends the session)
        keys = [b.key for b in screen.BINDINGS if b.key != "q"]
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
            while app.screen is not screen:  # a read opened a dialog (help, export): close it
                await pilot.press("escape")
                await pilot.pause()
            if isinstance(app.focused, Input):  # the filter box took the focus: close it
                await pilot.press("escape")
        # enter in the runbook (run the step), and a click on a step
        runbook = screen.region_named("runbook")
        runbook.focus_first()
        await pilot.press("enter")
        await pilot.click("#runbook-steps", offset=(4, 0))
        await pilot.pause()
        # every palette entry of the war room
        for command in app.get_system_commands(screen):
            if command.help.startswith("warroom.") and not command.help.startswith("warroom.quit"):
                ran = command.callback()
                if inspect.isawaitable(ran):
                    await ran
                await pilot.pause()
                while app.screen is not screen:
                    await pilot.press("escape")
                    await pilot.pause()
        # a dialog's answer: expire the silence from the silences view
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SilencesView)
        await pilot.press("enter", "y")  # expire asks first; the answer meets the gate
        await app.workers.wait_for_complete()
        await pilot.pause()
        # and the view's extend / edit answer
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("e", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()

    assert await _stored(tmp_path / "incidents.db", incident_id) == stored_before
    assert source.silences == silences_before
    refused = [n for n in notes if n.startswith("viewer mode:")]
    assert refused, notes
    whats = ("Declare", "Note", "Silence", "Ack", "Expire a silence", "Extend or edit a silence")
    for what in (*whats, "Run a step"):
        assert any(n.startswith(f"viewer mode: {what} ") for n in refused), (what, refused)
