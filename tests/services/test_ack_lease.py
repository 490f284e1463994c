"""Two consoles on one real PostgreSQL both know one ack (one made it, the other adopted it from
Alertmanager): over a simulated 8 minutes each extension is claimed through the store by one
console and logged once, in one line; when that console goes away, the other takes over the
same silence once the lease runs out.

The clock is simulated (an injected one, shared by both consoles) and so is Alertmanager (the
suite's fake, which extends an active silence in place as Alertmanager does): a real
Alertmanager judges silences by its own wall clock, which 8 simulated minutes cannot move."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from pathlib import Path

from tests.ui.factory import FIXED_TIME
from tests.ui.fakes import FakeAlertSource, make_alert
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import EntryKind, Incident, IncidentSeverity, declare
from warroom.services.ack_keepalive import KEEP_EVERY_S, LEASE_S, AckKeepAlive
from warroom.services.acks import AckKeeper
from warroom.services.incident_log import IncidentLog
from warroom.stores.postgres import PostgresStore

MINUTES = 5.0  # the ack's length
WITHIN_S = 180.0  # extended this close to lapsing


class Console:
    def __init__(self, dsn: str, outbox: Path, source: FakeAlertSource, clock: FrozenClock):
        self.id = uuid.uuid4().hex
        self.store = PostgresStore(dsn, outbox, timeout_s=2, console_id=self.id)
        self.keeper = AckKeeper([source], clock, minutes=MINUTES, extend_within_s=WITHIN_S)
        self.keepalive = AckKeepAlive(self.keeper, leases=self.store, console=self.id)
        self.log = IncidentLog(self.store, clock, "alice@bastion-1", console=self.id)
        self.lines: list[str] = []

    async def round(self) -> int:
        """One keep-alive round, its facts logged as the alerts region logs them."""
        facts = await self.keepalive.keep(self.log.incident)
        for fact in facts:
            entry = await self.log.record(EntryKind.SILENCE, fact.describe())
            self.lines.append(entry.text)
        return len(facts)


async def test_one_console_extends_each_ack_once_per_extension(
    postgres_dsn: str, tmp_path: Path
) -> None:
    source = FakeAlertSource([])
    clock = FrozenClock(FIXED_TIME)
    a = Console(postgres_dsn, tmp_path / "a.db", source, clock)
    b = Console(postgres_dsn, tmp_path / "b.db", source, clock)
    await a.store.open()
    await b.store.open()
    try:
        await a.log.declare("Checkout 5xx", "P1")
        await b.log.load(a.log.incident.id)  # type: ignore[union-attr]
        alert = make_alert("HighErrorRate", "critical", FIXED_TIME, service="api")
        (silence_id,) = [(await a.keeper.ack(alert, "alice", a.log.incident.id)).silence_id]  # type: ignore[union-attr]
        ends = [source.silences[0].ends_at]
        rng = random.Random(13)
        rounds = int(8 * 60 // KEEP_EVERY_S)
        for _ in range(rounds):  # both consoles' timers fire, in either order
            clock.advance(KEEP_EVERY_S)
            pair = [a, b]
            rng.shuffle(pair)
            done = [await console.round() for console in pair]
            assert sum(done) <= 1, "two extensions of one ack in one round"
            (silence,) = source.silences  # never a second silence for the ack
            assert silence.id == silence_id and silence.ends_at > clock.now()  # never lapsed
            if silence.ends_at != ends[-1]:
                ends.append(silence.ends_at)
        extensions = len(ends) - 1
        assert extensions == int(8 * 60 // (MINUTES * 60 - WITHIN_S))  # as often as needed
        holder, other = (a, b) if a.lines else (b, a)
        assert len(holder.lines) == extensions and other.lines == []  # one console extends
        for line in holder.lines:  # one line each
            assert "\n" not in line and len(line) <= 80 and line.startswith("ack extended: ")
        shared = await other.store.entries(a.log.incident.id)  # type: ignore[union-attr]
        assert len([e for e in shared if e.text.startswith("ack extended")]) == extensions

        # the holder goes away: the other waits out its lease, then keeps the same silence alive
        quiet = 0.0
        while not other.lines:
            clock.advance(KEEP_EVERY_S)
            quiet += KEEP_EVERY_S
            await other.round()
            (silence,) = source.silences
            assert silence.id == silence_id and silence.ends_at > clock.now()
            assert quiet < 20 * 60, "the other console never took over"
        assert quiet > LEASE_S - KEEP_EVERY_S  # not while the holder's lease still ran
    finally:
        await a.store.close()
        await b.store.close()


async def test_without_a_shared_store_the_console_keeps_its_own_acks(tmp_path: Path) -> None:
    """No lease board (a store-less test console): extends as before, alone."""
    source = FakeAlertSource([])
    clock = FrozenClock(FIXED_TIME)
    keeper = AckKeeper([source], clock, minutes=MINUTES, extend_within_s=WITHIN_S)
    await keeper.ack(make_alert("A", "warning", FIXED_TIME), "dana", None)
    clock.advance(MINUTES * 60 - WITHIN_S)
    assert [f.action for f in await keeper.tick()] == ["ack-extended"]
    assert source.silences[0].ends_at == clock.now() + timedelta(minutes=MINUTES)


async def test_a_viewer_console_extends_nothing() -> None:
    """A viewer runs nothing: it never takes an ack's lease nor extends it."""
    source = FakeAlertSource([])
    clock = FrozenClock(FIXED_TIME)
    keeper = AckKeeper([source], clock, minutes=MINUTES, extend_within_s=WITHIN_S)
    fact = await keeper.ack(make_alert("A", "warning", FIXED_TIME), "dana", None)
    incident = Incident.from_entries(
        [declare(title="x", severity=IncidentSeverity.P1, author="dana", now=FIXED_TIME)]
    )
    clock.advance(MINUTES * 60 - WITHIN_S)
    assert await AckKeepAlive(keeper, watch_only=True).keep(incident) == []
    assert [s.ends_at for s in source.silences] == [fact.ends_at]
    assert len(await AckKeepAlive(keeper).keep(incident)) == 1  # (a commander's would)
