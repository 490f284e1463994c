"""Role handover between two consoles on a real PostgreSQL: two apps in one process (Pilot),
each on its own store instance. The commander hands the role over; both headers show it
pending; the new holder's console asks; accepting changes the role on both."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.notifications import Notify

from tests.ui.factory import FIXED_TIME, choose
from tests.ui.fakes import FakeAlertSource
from warroom.config import Settings
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import EntryKind, Role
from warroom.domain.ports import Sources
from warroom.services.incident_log import IncidentLog
from warroom.services.runbook_library import load_library
from warroom.stores.postgres import PostgresStore
from warroom.ui.app import WarRoomApp, build_app
from warroom.ui.context import ConsoleContext
from warroom.ui.dialogs.prompts import Choose
from warroom.ui.screens.war_room import WarRoomScreen
from warroom.ui.widgets.war_header import WarHeader


def _console(dsn: str, outbox: Path, author: str, said: list[str]) -> tuple[WarRoomApp, Any]:
    ctx = ConsoleContext(
        settings=Settings(),
        sources=Sources(environment="test", alert_sources=[FakeAlertSource([])]),
        clock=FrozenClock(FIXED_TIME),
        library=load_library([]),
        store=PostgresStore(dsn, outbox, timeout_s=3),
        author=author,
    )

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            said.append(message.notification.message)

    return build_app(ctx, boot=False), hook


async def _until(pilots: list[Any], done: Callable[[], bool]) -> None:
    for _ in range(400):  # a hang guard, not a timing assertion
        if done():
            return
        for pilot in pilots:
            await pilot.pause(0.02)
    raise AssertionError("never happened")


def _room(app: WarRoomApp) -> WarRoomScreen:
    return next(s for s in app.screen_stack if isinstance(s, WarRoomScreen))


def _header(app: WarRoomApp) -> str:
    state = _room(app).query_one(WarHeader).state
    return f"{state.commander} {state.roles}"


async def test_a_handover_is_pending_in_both_headers_until_the_new_holder_accepts(
    postgres_dsn: str, tmp_path: Path
) -> None:
    seed = PostgresStore(postgres_dsn, tmp_path / "seed.db", timeout_s=3)
    await seed.open()
    await IncidentLog(seed, FrozenClock(FIXED_TIME), "alice@one").declare("Checkout down", "P1")
    await seed.close()
    alice_said: list[str] = []
    bob_said: list[str] = []
    alice, alice_hook = _console(postgres_dsn, tmp_path / "a.db", "alice@one", alice_said)
    bob, bob_hook = _console(postgres_dsn, tmp_path / "b.db", "bob@two", bob_said)
    async with (
        alice.run_test(size=(160, 48), message_hook=alice_hook) as pa,
        bob.run_test(size=(160, 48), message_hook=bob_hook) as pb,
    ):
        both = [pa, pb]
        await _until(both, lambda: "IC: alice" in _header(alice) and "IC: alice" in _header(bob))
        # bob is not the commander: the status is not his to change
        await pb.press("t")
        await _until(both, lambda: any("only the commander (alice)" in m for m in bob_said))
        assert not isinstance(bob.screen, Choose)

        await pa.press("o")
        await choose(pa, alice, Role.COMMANDER.value)
        alice.screen.query_one("Input").value = "bob"  # type: ignore[attr-defined]
        await pa.press("enter")
        pending = "IC: alice → bob (pending)"
        await _until(both, lambda: pending in _header(alice) and pending in _header(bob))
        assert _room(alice).incident_log.incident.commander == "alice@one"  # type: ignore[attr-defined]

        await _until(both, lambda: isinstance(bob.screen, Choose))  # bob's console asks
        assert "alice hands you Incident commander" in bob.screen.title_text  # type: ignore[attr-defined]
        assert not isinstance(alice.screen, Choose)  # alice's does not
        await choose(pb, bob, "accept")
        await _until(both, lambda: "IC: bob" in _header(alice) and "IC: bob" in _header(bob))
        assert "pending" not in _header(alice) + _header(bob)
        for app in (alice, bob):
            incident = _room(app).incident_log.incident
            assert incident.commander == "bob"
            roles = [e for e in incident.entries if e.kind is EntryKind.ROLE]
            assert [e.author for e in roles] == ["alice@one", "bob@two"]
        # and now the status is bob's to change, not alice's
        await pa.press("t")
        await _until(both, lambda: any("only the commander (bob)" in m for m in alice_said))
