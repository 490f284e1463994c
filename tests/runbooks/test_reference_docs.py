"""The two real-world runbooks in ../shared/reference parse completely."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.domain.runbook_parser import parse_runbook, parse_runbook_full
from warroom.domain.runbooks import StepKind
from warroom.services.runbook_library import load_library

SCHEDULER = "task-scheduler-incident-response.md"
COORDINATOR = "coordinator-crisis-procedures.md"

NAMED = {
    SCHEDULER: {
        "TaskSchedulerAPIDown",
        "TaskSchedulerDatabaseDown",
        "NoActiveWorkers",
        "SecurityBreach",
        "DataCorruption",
        "HighErrorRate",
        "HighAPILatency",
        "DatabaseSlowQueries",
        "SchedulerOffline",
        "WorkerHealthDegraded",
        "DiskSpaceCritical",
        "MemoryUsageCritical",
    },
    COORDINATOR: {
        "CoordinatorDown",
        "HighErrorRate",
        "HighErrorRateCritical",
        "HighLatencyP95",
        "HighLatencyP95Critical",
        "HighAuthFailureRate",
        "RateLimitExceeded",
        "SuspiciousActivity",
        "InjectionAttempts",
        "RegistrationFailures",
        "RoutingFailures",
    },
}


def _fences(text: str) -> list[tuple[int, int]]:
    """(first content line, closing fence line), 1-based, found without markdown-it."""
    blocks, start = [], None
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith("```"):
            if start is None:
                start = n + 1
            else:
                blocks.append((start, n))
                start = None
    return blocks


@pytest.mark.parametrize("name", [SCHEDULER, COORDINATOR])
def test_every_named_alert_is_found(reference_dir: Path, name: str) -> None:
    result = parse_runbook_full((reference_dir / name).read_text(), name)
    assert set(result.named_alerts) == NAMED[name]
    assert result.runbook.errors == []


@pytest.mark.parametrize("name", [SCHEDULER, COORDINATOR])
def test_every_code_block_is_accounted_for(reference_dir: Path, name: str) -> None:
    text = (reference_dir / name).read_text()
    runbook = parse_runbook(text, name)
    steps = [s for sec in runbook.sections for s in sec.steps]
    blocks = _fences(text)
    assert len(blocks) >= 12
    for first, last in blocks:
        inside = [s for s in steps if first <= s.line < last]
        assert inside, f"block at line {first - 1} yielded no step"
    # and every step points at a line inside some block
    for s in steps:
        assert any(first <= s.line < last for first, last in blocks), s


def test_scheduler_sections_and_steps(reference_dir: Path) -> None:
    runbook = parse_runbook((reference_dir / SCHEDULER).read_text(), SCHEDULER)
    by_alert = {a: s for s in runbook.sections for a in s.alerts}
    api = by_alert["TaskSchedulerAPIDown"]
    assert api.title == "API Service Down (TaskSchedulerAPIDown)"
    first = api.steps[0]
    assert first.phase == "Diagnosis" and first.line == 71
    restart = next(s for s in api.steps if "restart api" in s.command)
    assert restart.phase == "Resolution" and restart.risk.value == "write"
    python = next(s for s in api.steps if s.command.startswith("docker exec api python -c"))
    assert python.command.endswith('asyncio.run(test_db())\n"') and python.line == 93
    rollback = next(s for s in api.steps if s.command.startswith("if "))
    assert rollback.command.rstrip().endswith("fi") and rollback.line == 107
    workers = by_alert["NoActiveWorkers"]
    assert any(
        s.command == "docker-compose -f ops/docker-compose.yml up -d --scale worker=4"
        for s in workers.steps
    )
    templates = next(s for s in runbook.sections if s.title == "P0 Critical Incident Notification")
    assert [s.kind for s in templates.steps] == [StepKind.TEXT]


def test_coordinator_sections(reference_dir: Path) -> None:
    runbook = parse_runbook((reference_dir / COORDINATOR).read_text(), COORDINATOR)
    titles = {s.title: s for s in runbook.sections}
    assert titles["CoordinatorDown"].alerts == ["CoordinatorDown"]
    assert titles["HighErrorRate"].alerts == ["HighErrorRate", "HighErrorRateCritical"]
    assert titles["Security Violations"].alerts == [
        "HighAuthFailureRate",
        "RateLimitExceeded",
        "SuspiciousActivity",
        "InjectionAttempts",
    ]
    assert titles["Schema Change Failures"].alerts == ["RegistrationFailures"]
    down = titles["CoordinatorDown"].steps
    assert down[1].command == "Get-Process -Name node" and down[1].alternative_of == 0
    assert down[-1].phase == "Verify"
    # PromQL pasted into bash blocks and "# Query: ..." comments become promql steps
    sec = titles["Security Violations"]
    assert [s.command for s in sec.steps if s.kind is StepKind.PROMQL] == [
        "rate(auth_failures_total[5m])",
        "rate(rate_limit_violations_total[5m])",
    ]
    assert titles["HighErrorRate"].steps[0].kind is StepKind.PROMQL
    assert "Runbooks for Common Incidents" not in titles["CoordinatorDown"].body
    assert "**Symptoms:**" in titles["CoordinatorDown"].body
    assert "```" not in titles["CoordinatorDown"].body


def test_library_lookup_by_name_and_runbook_url(reference_dir: Path) -> None:
    library = load_library([reference_dir])
    found = library.section_for("HighLatencyP95Critical")
    assert found is not None and found[1].title == "HighLatencyP95"
    url = f"https://git.example/ops/blob/main/docs/{COORDINATOR}#schema-change-failures"
    found = library.section_for("SomethingElse", {"runbook_url": url})
    assert found is not None and found[1].alerts == ["RegistrationFailures"]
    assert library.section_for("NoSuchAlert") is None
