"""Remedy memory from drill incidents run the way the console runs them: the db-connections
scenario's world on an injected clock, its alerts polled by the console's AlertPoller and
logged as services.alert_events makes them, steps run by the drill executor and logged as
services.steps.step_entry makes them, into IncidentLog on a real SQLite store. The scenario's
decoy (terminating idle sessions) clears the alert for a minute and it relapses: no credit."""

from __future__ import annotations

from pathlib import Path

from tests.drill.conftest import START, rendered
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import Incident
from warroom.domain.remedy_memory import AlertIdentity, remember
from warroom.domain.runbooks import StepKind
from warroom.drill import DrillWorld, load_scenario
from warroom.drill.sources import DrillAlertSource, DrillExecutor
from warroom.services.alert_events import alert_events
from warroom.services.incident_log import IncidentLog
from warroom.services.polling import AlertPoller
from warroom.services.steps import step_entry
from warroom.stores.sqlite import SqliteStore

RESTART = (StepKind.SHELL, "docker compose -f ops/docker-compose.yml restart worker")
ROLLOUT = (StepKind.SHELL, "kubectl rollout restart deployment/worker -n prod")
DECOY = (
    StepKind.SQL,
    "SELECT count(pg_terminate_backend(pid)) AS terminated FROM pg_stat_activity"
    " WHERE state = 'idle' AND application_name = 'worker'",
)
NAME = "DatabaseConnectionsHigh"


class Drill:
    """One drill incident: world, poller and log on one frozen clock."""

    def __init__(self, store: SqliteStore, clock: FrozenClock, seed: int) -> None:
        self.clock = clock
        self.world = DrillWorld(load_scenario("db-connections"), seed=seed, clock=clock)
        self.poller = AlertPoller([DrillAlertSource(self.world)], clock)
        self.log = IncidentLog(store, clock, "alice")

    async def poll(self) -> list[str]:
        snapshot = await self.poller.poll()
        for event in alert_events(snapshot.fired, snapshot.resolved):
            await self.log.record(event.kind, event.text, event.data)
        return [a.name for a in snapshot.alerts]

    async def run(self, step: tuple[StepKind, str]) -> None:
        plan = rendered(*step)
        result = await DrillExecutor(self.world).execute(plan, lambda line: None, 30.0)
        incident = self.log.incident.id if self.log.incident else ""
        entry = step_entry(incident, plan, result, author="alice", now=self.clock.now())
        await self.log.record(entry.kind, entry.text, dict(entry.data))

    async def wait(self, firing: bool, limit_s: float = 900) -> None:
        waited = 0.0
        while (NAME in await self.poll()) != firing:
            assert waited < limit_s, f"{NAME} {'never fired' if firing else 'never resolved'}"
            self.clock.advance(10)
            waited += 10


async def test_drill_incidents_rank_the_real_fix(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "incidents.db")
    await store.open()
    clock = FrozenClock(START)
    try:
        for day, plan in enumerate([[RESTART], [RESTART], [RESTART], [DECOY, ROLLOUT]]):
            clock.advance(86_400)
            drill = Drill(store, clock, seed=day)
            await drill.wait(firing=True)
            await drill.log.declare(
                "Connections exhausted", "P2", services=["postgres"], drill=True
            )
            for step in plan:
                clock.advance(60)
                await drill.run(step)
                await drill.wait(firing=False)
                if step is DECOY:
                    await drill.wait(firing=True)  # it relapses
            clock.advance(900)
            await drill.poll()
            await drill.log.resolve("connections back to normal")
        incidents = [
            Incident.from_entries(await store.entries(s.id)) for s in await store.incidents()
        ]
    finally:
        await store.close()
    memory = remember(incidents, AlertIdentity(NAME, {"service": "postgres"}))
    got = [(s.fixed, s.tried, s.label.split(" · ")[-1][:30]) for s in memory.ranked]
    assert got == [
        (3, 3, "docker compose -f ops/docker-c"),
        (1, 1, "kubectl rollout restart deploy"),
    ]
    assert (memory.firings, memory.recovered_alone) == (4, 0)
    decoy = remember(incidents, AlertIdentity(NAME), limit=10)
    assert all("pg_terminate_backend" not in s.label for s in decoy.ranked)
