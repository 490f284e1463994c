"""The issue's "done when": a drill end to end through the service, reopened from the store,
exported; the post-mortem's timeline holds every entry in order, with the right metrics."""

from __future__ import annotations

from pathlib import Path

from tests.incident.fixtures import T0
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import EntryKind, Incident, Role, Status
from warroom.export.postmortem import render_postmortem
from warroom.export.status_updates import render_status_update
from warroom.services.incident_log import IncidentLog
from warroom.stores.sqlite import SqliteStore


async def test_drill_end_to_end(tmp_path: Path) -> None:
    clock = FrozenClock(T0)
    store = SqliteStore(tmp_path / "incidents.db")
    await store.open()
    log = IncidentLog(store, clock, "alice@bastion-1")

    def tick(minutes: float) -> None:
        clock.advance(minutes * 60)

    await log.record(EntryKind.ALERT_FIRED, "HighErrorRate firing", {"alert": "HighErrorRate"})
    tick(1)
    await log.declare("Checkout errors", "P1", ["checkout"], "1 in 3 checkouts fail",
                      alert="HighErrorRate", drill=True)  # fmt: skip
    tick(1)
    await log.record(
        EntryKind.ALERT_ACKED, "Acknowledged HighErrorRate for 15m", {"alert": "HighErrorRate"}
    )
    await log.assign_role(Role.TECH_LEAD, "bob@bastion-2")
    await log.assign_role(Role.SCRIBE, "carol")
    tick(2)
    await log.note("pool exhausted: 100/100 connections")
    await log.step_run(
        "db-connections",
        "Show connections",
        "psql -c 'select count(*) from pg_stat_activity'",
        0,
        0.3,
    )
    await log.record(EntryKind.SILENCE, "Silenced DiskWillFill for 1h", {"silence_id": "s1"})
    tick(3)
    text = render_status_update("investigating", log.incident, now=clock.now())  # type: ignore[arg-type]
    await log.status_update("investigating", text)
    await log.set_status(Status.IDENTIFIED)
    tick(4)
    await log.set_status(Status.MITIGATING)
    await log.decision("kill idle sessions")
    tick(10)
    await log.set_status(Status.MONITORING)
    await log.action_item("alert on pool saturation", owner="bob", due="2026-03-21")
    tick(9)
    await log.resolve("pool back to 20/100")
    await log.status_update("resolved", "all clear")
    await store.close()

    # a new console run: reopen and export from the store alone
    again = SqliteStore(tmp_path / "incidents.db")
    await again.open()
    [summary] = await again.incidents()
    incident = Incident.from_entries(await again.entries(summary.id))
    await again.close()
    assert incident.drill and incident.status is Status.RESOLVED
    md = render_postmortem(incident, now=clock.now())

    rows = [
        line for line in md.split("## Timeline")[1].split("## Key metrics")[0].splitlines()
        if line.startswith("| ") and line[2].isdigit()
    ]  # fmt: skip
    assert len(rows) == len(incident.entries) == 17
    events = [r.split(" | ")[1] for r in rows]
    assert events[:3] == [
        "**Detected, Impact started** · Alert fired",
        "Incident declared",
        "**Acknowledged** · Alert acknowledged",
    ]
    assert events[-2:] == ["Status change", "Status update sent"]
    times = [r[2:10] for r in rows]
    assert times == sorted(times)
    assert "| Time to acknowledge | 2m 00s |" in md  # alert 14:00, ack 14:02
    assert "| Time to mitigate | 21m 00s |" in md  # no alert seen clearing: monitoring 14:21
    assert "| Time to resolve | 30m 00s |" in md
    assert "| Status updates sent / due | 2 / 1 (every 15m 00s at P1) |" in md
    assert "**This was a drill.**" in md
    assert "Tech lead: bob@bastion-2; Scribe: carol" in md
    assert "| alert on pool saturation | — | bob | 2026-03-21 | — | Open |" in md
    assert "| db-connections › Show connections | alice@bastion-1 | — | ok (0) in 0.3 s |" in md
    assert "$ psql -c 'select count(*) from pg_stat_activity'" in md
