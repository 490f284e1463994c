"""Presence through a real PostgreSQL: each console's heartbeat names the person and the roles
they hold; a console that misses three beats is gone from the others' lists. Clocks injected."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.ui.factory import FIXED_TIME
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import Role
from warroom.services.incident_log import IncidentLog
from warroom.services.presence import STALE_AFTER, PresenceService
from warroom.stores.postgres import PostgresStore


async def test_consoles_see_each_other_with_their_roles_until_they_go_quiet(
    postgres_dsn: str, tmp_path: Path
) -> None:
    clock = FrozenClock(FIXED_TIME)
    stores = [
        PostgresStore(postgres_dsn, tmp_path / f"{n}.db", console_id=uuid.uuid4().hex)
        for n in ("a", "b", "c")
    ]
    for store in stores:
        await store.open()
    a, b, c = stores
    try:
        log = IncidentLog(a, clock, "alice@bastion-1", console=a.console_id)
        await log.declare("Checkout 5xx", "P1")
        await log.assign_role(Role.TECH_LEAD, "bob@bastion-2")
        incident = log.incident
        alice = PresenceService(a, clock, a.console_id, "alice@bastion-1", every_s=10)
        bob = PresenceService(b, clock, b.console_id, "bob@bastion-2", every_s=10)
        carol = PresenceService(c, clock, c.console_id, "carol@home", viewer=True, every_s=10)
        for service in (alice, bob, carol):
            await service.beat(incident)
        seen = {p.person: p for p in await alice.beat(incident)}
        assert set(seen) == {"bob@bastion-2", "carol@home"}  # not itself
        assert seen["bob@bastion-2"].roles == (Role.TECH_LEAD.value,)
        assert seen["carol@home"].viewer and seen["carol@home"].roles == ()
        assert [p.roles for p in await bob.beat(incident) if p.person.startswith("alice")] == [
            (Role.COMMANDER.value,)
        ]

        for _ in range(STALE_AFTER):  # carol's console stops beating
            clock.advance(10)
            await bob.beat(incident)
        clock.advance(1)
        assert [p.person for p in await alice.beat(incident)] == ["bob@bastion-2"]
        assert [p.person for p in alice.others()] == ["bob@bastion-2"]
        clock.advance(10 * STALE_AFTER + 1)  # and nobody beats: the list ages out, no IO
        assert alice.others() == []
    finally:
        for store in stores:
            await store.close()


async def test_a_console_whose_clock_is_behind_shows_and_a_gone_one_never_does(
    tmp_path: Path,
) -> None:
    """Missed beats are judged on the reader's clock, by when a heartbeat last changed."""
    from warroom.domain.ports import Presence
    from warroom.stores.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "incidents.db")
    await store.open()
    try:
        clock = FrozenClock(FIXED_TIME)
        behind = FrozenClock(FIXED_TIME)
        behind.advance(-120)  # two minutes slow
        gone = FIXED_TIME.replace(hour=FIXED_TIME.hour - 1)
        await store.heartbeat(Presence("old", "olga@gone", gone))  # quit an hour ago
        alice = PresenceService(store, clock, "a", "alice@one", every_s=10)
        dave = PresenceService(store, behind, "d", "dave@slow", every_s=10)
        await dave.beat(None)
        assert await alice.beat(None) == []  # a first sight that its clock calls old: not yet
        for _ in range(2):
            clock.advance(10)
            behind.advance(10)
            await dave.beat(None)
            assert [p.person for p in await alice.beat(None)] == ["dave@slow"]  # it beats
        clock.advance(10 * STALE_AFTER + 1)
        assert [p.person for p in await alice.beat(None)] == []  # it stopped: gone
    finally:
        await store.close()


async def test_who_is_present_is_known_only_after_a_whole_stale_window(
    postgres_dsn: str, tmp_path: Path
) -> None:
    """`present()` (what lets another person take over from a commander whose console has
    gone) says nothing until this console has heard the store for a whole stale window, then
    names the people at the other live consoles that act (viewers are not counted), and drops
    the commander once their console stops beating."""
    clock = FrozenClock(FIXED_TIME)
    a, b, c = (
        PostgresStore(postgres_dsn, tmp_path / f"p{n}.db", console_id=uuid.uuid4().hex)
        for n in "abc"
    )
    for store in (a, b, c):
        await store.open()
    try:
        alice = PresenceService(a, clock, a.console_id, "alice@one", every_s=10)
        bob = PresenceService(b, clock, b.console_id, "bob@two", every_s=10)
        carol = PresenceService(c, clock, c.console_id, "carol@tv", viewer=True, every_s=10)
        for _ in range(STALE_AFTER):
            for service in (alice, bob, carol):
                await service.beat(None)
            assert bob.present() is None  # not a whole window yet: nobody is taken to be away
            clock.advance(10)
        for service in (alice, bob, carol):
            await service.beat(None)
        assert bob.present() == ["alice@one"]
        for _ in range(STALE_AFTER + 1):  # alice's console has gone: only bob and carol beat
            clock.advance(10)
            await bob.beat(None)
            await carol.beat(None)
        assert bob.present() == []
    finally:
        for store in (a, b, c):
            await store.close()
