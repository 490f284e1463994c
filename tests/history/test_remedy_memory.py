"""Remedy memory from past incidents written through the console's own code paths
(IncidentLog on a real SQLite store, alert entries from services.alert_events, step-run
entries from services.steps.step_entry), read back from the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from warroom.domain.alerts import Alert
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import Incident
from warroom.domain.ports import RenderedStep, StepResult
from warroom.domain.remedy_memory import AlertIdentity, remember, step_key
from warroom.domain.runbooks import Risk, Step, StepKind
from warroom.services.alert_events import alert_events
from warroom.services.incident_log import IncidentLog
from warroom.services.remedy_memory import RemedyLibrary
from warroom.services.steps import step_entry
from warroom.stores.sqlite import SqliteStore

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
CHECK = Step(StepKind.SHELL, "pg_isready -h db", 31, Risk.READ, description="check")
RESTART = Step(StepKind.SHELL, "systemctl restart pgbouncer", 40, Risk.WRITE, description="restart")
FAILOVER = Step(
    StepKind.SHELL, "patronictl failover --force", 52, Risk.DESTRUCTIVE, description="failover"
)


def db_down(service: str = "db") -> Alert:
    return Alert(
        "fp-db", "DBDown", {"service": service, "severity": "critical"}, {"summary": "db down"}, T0
    )


async def run_step(log: IncidentLog, clock: FrozenClock, step: Step, exit_code: int = 0) -> None:
    result = StepResult(exit_code=exit_code, duration_s=1.5, output="ok\n", executor="shell")
    entry = step_entry(
        log.incident.id if log.incident else "",
        RenderedStep(step, step.command),
        result,
        author="alice",
        now=clock.now(),
    )
    await log.record(entry.kind, entry.text, dict(entry.data))


def label_of(step: Step) -> str:
    """How the step is named from what step_entry records (its labels: tested below)."""
    entry = step_entry(
        "i", RenderedStep(step, step.command), StepResult(0, 1.0), author="a", now=T0
    )
    return step_key(entry.data)[1]


async def alert_change(log: IncidentLog, fired: bool, service: str = "db") -> None:
    alerts = [db_down(service)]
    for event in alert_events(alerts if fired else [], [] if fired else alerts):
        await log.record(event.kind, event.text, event.data)


async def seed(store: SqliteStore) -> None:
    """Five drill incidents of one scenario: restart fixed three, failover one (after a
    restart that did not), one recovered alone; a failed and a corrected run change nothing."""
    clock = FrozenClock(T0)
    log = IncidentLog(store, clock, "alice")
    plans: list[list[tuple[Step, int]]] = [
        [(CHECK, 0), (RESTART, 0)],
        [(RESTART, 0)],
        [(FAILOVER, 1), (RESTART, 0)],
        [(RESTART, 0), (FAILOVER, 0)],
        [],
    ]
    for day, plan in enumerate(plans):
        clock.advance((T0 + timedelta(days=day) - clock.now()).total_seconds())
        await alert_change(log, fired=True)
        await log.declare("Database down", "P1", services=["db"], drill=True)
        for step, code in plan:
            clock.advance(60)
            await run_step(log, clock, step, code)
        clock.advance(120 if plan else 600)
        await alert_change(log, fired=False)
        await log.resolve("recovered")
    # another service's DBDown, fixed by failover: not this alert when narrowed by service
    clock.advance((T0 + timedelta(days=6) - clock.now()).total_seconds())
    await alert_change(log, fired=True, service="other-db")
    await log.declare("Other database down", "P2", services=["other-db"])
    clock.advance(60)
    await run_step(log, clock, FAILOVER)
    clock.advance(60)
    await alert_change(log, fired=False, service="other-db")


async def incidents(store: SqliteStore) -> list[Incident]:
    return [Incident.from_entries(await store.entries(s.id)) for s in await store.incidents()]


async def test_ranks_the_steps_that_preceded_recovery(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "incidents.db")
    await store.open()
    try:
        await seed(store)
        memory = remember(await incidents(store), AlertIdentity("DBDown", {"service": "db"}))
    finally:
        await store.close()
    restart, failover = (label_of(RESTART), label_of(FAILOVER))
    assert [s.text for s in memory.ranked] == [
        f"{restart}: fixed it 3 of 4 times, median 2m",
        f"{failover}: fixed it 1 of 1 time, median 2m",
    ]
    assert restart.startswith("line 40 · ") and failover.startswith("line 52 · ")
    assert (memory.firings, memory.recovered_alone, len(memory.incidents)) == (5, 1, 5)


async def test_without_the_service_every_db_down_counts(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "incidents.db")
    await store.open()
    try:
        await seed(store)
        memory = remember(await incidents(store), AlertIdentity("DBDown"))
    finally:
        await store.close()
    failover = next(s for s in memory.ranked if "failover" in s.label)
    assert (failover.fixed, failover.tried, memory.firings) == (2, 2, 6)  # the failed run is no try


def test_runbook_and_step_number_name_the_step_when_recorded() -> None:
    key, label = step_key({"runbook": "db-down", "step": 5, "title": "restart", "command": "x"})
    assert key == ("db-down", "5") and label == "step 5 · restart"
    assert step_key({"description": "restart", "line": 40, "command": "systemctl restart x"})[
        1
    ] == ("line 40 · restart")
    assert step_key({"line": 40, "command": "systemctl restart x\nmore"})[1] == (
        "line 40 · systemctl restart x"
    )
    _, hostile = step_key({"command": "echo \x1b[31mred\nrm -rf /", "line": 3})
    assert "\x1b" not in hostile and "\n" not in hostile


async def test_library_loads_once_and_follows_new_entries(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "incidents.db")
    await store.open()
    try:
        await seed(store)
        library = RemedyLibrary(store)
        assert await library.load() == 6
        first = library.for_alert(db_down())
        assert [s.fixed for s in first.ranked] == [3, 1]
        # one more incident, written by another console and handed over entry by entry
        clock = FrozenClock(T0 + timedelta(days=9))
        other = IncidentLog(store, clock, "bob")
        await alert_change(other, fired=True)
        await other.declare("Database down again", "P1", services=["db"])
        clock.advance(60)
        await run_step(other, clock, RESTART)
        clock.advance(60)
        await alert_change(other, fired=False)
        assert other.incident is not None
        for entry in await store.entries(other.incident.id):  # as another console's arrive
            library.add(entry)
        again = library.for_alert(db_down())
    finally:
        await store.close()
    assert [s.fixed for s in again.ranked] == [4, 1] and again.firings == 6
    assert "fixed it 4 of 5 times" in again.ranked[0].text
