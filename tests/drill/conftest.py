"""Drill fixtures: a frozen real clock that drives drill time, and worlds built on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from warroom.domain.clock import FrozenClock
from warroom.domain.ports import RenderedStep, StepResult
from warroom.domain.runbooks import Step, StepKind
from warroom.drill import DrillWorld, load_scenario
from warroom.drill.sources import DrillExecutor

START = datetime(2024, 5, 14, 10, 0, tzinfo=UTC)

# The shared drill/runbook contract: what each scenario fires, the rendered command of the
# right remedy, and a decoy (kind, command) that must not help.
CONTRACT: dict[str, dict[str, object]] = {
    "service-down": {
        "alerts": {"ServiceDown"},
        "labels": {"severity": "critical", "service": "api", "job": "api", "instance": "api:8080"},
        "fix": (StepKind.SHELL, "docker compose -f ops/docker-compose.yml restart api"),
        "decoy": None,
    },
    "error-rate": {
        "alerts": {"HighErrorRate", "HighErrorRateCritical"},
        "labels": {"service": "api", "job": "api", "namespace": "prod"},
        "fix": (StepKind.SHELL, "kubectl rollout undo deployment/api -n prod"),
        "decoy": (StepKind.SHELL, "docker compose -f ops/docker-compose.yml restart api"),
    },
    "slow-queries": {
        "alerts": {"HighLatencyP95", "HighLatencyP95Critical"},
        "labels": {"service": "api"},
        "fix": (
            StepKind.SQL,
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE state = 'active'"
            " AND now() - query_start > interval '30 seconds'",
        ),
        "decoy": (StepKind.SHELL, "docker compose -f ops/docker-compose.yml restart api"),
    },
    "db-connections": {
        "alerts": {"DatabaseConnectionsHigh"},
        "labels": {"service": "postgres", "job": "postgres", "instance": "db:5432"},
        "fix": (StepKind.SHELL, "docker compose -f ops/docker-compose.yml restart worker"),
        "decoy": (
            StepKind.SQL,
            "SELECT count(pg_terminate_backend(pid)) AS terminated FROM pg_stat_activity"
            " WHERE state = 'idle' AND application_name = 'worker'",
        ),
    },
    "queue-backlog": {
        "alerts": {"NoActiveWorkers", "QueueBacklog"},
        "labels": {"service": "worker"},
        "fix": (StepKind.SHELL, "docker compose -f ops/docker-compose.yml up -d --scale worker=4"),
        "decoy": (StepKind.SHELL, "docker compose -f ops/docker-compose.yml restart api"),
    },
}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


WorldFactory = Callable[..., DrillWorld]


@pytest.fixture
def make_world(clock: FrozenClock) -> WorldFactory:
    """Build a world on the shared frozen clock: `make_world("error-rate", seed=3)`."""

    def make(name: str, seed: int = 0, speed: float = 1.0) -> DrillWorld:
        return DrillWorld(load_scenario(name), seed=seed, speed=speed, clock=clock)

    return make


def rendered(kind: StepKind, command: str) -> RenderedStep:
    return RenderedStep(step=Step(kind=kind, command=command, line=1), command=command)


async def run_step(world: DrillWorld, kind: StepKind, command: str) -> tuple[StepResult, list[str]]:
    """Run one step through the drill executor, collecting what it prints."""
    lines: list[str] = []
    result = await DrillExecutor(world).execute(rendered(kind, command), lines.append, 30.0)
    return result, lines
