"""Two consoles on one real PostgreSQL, both watching the same workloads (the drill's
error-rate world, one per console, same seed): the bad deploy is one fact, so the shared log
holds one `change` entry for it, not one per console (seen twice in a two-console trial)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui.factory import FIXED_TIME
from warroom.config import Settings
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import EntryKind
from warroom.drill import DrillWorld, load_scenario
from warroom.paths import default_runbooks_dir
from warroom.services.runbook_library import load_library
from warroom.stores.postgres import PostgresStore
from warroom.ui.app import WarRoomApp, build_app
from warroom.ui.context import ConsoleContext
from warroom.ui.screens.war_room import WarRoomScreen


def _console(dsn: str, tmp: Path, author: str) -> WarRoomApp:
    world = DrillWorld(
        load_scenario("error-rate"), seed=5, speed=1.0, clock=FrozenClock(FIXED_TIME)
    )
    ctx = ConsoleContext(
        settings=Settings(),
        sources=world.sources(),
        clock=world.clock,
        library=load_library([default_runbooks_dir()]),
        store=PostgresStore(dsn, tmp / f"{author}.db", timeout_s=3),
        author=author,
    )
    return build_app(ctx, boot=False)


def _room(app: WarRoomApp) -> WarRoomScreen:
    return next(s for s in app.screen_stack if isinstance(s, WarRoomScreen))


async def _until(pilots: list[Any], done: Any) -> None:
    for _ in range(500):  # a hang guard, not a timing assertion
        if done():
            return
        for pilot in pilots:
            await pilot.pause(0.02)
    raise AssertionError("never happened")


async def test_a_change_both_consoles_see_is_logged_once(postgres_dsn: str, tmp_path: Path) -> None:
    alice, bob = (
        _console(postgres_dsn, tmp_path, "alice@one"),
        _console(postgres_dsn, tmp_path, "bob@two"),
    )
    async with alice.run_test(size=(160, 48)) as pa, bob.run_test(size=(160, 48)) as pb:
        both = [pa, pb]

        def changes(app: WarRoomApp) -> list[Any]:
            incident = _room(app).incident_log.incident
            return [e for e in incident.entries if e.kind is EntryKind.CHANGE] if incident else []

        lines = _room(bob).query_one("#service-lines")
        await _until(both, lambda: "revision 14 rolled out" in "\n".join(lines.texts))  # type: ignore[attr-defined]
        await pa.press("d")  # alice declares while bob's console watches the same workloads
        await pa.pause()
        await pa.press("ctrl+s")
        await _until(both, lambda: bool(changes(alice)) and bool(changes(bob)))
        for _ in range(20):  # both consoles have polled and recorded what they saw
            await pa.pause(0.02)
            await pb.pause(0.02)
    check = PostgresStore(postgres_dsn, tmp_path / "check.db", timeout_s=3)
    await check.open()
    try:
        (summary,) = await check.incidents()
        stored = [e for e in await check.entries(summary.id) if e.kind is EntryKind.CHANGE]
    finally:
        await check.close()
    keys = [str(e.data["key"]) for e in stored]
    assert "drill:api:deploy:14" in keys
    assert len(keys) == len(set(keys)), keys  # each change once, whoever saw it first
