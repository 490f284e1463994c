"""The incident-log pane under a commander's hands: every entry shows its short id, a cursor
walks the entries (j/k, arrows, PgUp/PgDn, Home/End; the ends stop), `enter` offers to show a
folded entry in full, to correct it or to reply to it (the note prompt prefilled), and a note
backdated onto another day says the date and asks before anything is written."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Input

from tests.ui.factory import FIXED_TIME, choose, screen_text
from tests.ui.pane_helpers import one_alert_app, settle
from warroom.domain.incident import EntryKind
from warroom.ui.dialogs.prompts import Choose, Confirm, TextPrompt
from warroom.ui.regions.log.view import IncidentLogView
from warroom.ui.screens.war_room import WarRoomScreen

LONG = " ".join(f"word{i:03d}" for i in range(60))  # several lines of any pane


async def _declare_and_note(pilot, app, *notes: str) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot, app)
    await pilot.press("d")
    await pilot.click("#declare-ok")
    await settle(pilot, app)
    for note in notes:
        await pilot.press("n")
        app.screen.query_one(Input).value = note
        await pilot.press("enter")
        await settle(pilot, app)


def _entries(app):  # type: ignore[no-untyped-def]
    room = next(s for s in app.screen_stack if isinstance(s, WarRoomScreen))
    return list(room.incident_log.incident.entries)


def _cursor_line(app) -> str:  # type: ignore[no-untyped-def]
    lines = [line for line in screen_text(app).splitlines() if "▸" in line]
    assert len(lines) == 1, lines
    return lines[0]


async def test_ids_shown_and_the_cursor_walks_entries_without_wrapping(tmp_path: Path) -> None:
    app = one_alert_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        notes = [f"note number {i}" for i in range(30)]
        await _declare_and_note(pilot, app, *notes)
        entries = _entries(app)
        text = screen_text(app)
        newest = entries[-1]
        assert f"{newest.id[:6]} note" in text  # the short id beside every entry
        await pilot.press("4")
        assert isinstance(app.focused, IncidentLogView)
        assert "note number 29" in _cursor_line(app)  # the cursor starts on the newest
        await pilot.press("j", "down")  # the newest is the end: no wrap to the first
        assert "note number 29" in _cursor_line(app)
        await pilot.press("k", "up")
        assert "note number 27" in _cursor_line(app)
        await pilot.press("home")
        first = next(line for line in screen_text(app).splitlines() if "03:00Z" in line)
        assert _cursor_line(app) == first and "note number" not in first
        await pilot.press("k", "up")  # the first stays first
        assert _cursor_line(app) == first
        await pilot.press("pagedown")
        paged = _cursor_line(app)
        assert "note number" in paged and paged != first
        await pilot.press("pageup")
        assert "note number" not in _cursor_line(app)
        await pilot.press("end")
        assert "note number 29" in _cursor_line(app)


async def test_enter_offers_correct_and_reply_prefilled(tmp_path: Path) -> None:
    app = one_alert_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await _declare_and_note(pilot, app, "db failover at 02:55", "paged the dba")
        await pilot.press("4", "k", "enter")  # the older note
        assert isinstance(app.screen, Choose)
        target = next(e for e in _entries(app) if e.text == "db failover at 02:55")
        await choose(pilot, app, "correct")
        assert isinstance(app.screen, TextPrompt)
        prompt = app.screen.query_one(Input)
        assert prompt.value == f"correct {target.id[:6]}: "
        await pilot.press(*"failover at 02:51", "enter")
        await settle(pilot, app)
        correction = next(e for e in _entries(app) if e.kind is EntryKind.CORRECTION)
        assert correction.kind is EntryKind.CORRECTION and correction.corrects == target.id
        assert "correction tester     corrects" in screen_text(app)  # (it wraps in the pane)
        shown = app.screen.query_one(IncidentLogView).texts
        assert any(f"corrects {target.id[:6]}: failover at 02:51" in line for line in shown)
        # reply: a note naming the entry it answers
        await pilot.press("4", "home", "enter")
        declared = _entries(app)[0]
        await choose(pilot, app, "reply")
        assert app.screen.query_one(Input).value == f"re {declared.id[:6]}: "
        await pilot.press(*"ack, on it", "enter")
        await settle(pilot, app)
        assert any(e.text == f"re {declared.id[:6]}: ack, on it" for e in _entries(app))


async def test_long_entries_fold_to_two_lines_until_enter_shows_all(tmp_path: Path) -> None:
    app = one_alert_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await _declare_and_note(pilot, app, LONG, "short one")
        text = screen_text(app)
        assert "word000" in text and "word059" not in text and "lines (enter)" in text
        await pilot.press("4", "k", "enter")
        assert isinstance(app.screen, Choose)
        await choose(pilot, app, "fold")
        text = screen_text(app)
        assert "word059" in text and "lines (enter)" not in text
        await pilot.press("enter")  # and back to two lines
        await choose(pilot, app, "fold")
        assert "word059" not in screen_text(app)
        # a short entry has nothing to fold: enter offers correct and reply only
        await pilot.press("j", "enter")
        assert isinstance(app.screen, Choose)
        assert "Show all" not in screen_text(app) and "Correct it" in screen_text(app)


async def test_a_correction_fits_its_column(tmp_path: Path) -> None:
    app = one_alert_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await _declare_and_note(pilot, app, "first")
        first = _entries(app)[-1]
        await pilot.press("n")
        app.screen.query_one(Input).value = f"correct {first.id[:6]}: second"
        await pilot.press("enter")
        await settle(pilot, app)
        rows = {
            kind: next(line for line in screen_text(app).splitlines() if f" {kind} " in line)
            for kind in ("note", "correction")
        }
        # the author's column starts at the same cell for both kinds
        at = {kind: row.index("tester") - row.index("03:00Z") for kind, row in rows.items()}
        assert at["note"] == at["correction"]


async def test_a_backdate_on_another_day_says_the_date_and_asks(tmp_path: Path) -> None:
    app = one_alert_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await _declare_and_note(pilot, app)
        now = FIXED_TIME.astimezone()
        yesterday = (now - timedelta(days=1)).date()
        for answer in ("n", "y"):
            await pilot.press("n")
            app.screen.query_one(Input).value = "@23:59 replica lag started"
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            assert f"{yesterday:%A %d %B %Y}" in app.screen.question
            await pilot.press(answer)
            await settle(pilot, app)
            notes = [e for e in _entries(app) if "replica lag" in e.text]
            assert len(notes) == (answer == "y")
        (note,) = notes
        assert note.at.astimezone().date() == yesterday
        assert f"(on {yesterday:%a %d %b}; recorded" in screen_text(app)
        # today's time is written at once, no question
        await pilot.press("n")
        app.screen.query_one(Input).value = f"@{now:%H:%M} paged the dba"
        await pilot.press("enter")
        await settle(pilot, app)
        assert not isinstance(app.screen, Confirm)
        assert any(e.text == "paged the dba" for e in _entries(app))


async def test_a_viewer_can_open_an_entry_but_correct_and_reply_are_refused(
    tmp_path: Path,
) -> None:
    from warroom.domain.clock import FrozenClock
    from warroom.domain.incident import IncidentSeverity
    from warroom.services.incident_log import IncidentLog
    from warroom.stores import open_store

    store = open_store(str(tmp_path / "incidents.db"))  # a commander's console wrote these
    await store.open()
    log = IncidentLog(store, FrozenClock(FIXED_TIME), "dana@bastion")
    await log.declare("checkout down", IncidentSeverity.P1, "api", "no payments")
    await log.note(LONG)
    written = len(log.incident.entries)  # type: ignore[union-attr]
    await store.close()
    app = one_alert_app(tmp_path, viewer=True)
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        await pilot.press("4", "enter")
        assert isinstance(app.screen, Choose)
        await choose(pilot, app, "fold")  # reading all of it is a read
        assert "word059" in screen_text(app)
        for what in ("correct", "reply"):
            await pilot.press("enter")
            await choose(pilot, app, what)
            await settle(pilot, app)
            assert not isinstance(app.screen, TextPrompt)
            assert notes[-1].startswith("viewer mode: Note is a change")
        assert len(_entries(app)) == written  # nothing more
