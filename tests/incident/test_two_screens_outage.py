"""Pilot, two consoles on screen at once, as one user on one host, on a real PostgreSQL that is
stopped for 20 s while both add notes (typed: `n`, text, Enter; one backdated). Afterwards both
log panes show the same lines in the same order, the store's (committed order, the backdated
note by its time), the database holds each note once, and each header names the other
console.

Their clocks are injected and disagree by 40 s, so only the store's commit order can make the
two panes agree. Its own PostgreSQL (stopping the session's would hurt other tests)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from tests.incident.conftest import console_on, db_ids
from tests.servers.postgres import PostgresServer
from tests.ui.factory import FIXED_TIME
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import Entry, EntryKind
from warroom.domain.log_order import timeline
from warroom.stores import open_store
from warroom.stores.codec import entry_from_json
from warroom.stores.console_id import claim_console_id
from warroom.stores.postgres import PostgresStore
from warroom.ui.dialogs.prompts import TextPrompt
from warroom.ui.regions.base import write_entry
from warroom.ui.regions.log.view import IncidentLogView, format_entry
from warroom.ui.widgets.war_header import WarHeader

OUTAGE_S = 20.0
USER = "alice@bastion-1"


def _console(server: PostgresServer, tmp_path: Path, skew_s: float) -> tuple[Any, Any, Any]:
    identity = claim_console_id(tmp_path / "state")
    store = open_store(server.dsn, tmp_path / "data", start_offline_ok=True, console_id=identity.id)
    assert isinstance(store, PostgresStore)
    store.timeout_s, store.health_every_s, store.backoff_max_s = 1.0, 0.2, 0.3
    clock = FrozenClock(FIXED_TIME)
    clock.advance(skew_s)
    app = console_on(store, console_id=identity.id, author=USER, clock=clock)
    return identity, app, clock


async def _type_note(pilot: Any, app: Any, clock: FrozenClock, text: str) -> None:
    clock.advance(5)
    await pilot.press("n")
    assert isinstance(app.screen, TextPrompt)
    await pilot.press(*text, "enter")
    await pilot.pause()


async def _stored(dsn: str) -> list[Entry]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT seq, body FROM warroom_entries")
    finally:
        await conn.close()
    return [replace(entry_from_json(r["body"]), seq=r["seq"]) for r in rows]


async def _until(pilots: list[Any], done: Any, guard: int = 600) -> None:
    for _ in range(guard):  # hang guard, not a timing assertion
        if done():
            return
        for pilot in pilots:
            await pilot.pause(0.05)
    raise AssertionError("not reached within the hang guard")


async def test_two_screens_through_a_20s_outage_show_the_same_lines(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    id_a, app_a, clock_a = _console(own_postgres, tmp_path, 0)
    id_b, app_b, clock_b = _console(own_postgres, tmp_path, -40)
    assert id_a.id != id_b.id
    try:
        async with app_a.run_test(size=(160, 48)) as pa, app_b.run_test(size=(160, 48)) as pb:
            view_a = app_a.screen.query_one(IncidentLogView)
            view_b = app_b.screen.query_one(IncidentLogView)
            await _until([pa, pb], lambda: app_a.screen.ctx.store.status.online)
            # seen before anything was declared: shown, then carried into the incident
            fired = app_a.screen.incident_log.record(EntryKind.ALERT_FIRED, "HighErrorRate firing")
            write_entry(app_a.screen, fired)
            await _until([pa, pb], lambda: any("HighErrorRate" in t for t in view_a.texts))
            clock_a.advance(60)
            # declared as the log region does it: written in a worker, shown once committed
            write_entry(app_a.screen, app_a.screen.incident_log.declare("Checkout 5xx", "P1"))
            await _until([pa, pb], lambda: app_b.screen.incident_log.incident is not None)
            notes = []
            for i in range(2):
                for pilot, app, clock, name in (
                    (pa, app_a, clock_a, "a"),
                    (pb, app_b, clock_b, "b"),
                ):
                    notes.append(f"{name} before {i}")
                    await _type_note(pilot, app, clock, notes[-1])

            await asyncio.to_thread(own_postgres.stop)
            loop = asyncio.get_running_loop()
            back_at, i = loop.time() + OUTAGE_S, 0
            while loop.time() < back_at:
                for pilot, app, clock, name in (
                    (pa, app_a, clock_a, "a"),
                    (pb, app_b, clock_b, "b"),
                ):
                    notes.append(f"{name} during {i}")
                    await _type_note(pilot, app, clock, notes[-1])
                if i == 1:  # one backdated ("happened at"), to before the declaration
                    stamp = (FIXED_TIME - timedelta(minutes=10)).astimezone()
                    notes.append("b backdated")
                    await _type_note(pb, app_b, clock_b, f"@{stamp:%H:%M} {notes[-1]}")
                i += 1
                await pa.pause(1.0)
            await asyncio.to_thread(own_postgres.start)

            def settled() -> bool:
                want = len(notes) + 2  # and the declaration, and the alert from before
                return len(view_a.texts) == len(view_b.texts) == want and all(
                    app.screen.ctx.store.status.online and not app.screen.ctx.store.status.queued
                    for app in (app_a, app_b)
                )

            await _until([pa, pb], settled, guard=1200)
            await _until([pa, pb], lambda: view_a.texts == view_b.texts, guard=200)
            assert view_a.texts == view_b.texts  # line for line, as each pane draws them
            # and in the store's order: committed order, the backdated note by its time
            expected = [format_entry(e).plain for e in timeline(await _stored(own_postgres.dsn))]
            assert view_a.texts == expected
            assert "b backdated" in expected[0]  # before the declaration, by its time
            assert "HighErrorRate" in expected[1] and "DECLARED" in expected[2]  # so is it
            for note in notes:
                assert sum(note in line for line in view_a.texts) == 1
            ids = await db_ids(own_postgres.dsn)
            assert len(ids) == len(set(ids)) == len(notes) + 2  # each once, none lost
            # and each header names the other console (same person), though B's clock is behind
            head_a, head_b = (app.screen.query_one(WarHeader) for app in (app_a, app_b))
            await _until(
                [pa, pb],
                lambda: "with alice" in head_a.texts[0] and "with alice" in head_b.texts[0],
                guard=400,  # heartbeats every 10 s
            )
            for app in (app_a, app_b):  # the state both consoles fold is the same too
                assert [e.id for e in app.screen.incident_log.incident.entries] == [
                    e.id for e in timeline(await _stored(own_postgres.dsn))
                ]
    finally:
        id_a.release()
        id_b.release()
