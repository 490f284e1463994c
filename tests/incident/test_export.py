"""Post-mortem Markdown (golden, linted, escaped, redacted), status updates and redaction."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.incident.fixtures import EXPORT_NOW, FIXED_SIGNALS, T0, fixed_entries, fixed_incident
from warroom.domain.incident import EntryKind, Incident, IncidentSeverity, declare, new_entry
from warroom.domain.redaction import MASK, redact
from warroom.domain.signals import DEFAULT_SIGNALS, Sample, Series
from warroom.export.postmortem import render_postmortem
from warroom.export.status_updates import KINDS, render_status_update, suggested_kind

GOLDEN = Path(__file__).parent / "golden" / "postmortem.md"


def lint(markdown: str, tmp_path: Path) -> str:
    """pymarkdown with GitHub tables on; table rows may be as long as their content."""
    path = tmp_path / "pm.md"
    path.write_text(markdown, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable, "-m", "pymarkdown",
            "--enable-extensions", "markdown-tables",
            "--set", "plugins.md013.table_line_length=$#100000",
            "scan", str(path),
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return result.stdout + result.stderr


def test_golden_postmortem() -> None:
    text = render_postmortem(fixed_incident(), signals=FIXED_SIGNALS, now=EXPORT_NOW)
    if os.environ.get("WARROOM_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_golden_postmortem_passes_the_linter(tmp_path: Path) -> None:
    assert lint(GOLDEN.read_text(encoding="utf-8"), tmp_path) == ""


def test_postmortem_holds_every_entry_in_order_with_metrics() -> None:
    incident = fixed_incident()
    text = render_postmortem(incident, now=EXPORT_NOW)
    timeline = text.split("## Timeline")[1].split("## Key metrics")[0]
    rows = [r for r in timeline.splitlines() if r.startswith("| ") and r[2].isdigit()]
    assert len(rows) == len(incident.entries) == 19
    times = [r.split(" | ")[0].removeprefix("| ")[:8] for r in rows]
    assert times == sorted(times)
    assert "| Time to acknowledge | 3m 00s |" in text  # alert 13:58, ack 14:01
    assert "| Time to mitigate | 22m 00s |" in text
    assert "| Time to resolve | 43m 00s |" in text
    assert "| Status updates sent / due | 1 / 2 (every 15m 00s at P1) |" in text
    assert "| 14:02:00 (logged 14:13:00) | Note |" in text
    assert "(corrected below)" in text and "Corrects 14:02:00:" in text


def test_hostile_text_cannot_break_tables_or_the_linter(tmp_path: Path) -> None:
    first = declare(
        title="Pipes | and *stars* and <html> and `ticks`",
        severity=IncidentSeverity.P0,
        author="eve_|_x",
        now=T0,
        services=["a|b"],
        impact="line one\nline two | three\n\n# not a heading",
    )
    nasty = [
        "col | col | col",
        "multi\nline\r\nnote with [link](http://x) and _under_scores_",
        "see https://grafana.example.test/d/abc?from=1&to=2 now",
        "```\ncode fence\n```",
        "- not a list\n1. nor this",
        "trailing backslash \\",
        "a very long note " * 30,
    ]
    entries = [first]
    for i, text in enumerate(nasty):
        entries.append(
            new_entry(
                first.incident_id,
                EntryKind.NOTE,
                text,
                author="x",
                now=T0 + timedelta(minutes=i + 1),
            )
        )
    entries.append(
        new_entry(
            first.incident_id,
            EntryKind.STEP_RUN,
            "ran",
            author="x",
            now=T0 + timedelta(minutes=20),
            data={"command": "grep -E 'a|b' x | wc -l `date`", "exit_code": 2},
        )
    )
    entries.append(
        new_entry(
            first.incident_id,
            EntryKind.ACTION_ITEM,
            "x",
            author="x",
            now=T0 + timedelta(minutes=21),
            data={"action": "fix | this", "owner": "o|o", "due": "", "status": "Open"},
        )
    )
    incident = Incident.from_entries(entries)
    series = Series(DEFAULT_SIGNALS[0])
    for i, v in enumerate([1.0, 5.0, float("nan"), 12.0]):
        series.add(Sample(T0 + timedelta(seconds=30 * i), v))
    text = render_postmortem(
        incident,
        signals={"Error rate": series, "Empty": [], "Samples": [Sample(T0, 3.0)]},
        now=T0 + timedelta(hours=1),
    )
    assert lint(text, tmp_path) == ""
    for line in text.splitlines():
        if line.startswith("| "):
            pipes = line.replace("\\|", "").count("|")
            assert pipes in (3, 5, 6), line  # 2, 4 or 5 columns: a cell never splits
    assert "<https://grafana.example.test/d/abc?from=1&to=2>" in text
    assert "| 12.0 % |" in text  # a Series keeps its unit
    assert "not resolved at the time of export" in text


def test_postmortem_redacts_secrets() -> None:
    text = render_postmortem(fixed_incident(), now=EXPORT_NOW, secrets=["bastion-2"])
    assert "hunter2" not in text
    assert "sk_live_abcdef1234567890" not in text
    assert "bastion-2" not in text
    assert "postgresql://app:[REDACTED]@db/app" in text.replace("\\[", "[").replace("\\]", "]")


def test_empty_sections_are_prompts() -> None:
    first = declare(title="Quiet", severity=IncidentSeverity.P3, author="a", now=T0)
    text = render_postmortem(Incident.from_entries([first]), now=T0 + timedelta(minutes=5))
    for heading in ("Root cause", "Contributing factors", "What went well",
                    "What could be improved", "Action items", "Lessons learned",
                    "Commands run", "Golden signals"):  # fmt: skip
        section = text.split(f"## {heading}\n\n")[1]
        assert section.startswith("_"), heading


@pytest.mark.parametrize(
    ("raw", "hidden"),
    [
        ("curl -H 'Authorization: Bearer abc.DEF-123456' x", "abc.DEF-123456"),
        ("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig12345", "eyJhbGci"),
        ("psql postgresql://bob:s3cr3t@db:5432/app", "s3cr3t"),
        ("password=hunter2 then", "hunter2"),
        ('{"api_key": "zz-top-99"}', "zz-top-99"),
        ("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        ("aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
        ("session 0123456789abcdef0123456789abcdef", "0123456789abcdef"),
        ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_"),
        ("mysql --password Sup3rSecret", "Sup3rSecret"),
    ],
)
def test_redact_hides_secrets(raw: str, hidden: str) -> None:
    out = redact(raw)
    assert hidden not in out and MASK in out


@pytest.mark.parametrize(
    "plain",
    [
        "Basic functionality restored",
        "author: alice",
        "restart api-gateway-deployment-in-namespace-production",
        "/var/lib/postgresql/15/main/pg_wal/000000010000000000000001",
        "entry 3f2a9c1e-1111-4444-8888-123456789abc",
        "error rate 31% at 14:02, p95 4.2s",
    ],
)
def test_redact_leaves_ordinary_text(plain: str) -> None:
    assert redact(plain) == plain


def test_redact_explicit_secrets() -> None:
    assert redact("the pass is open-sesame-42", ["open-sesame-42"]) == f"the pass is {MASK}"


def test_status_update_templates() -> None:
    incident = Incident.from_entries(fixed_entries()[:8])  # identified, one update not yet sent
    now = T0 + timedelta(minutes=9)
    texts = {kind: render_status_update(kind, incident, now=now) for kind in KINDS}
    inv = texts["investigating"]
    assert inv.startswith("[P1] INVESTIGATING: Checkout API 5xx | payments")
    assert "Impact: About 30% of checkout requests fail with 503" in inv
    assert "Services affected: checkout-api, payments-db" in inv
    assert "Incident commander: alice@bastion-1" in inv
    assert "Next update: by 14:24 UTC" in inv  # 14:09 + 15 min for a P1
    upd = texts["update"]
    assert upd.startswith("[P1] UPDATE (identified):")
    assert "- 14:08 Status: investigating → identified" in upd
    assert "hunter2" not in upd  # the step's command is not in the text, secrets never are
    res = texts["resolved"]
    assert res.startswith("[P1] RESOLVED:") and "Duration: 14:00 UTC to 14:09 UTC (9m 00s)" in res
    can = texts["can"]
    for part in ("Conditions:", "Actions:", "Needs:"):
        assert part in can
    assert "Alerts still firing: HighErrorRate" in can
    assert "A communications lead (role unassigned)" in can
    assert "tech lead" not in can.split("Needs:")[1]  # bob is tech lead
    with pytest.raises(ValueError):
        render_status_update("tweet", incident, now=now)


def test_suggested_kind() -> None:
    entries = fixed_entries()
    assert suggested_kind(Incident.from_entries(entries[:3])) == "investigating"
    assert suggested_kind(Incident.from_entries(entries[:10])) == "update"
    assert suggested_kind(Incident.from_entries(entries)) == "resolved"
