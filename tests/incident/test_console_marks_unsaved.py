"""A full disk on screen: notes typed while the SQLite store cannot write stay in the pane,
marked NOT SAVED, and the header says DISK FULL with the count (a real SQLite file, its size
capped with `max_page_count` so the next write fails as on a full disk)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from textual.widgets import Input

from tests.incident.conftest import console_on
from tests.incident.test_sqlite_trouble import _incident_with_notes
from warroom.stores.sqlite import SqliteStore
from warroom.ui.regions.log.view import IncidentLogView
from warroom.ui.widgets.war_header import WarHeader


async def test_notes_written_on_a_full_disk_are_shown_marked_not_saved(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    await _incident_with_notes(path, 3)
    pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    store = SqliteStore(path, pragmas=(f"max_page_count={pages}",), retry_s=0.05)
    app = console_on(store)
    async with app.run_test(size=(160, 48)) as pilot:
        view = app.screen.query_one(IncidentLogView)
        for _ in range(100):  # until the open incident is resumed (hang guard, not timing)
            await pilot.pause(0.05)
            if any("note 2" in t for t in view.texts):
                break
        for i in range(3):
            await pilot.press("n")
            app.screen.query_one(Input).value = f"while full {i} {'y' * 3000}"
            await pilot.press("enter")
            await pilot.pause(0.2)
        for _ in range(100):  # hang guard: until the pane marks what the store could not write
            await pilot.pause(0.05)
            if store.status.unsaved and len([t for t in view.texts if "NOT SAVED" in t]) == len(
                store.status.unsaved
            ):
                break
        unsaved = store.status.unsaved
        assert unsaved, "the capped store should have refused at least one note"
        marked = [t for t in view.texts if "NOT SAVED" in t]
        assert len(marked) == len(unsaved) and all("while full" in t for t in marked)
        assert not any("NOT SAVED" in t for t in view.texts if "note 2" in t)
        header = " ".join(app.screen.query_one(WarHeader).texts)
        assert f"STORE DISK FULL: {len(unsaved)} not saved" in header
