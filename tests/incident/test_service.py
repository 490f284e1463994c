"""IncidentLog: every action commits before it returns; cadence and escalation by severity."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.incident.fixtures import T0
from warroom.config.identity import person_at_keyboard as whoami
from warroom.domain.clock import FrozenClock
from warroom.domain.errors import WarroomError
from warroom.domain.incident import EntryKind, IncidentSeverity, Role, SeverityPolicy, Status
from warroom.services.incident_log import IncidentLog, NoIncident
from warroom.stores.sqlite import SqliteStore


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def log(sqlite_store: SqliteStore, clock: FrozenClock) -> IncidentLog:
    return IncidentLog(sqlite_store, clock, "alice@bastion")


async def test_every_entry_is_in_the_store_when_returned(
    log: IncidentLog, sqlite_store: SqliteStore
) -> None:
    first = await log.declare("Checkout down", "p1", ["checkout"], "5xx for all users")
    assert log.incident is not None
    assert log.incident.commander == "alice@bastion"
    made = [
        first,
        await log.note("looking at the pool"),
        await log.decision("fail over to the replica"),
        await log.action_item("add pool alert", owner="bob", due="2026-03-20"),
        await log.assign_role(Role.TECH_LEAD, "bob"),
        await log.set_severity("P0", "all regions"),
        await log.record(EntryKind.SILENCE, "silenced DiskFull", {"silence_id": "s1"}),
        await log.step_run("db", "count", "psql -c 'select 1'", 0, 0.2, "out/1.log"),
        await log.status_update("investigating", "we know"),
        await log.pin_snapshot("Error rate", "31 %", "▁▃█"),
    ]
    stored = await sqlite_store.entries(first.incident_id)
    assert {e.id for e in made} == {e.id for e in stored}
    assert log.incident.severity is IncidentSeverity.P0
    assert log.incident.roles[Role.TECH_LEAD] == ["bob"]
    assert made[3].data == {
        "action": "add pool alert",
        "owner": "bob",
        "due": "2026-03-20",
        "status": "Open",
    }
    assert made[7].data["exit_code"] == 0 and made[7].data["output_ref"] == "out/1.log"


async def test_backdated_note_keeps_both_times(log: IncidentLog, clock: FrozenClock) -> None:
    await log.declare("x", "P2")
    clock.advance(600)
    entry = await log.note("pool spiked", at=T0 + timedelta(minutes=2))
    assert entry.at == T0 + timedelta(minutes=2)
    assert entry.recorded_at == T0 + timedelta(minutes=10)
    assert entry.backdated
    assert log.incident is not None and log.incident.entries[1].id == entry.id  # sorted in


async def test_correction_points_at_the_old_entry(log: IncidentLog) -> None:
    await log.declare("x", "P2")
    wrong = await log.note("restarted db-1")
    fix = await log.correct(wrong.id, "restarted db-2, not db-1")
    assert fix.corrects == wrong.id and fix.kind is EntryKind.CORRECTION
    assert fix.data["was"] == "restarted db-1"
    assert log.incident is not None
    assert wrong in log.incident.entries  # never rewritten
    with pytest.raises(WarroomError):
        await log.correct("no-such-id", "x")


async def test_role_handover_is_logged(log: IncidentLog) -> None:
    await log.declare("x", "P2")
    handover = await log.assign_role("commander", "carol@bastion-2")
    assert handover.text == "Incident commander handed over: alice@bastion → carol@bastion-2"
    assert handover.data["previous"] == "alice@bastion"
    observer = await log.assign_role(Role.OBSERVER, "dave")
    assert observer.text == "dave joined as observer"
    assert log.incident is not None and log.incident.commander == "carol@bastion-2"


async def test_alerts_before_declaring_join_the_incident(
    log: IncidentLog, clock: FrozenClock, sqlite_store: SqliteStore
) -> None:
    fired = await log.record(
        EntryKind.ALERT_FIRED, "HighErrorRate firing", {"alert": "HighErrorRate"}
    )
    assert fired.incident_id == "" and log.pre_incident == [fired]
    assert await sqlite_store.incidents() == []  # nothing half-made in the store
    clock.advance(120)
    first = await log.declare("Errors", "P1", alert="HighErrorRate")
    assert log.pre_incident == []
    stored = await sqlite_store.entries(first.incident_id)
    assert [e.kind for e in stored] == [EntryKind.ALERT_FIRED, EntryKind.DECLARED]
    assert stored[0].id == fired.id and stored[0].at == T0


async def test_nothing_to_log_without_an_incident(log: IncidentLog) -> None:
    with pytest.raises(NoIncident):
        await log.note("hello")
    await log.declare("x", "P3")
    with pytest.raises(WarroomError):
        await log.declare("another", "P3")  # resolve the first one first
    with pytest.raises(WarroomError):
        await log.note("   ")


async def test_resolve_then_declare_again(log: IncidentLog) -> None:
    await log.declare("first", "P2")
    await log.resolve("fixed by failover")
    assert log.incident is not None and log.incident.status is Status.RESOLVED
    assert log.incident.entries[-2].text == "fixed by failover"
    await log.status_update("resolved", "all clear")  # the all-clear goes after resolving
    second = await log.declare("second", "P3")
    assert log.incident.id == second.incident_id


async def test_resume_reopens_the_open_incident(
    sqlite_store: SqliteStore, clock: FrozenClock
) -> None:
    first = IncidentLog(sqlite_store, clock, "a")
    declared = await first.declare("still open", "P1")
    await first.note("one")
    again = IncidentLog(sqlite_store, clock, "a")
    incident = await again.resume()
    assert incident is not None and incident.id == declared.incident_id
    assert len(incident.entries) == 2


async def test_update_cadence_by_severity(log: IncidentLog, clock: FrozenClock) -> None:
    assert log.next_update_due() is None and not log.update_overdue()
    await log.declare("x", "P2")  # P2: every 30 min
    assert log.next_update_due() == T0 + timedelta(minutes=30)
    clock.advance(23 * 60)
    assert log.update_due_text() == "next update due in 7m 00s"
    assert not log.update_overdue()
    clock.advance(8 * 60)
    assert log.update_overdue()
    assert log.update_due_text() == "update OVERDUE by 1m 00s"
    await log.status_update("update", "still on it")  # resets the timer
    assert log.next_update_due() == T0 + timedelta(minutes=61)
    assert not log.update_overdue()
    await log.set_severity("P1")  # P1: every 15 min
    assert log.next_update_due() == T0 + timedelta(minutes=46)


async def test_escalation_reminders_follow_the_policy(log: IncidentLog, clock: FrozenClock) -> None:
    await log.declare("x", "P1")  # respond 15 min, resolve 2 h, escalate to technical leads
    clock.advance(14 * 60)
    assert log.escalation_reminders() == []
    clock.advance(60)
    [response] = log.escalation_reminders()  # the update is due now, overdue a moment later
    clock.advance(1)
    [response, update] = log.escalation_reminders()
    assert response.key == "response:P1" and "Technical leads" in response.text
    assert update.key.startswith("update:")
    await log.set_status("identified")
    await log.status_update("update", "found it")
    assert log.escalation_reminders() == []
    clock.advance(2 * 3600)
    keys = [r.key for r in log.escalation_reminders()]
    assert "resolution:P1" in keys and "response:P1" not in keys
    assert "raising the severity" in log.escalation_reminders()[0].text
    await log.resolve()
    assert log.escalation_reminders() == []


async def test_custom_policies_are_used(sqlite_store: SqliteStore, clock: FrozenClock) -> None:
    policies = {sev: SeverityPolicy(60, 120, "the boss", 300) for sev in IncidentSeverity}
    log = IncidentLog(sqlite_store, clock, "a", policies=policies)
    await log.declare("x", "P3")
    assert log.next_update_due() == T0 + timedelta(seconds=300)
    clock.advance(130)
    assert {r.key for r in log.escalation_reminders()} == {"response:P3", "resolution:P3"}


def test_whoami(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    assert whoami("Alice Commander") == "Alice Commander"
    monkeypatch.setenv("SUDO_USER", "bob")
    monkeypatch.setenv("USER", "root")
    assert whoami() == f"bob@{socket.gethostname()}"
    monkeypatch.delenv("SUDO_USER")
    assert whoami("  ") == f"root@{socket.gethostname()}"


async def test_an_alert_seen_again_after_a_restart_is_logged_once(
    sqlite_store: SqliteStore, clock: FrozenClock
) -> None:
    """A restarted console (or a second one) sees the alerts already firing as new: what it
    records for them names the same facts, so the store keeps one entry each, one burst
    summary for the same storm, and a new start of the alert is a new entry."""
    from tests.ui.fakes import make_alert
    from warroom.services.alert_events import alert_events

    first = IncidentLog(sqlite_store, clock, "alice@bastion")
    declared = await first.declare("api errors", "P1")
    alerts = [make_alert("HighErrorRate", "critical", T0, service="api")]
    storm = [make_alert("DiskFull", "warning", T0, instance=f"db-{i}") for i in range(30)]

    async def poll_as(log: IncidentLog) -> None:
        for event in alert_events(alerts, []) + alert_events(storm, []):
            await log.record(event.kind, event.text, event.data)

    await poll_as(first)
    again = IncidentLog(sqlite_store, clock, "alice@bastion")
    await again.resume()
    await poll_as(again)
    stored = await sqlite_store.entries(declared.incident_id)
    fired = [e for e in stored if e.kind is EntryKind.ALERT_FIRED]
    assert [e.text.split(":")[0] for e in fired] == [
        "CRIT HighErrorRate firing",
        "30 alerts firing",
    ]
    refired = make_alert("HighErrorRate", "critical", T0 + timedelta(minutes=5), service="api")
    [event] = alert_events([refired], [])
    await again.record(event.kind, event.text, event.data)
    stored = await sqlite_store.entries(declared.incident_id)
    assert sum(e.kind is EntryKind.ALERT_FIRED for e in stored) == 3
