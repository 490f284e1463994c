"""Pilot, against a real PostgreSQL: a console started while the shared store is down shows the
open incident (its entries in the log pane) once the store comes back, without a restart.

Its own PostgreSQL (stopping the session's would hurt other tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.incident.conftest import console_on, offline_store, open_incident_then_outage
from tests.servers.postgres import PostgresServer
from warroom.ui.regions.log.view import IncidentLogView


async def test_the_open_incident_appears_once_the_store_is_back(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    written = await open_incident_then_outage(
        own_postgres, tmp_path / "a.db", "Checkout is down", ["rolled back deploy 42"]
    )
    store = offline_store(own_postgres, tmp_path / "b.db")
    app = console_on(store)
    async with app.run_test(size=(160, 48)) as pilot:
        view = app.screen.query_one(IncidentLogView)
        for _ in range(100):  # until the console has tried and found the store down
            await pilot.pause(0.05)
            if not store.status.online and store.status.detail:
                break
        assert not any("rolled back deploy 42" in t for t in view.texts)
        await asyncio.to_thread(own_postgres.start)
        for _ in range(600):  # hang guard, not a timing assertion
            await pilot.pause(0.1)
            if any("rolled back deploy 42" in t for t in view.texts):
                break
        assert any("rolled back deploy 42" in t for t in view.texts)
        assert app.screen.incident_log.incident is not None
        assert [e.id for e in app.screen.incident_log.incident.entries] == written
