"""`warroom runbooks check|render|lint`, and the project's own runbooks/ against the drill."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runbooks.conftest import REFERENCE, REPO, RUNBOOKS
from tests.runbooks.test_reference_docs import COORDINATOR, NAMED, SCHEDULER
from warroom.cli import main
from warroom.domain.placeholders import missing_values, render_step
from warroom.domain.runbooks import Risk, StepKind
from warroom.services.runbook_library import load_library

# relative, from the repo, as the issue writes it (`../shared/reference` beside a checkout)
REFERENCE_REL = os.path.relpath(REFERENCE, REPO)


def test_check_reference_lists_every_alert_and_exits_0() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "warroom", "runbooks", "check", REFERENCE_REL],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for alert in set().union(*NAMED.values()):
        assert alert in proc.stdout
    assert "§ CoordinatorDown (line 81)  [CoordinatorDown]" in proc.stdout
    assert (
        "shell  destructive Resolution: iptables -A INPUT -s <attacker-ip> -j DROP" in proc.stdout
    )


def test_check_json_shape(capsys: pytest.CaptureFixture[str], reference_dir: Path) -> None:
    assert main(["runbooks", "check", "--json", str(reference_dir)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {"runbooks", "errors"} and doc["errors"] == []
    # the two documents, and the public pages in the folder beside them
    public = sorted(p.name for p in (reference_dir / "public-runbooks").glob("*.md"))
    assert len(public) >= 9
    assert sorted(Path(rb["path"]).name for rb in doc["runbooks"]) == sorted(
        [COORDINATOR, SCHEDULER, *public]
    )
    for rb in doc["runbooks"]:
        assert isinstance(rb["path"], str) and isinstance(rb["title"], str)
        for sec in rb["sections"]:
            assert isinstance(sec["title"], str)
            assert all(isinstance(a, str) for a in sec["alerts"])
            for st in sec["steps"]:
                assert set(st) >= {
                    "kind",
                    "command",
                    "description",
                    "phase",
                    "placeholders",
                    "risk",
                    "alternative_of",
                    "line",
                }
                assert st["kind"] in {"shell", "sql", "promql", "http", "text"}
                assert st["risk"] in {"read", "write", "destructive"}
                assert st["description"] is None or isinstance(st["description"], str)
                assert st["phase"] is None or isinstance(st["phase"], str)
                assert all(isinstance(p, str) for p in st["placeholders"])
                assert st["alternative_of"] is None or isinstance(st["alternative_of"], int)
                assert isinstance(st["line"], int) and st["line"] >= 1
    coordinator = next(
        rb for rb in doc["runbooks"] if rb["path"].endswith("coordinator-crisis-procedures.md")
    )
    down = next(s for s in coordinator["sections"] if s["title"] == "CoordinatorDown")
    expected = {
        "kind": "shell",
        "command": "Get-Process -Name node",
        "description": None,
        "phase": "Diagnosis",
        "placeholders": [],
        "risk": "read",
        "alternative_of": 0,
        "line": 98,
    }
    assert {k: down["steps"][1][k] for k in expected} == expected
    assert down["steps"][1]["phase_path"] == [] and down["steps"][1]["interactive"] is False


def test_check_reports_errors_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("# Bad\n\n## X\n\n```bash\necho 'open\n```\n")
    assert main(["runbooks", "check", str(bad)]) == 1
    assert f"{bad}:6: command never ends" in capsys.readouterr().out
    assert main(["runbooks", "check", "--json", str(bad)]) == 1
    assert json.loads(capsys.readouterr().out)["errors"][0]["line"] == 6


def test_render_is_a_dry_run_with_quoting(
    capsys: pytest.CaptureFixture[str], reference_dir: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "x"
    code = main(
        [
            "runbooks",
            "render",
            str(reference_dir),
            "--alert",
            "RateLimitExceeded",
            "--value",
            f"attacker-ip=$(touch {marker})",
            "--step",
            "5",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and not marker.exists()
    assert f"iptables -A INPUT -s '$(touch {marker})' -j DROP" in out
    assert f"# to confirm, type: $(touch {marker})" in out
    assert main(["runbooks", "render", str(RUNBOOKS), "--alert", "HighLatencyP95"]) == 0
    assert (
        main(
            [
                "runbooks",
                "render",
                str(reference_dir),
                "--alert",
                "RateLimitExceeded",
                "--step",
                "5",
            ]
        )
        == 1
    )
    assert "needs a value for: attacker-ip" in capsys.readouterr().out


def test_lint_warns(capsys: pytest.CaptureFixture[str], reference_dir: Path) -> None:
    assert main(["runbooks", "lint", str(reference_dir)]) == 1
    out = capsys.readouterr().out
    assert "no alert label fills <attacker-ip>" in out
    assert "section 'Security Violations' has no verify step" in out
    assert "write step with no read step before it" in out


def test_project_runbooks_check_and_lint_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runbooks", "check", str(RUNBOOKS)]) == 0
    assert main(["runbooks", "lint", str(RUNBOOKS)]) == 0, capsys.readouterr().out


# the drill contract: alert, labels, the remedy command a step must render to
CONTRACT = [
    (
        "ServiceDown",
        {"severity": "critical", "service": "api", "job": "api", "instance": "api:8080"},
        "docker compose -f ops/docker-compose.yml restart api",
        "runbooks/api-service.md#servicedown",
    ),
    (
        "HighErrorRate",
        {"severity": "warning", "service": "api", "job": "api", "namespace": "prod"},
        "kubectl rollout undo deployment/api -n prod",
        "runbooks/api-service.md#higherrorrate",
    ),
    (
        "HighErrorRateCritical",
        {"severity": "critical", "service": "api", "job": "api", "namespace": "prod"},
        "kubectl rollout undo deployment/api -n prod",
        "runbooks/api-service.md#higherrorrate",
    ),
    (
        "HighLatencyP95",
        {"severity": "warning", "service": "api"},
        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE state = 'active' AND now() - "
        "query_start > interval '30 seconds'",
        "runbooks/api-service.md#highlatencyp95",
    ),
    (
        "HighLatencyP95Critical",
        {"severity": "critical", "service": "api"},
        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE state = 'active' AND now() - "
        "query_start > interval '30 seconds'",
        "runbooks/api-service.md#highlatencyp95",
    ),
    (
        "DatabaseConnectionsHigh",
        {"severity": "warning", "service": "postgres", "job": "postgres", "instance": "db:5432"},
        "docker compose -f ops/docker-compose.yml restart worker",
        "runbooks/database.md#databaseconnectionshigh",
    ),
    (
        "NoActiveWorkers",
        {"severity": "critical", "service": "worker", "job": "worker"},
        "docker compose -f ops/docker-compose.yml up -d --scale worker=4",
        "runbooks/workers-and-queues.md#noactiveworkers",
    ),
    (
        "QueueBacklog",
        {"severity": "warning", "service": "worker"},
        "docker compose -f ops/docker-compose.yml restart worker",
        "runbooks/workers-and-queues.md#queuebacklog",
    ),
]


@pytest.mark.parametrize(("alert", "labels", "remedy", "url"), CONTRACT)
def test_drill_contract(alert: str, labels: dict[str, str], remedy: str, url: str) -> None:
    library = load_library([RUNBOOKS])
    by_name = library.section_for(alert)
    by_url = library.section_for(alert, {"runbook_url": url})
    assert by_name is not None and by_url is not None and by_name[1] is by_url[1]
    section = by_name[1]
    rendered = [
        render_step(s, labels).command
        for s in section.steps
        if s.kind is not StepKind.TEXT and not missing_values(s, labels)
    ]
    assert remedy in rendered
    phases = {s.phase for s in section.steps}
    assert {"Diagnosis", "Mitigation", "Verify"} <= phases
    assert section.steps[0].risk is Risk.READ


def test_certificate_and_common_alerts_are_covered() -> None:
    library = load_library([RUNBOOKS])
    for alert in ["CertificateExpiringSoon", "CertificateExpiringCritical"]:
        assert library.section_for(alert) is not None
