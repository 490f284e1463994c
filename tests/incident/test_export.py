"""The incident clock and the post-mortem writers (Markdown, JSON, CSV), status updates.

Incidents here are built by the console's own producers (`tests/incident/realistic.py`);
the golden post-mortem comes from a driven drill (`tests/ui/test_drill_to_postmortem.py`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest

from tests.incident import realistic as r
from warroom.domain.incident import EntryKind, Incident, IncidentSeverity, declare, new_entry
from warroom.domain.milestones import Milestone, correct_milestone, incident_clock, incident_times
from warroom.domain.redaction import MASK, redact
from warroom.domain.signals import DEFAULT_SIGNALS, Sample, Series
from warroom.export.csv_export import COLUMNS, write_csv
from warroom.export.json_export import schema, write_json
from warroom.export.model import build_postmortem
from warroom.export.postmortem import render_postmortem, write_markdown
from warroom.export.status_updates import KINDS, render_status_update, suggested_kind

RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def lint(markdown: str, tmp_path: Path) -> str:
    """pymarkdown with GitHub tables on; only table rows may be as long as their content."""
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


_GANTT_TASK = re.compile(
    r"^ {4}(?P<name>[^:#;%\n]+?) :(?:(?P<tags>(?:(?:crit|active|done|milestone), )*))"
    r"(?P<id>[A-Za-z][\w-]*), (?P<start>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d), "
    r"(?P<end>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|\d+(?:ms|[smhdwMy]))$"
)


def parse_gantt(markdown: str) -> list[dict[str, str]]:
    """Check a mermaid gantt block against the grammar (the subset mermaid's gantt parser
    accepts: header statements, sections, tasks with tags, an id, a start and an end or a
    duration, no `:` `#` `;` in names) and return its tasks; raises on any other line."""
    block = markdown.split("```mermaid\n", 1)[1].split("\n```", 1)[0].splitlines()
    assert block[0] == "gantt", block[0]
    ids: set[str] = set()
    tasks = []
    for line in block[1:]:
        if re.fullmatch(
            r" {4}(title [^\n#;:]+|dateFormat YYYY-MM-DD HH:mm:ss|axisFormat %H:%M)", line
        ):
            continue
        if re.fullmatch(r" {4}section [^\n#:;]+", line):
            continue
        m = _GANTT_TASK.fullmatch(line)
        assert m, f"not mermaid gantt syntax: {line!r}"
        assert m["id"] not in ids, f"duplicate task id {m['id']}"
        ids.add(m["id"])
        if len(m["end"]) == 19:  # an end time, not a duration
            assert m["end"] >= m["start"], line
        tasks.append(m.groupdict())
    return tasks


NOW = r.at(90)


def test_milestones_come_from_the_log() -> None:
    clock = incident_clock(r.incident())
    at = {m: t.at for m, t in clock.milestones.items()}
    assert at[Milestone.IMPACT_STARTED] == r.at(-8)  # the first related alert's startsAt
    assert at[Milestone.DETECTED] == r.at(-5)  # when the console saw it
    assert at[Milestone.DECLARED] == r.T0
    assert at[Milestone.ACKNOWLEDGED] == r.at(2)
    assert at[Milestone.FIX_APPLIED] == r.at(15)  # the rollback, not the restart before it
    assert at[Milestone.MITIGATED] == r.at(22)  # the last related alert cleared
    assert at[Milestone.RESOLVED] == r.at(30)
    t = incident_times(r.incident())
    assert (t.to_detect, t.to_acknowledge, t.to_mitigate, t.to_resolve) == (180, 600, 1800, 2280)


def test_a_fix_decision_and_a_backdated_impact_note_win() -> None:
    entries = r.entries()
    entries.append(
        new_entry(r.IID, EntryKind.DECISION, "fix: feature flag off", author=r.IC, now=r.at(13))
    )
    entries.append(
        new_entry(
            r.IID,
            EntryKind.NOTE,
            "impact: first complaints",
            author=r.TL,
            now=r.at(8),
            at=r.at(-20),
        )
    )
    clock = incident_clock(Incident.from_entries(entries))
    assert clock.at(Milestone.FIX_APPLIED) == r.at(13)
    assert clock.at(Milestone.IMPACT_STARTED) == r.at(-20)
    assert clock.times().to_acknowledge == 22 * 60


def test_without_alerts_the_signals_say_when_service_was_restored() -> None:
    entries = [
        e for e in r.entries() if e.kind not in (EntryKind.ALERT_FIRED, EntryKind.ALERT_RESOLVED)
    ]
    clock = incident_clock(Incident.from_entries(entries))
    assert clock.at(Milestone.MITIGATED) == r.at(19)  # the first minute back under 5 %
    assert clock.at(Milestone.IMPACT_STARTED) == r.T0  # no alert: the declaration


def test_corrections_move_a_milestone_and_keep_its_history() -> None:
    incident = r.incident()
    fix = correct_milestone(
        incident, Milestone.ACKNOWLEDGED, r.at(-4), reason="paged by phone", author=r.TL, now=NOW
    )
    incident.apply(fix)
    again = correct_milestone(
        incident,
        Milestone.ACKNOWLEDGED,
        r.at(-3),
        reason="",
        author=r.IC,
        now=NOW + timedelta(minutes=1),
    )
    incident.apply(again)
    clock = incident_clock(incident)
    ack = clock.milestones[Milestone.ACKNOWLEDGED]
    assert ack.at == r.at(-3) and ack.corrected
    assert [h[0] for h in ack.history] == [r.at(2), r.at(-4)]
    assert clock.times().to_acknowledge == 5 * 60
    text = render_postmortem(incident, now=NOW)
    assert "| Acknowledged | 13:57:00 | corrected by alice@bastion-1" in text
    assert "was 14:02:00 (acknowledged by alice@bastion-1), 13:56:00" in text


def test_markdown_has_every_section_and_passes_the_linter(tmp_path: Path) -> None:
    text = render_postmortem(r.incident(), now=NOW)
    headings = [line for line in text.splitlines() if line.startswith("#")]
    for heading in (
        "## Summary", "## Impact", "## Trigger and detection", "## Resolution", "## Timeline",
        "## Key metrics", "## Signals during the incident", "## Incident chart",
        "## Communications", "## Commands run", "## What did not help",
        "## Root cause and contributing factors", "## Lessons", "### What went well",
        "### What went wrong", "### Where we got lucky", "## Action items",
    ):  # fmt: skip
        assert heading in headings, heading
    assert "- **Status:** draft" in text
    assert "- **Authors:** alice@bastion-1, bob@bastion-2" in text
    assert "| Time to detect | 3m 00s |" in text
    assert "| Time to acknowledge | 10m 00s |" in text
    assert "| Time to mitigate | 30m 00s |" in text
    assert "| Time to resolve | 38m 00s |" in text
    assert "| 14:15:00 | **Fix applied** · Runbook step run |" in text
    assert "| 14:22:00 | **Service restored** · Alert resolved |" in text
    assert "Fix applied at 14:15:00 UTC: ran \\`kubectl rollout undo" in text
    assert lint(text, tmp_path) == ""


def test_commands_run_hold_step_exit_status_and_folded_output() -> None:
    text = render_postmortem(r.incident(), now=NOW)
    commands = text.split("## Commands run")[1].split("## What did not help")[0]
    assert (
        "| 14:15:00 | Mitigate › kubectl rollout undo deployment/api -n prod | bob@bastion-2 "
        "| destructive | ok (0) in 2.5 s |" in commands  # a rollback is confirmed by name
    )
    fold = commands.split("<summary>14:15:00")[1].split("</details>")[0]
    lines = fold.splitlines()
    assert "$ kubectl rollout undo deployment/api -n prod" in lines
    assert "line 1: KeyError 'currency'" in lines and "line 10: KeyError 'currency'" in lines
    assert "line 15: KeyError 'currency'" not in lines  # the middle is folded away
    assert "line 30: KeyError 'currency'" in lines and "… (10 lines not shown)" in lines


def test_what_did_not_help_is_the_decoy_judged_by_the_recorded_series() -> None:
    text = render_postmortem(r.incident(), now=NOW)
    section = text.split("## What did not help")[1].split("## Root cause")[0]
    assert "14:10:00 Mitigate › kubectl rollout restart" in section
    assert "rollout undo" not in section and "rollout history" not in section
    without = render_postmortem(r.incident(series=False), now=NOW)
    assert "rollout restart" not in without.split("## What did not help")[1].split("## Root")[0]


def test_signals_of_the_window_and_a_sparkline_scaled_to_critical() -> None:
    pm = build_postmortem(r.incident(), now=NOW)
    (s,) = pm.signals
    assert (s.minimum, s.at_declare, s.peak, s.at_resolve) == (0.4, 14.0, 28.5, 0.4)
    assert pm.window == (r.at(-23), r.at(45))
    healthy = Series(DEFAULT_SIGNALS[0])
    for i in range(30):
        healthy.add(Sample(r.at(i), 0.4 + (i % 3) * 0.01))
    flat = build_postmortem(r.incident(series=False), now=NOW, signals={"Error rate": healthy})
    assert set(flat.signals[0].sparkline) == {"▁"}  # 0.4 % of a 10 % critical is low


def test_gantt_parses_and_charts_alerts_and_milestones() -> None:
    tasks = parse_gantt(render_postmortem(r.incident(), now=NOW))
    alerts = [t for t in tasks if "milestone" not in (t["tags"] or "")]
    assert [(t["name"], t["start"], t["end"]) for t in alerts] == [
        ("HighErrorRate", "2026-03-14 13:52:00", "2026-03-14 14:22:00"),
        ("HighErrorRateCritical", "2026-03-14 14:03:00", "2026-03-14 14:20:00"),
    ]
    assert "crit" in (alerts[1]["tags"] or "")
    names = [t["name"] for t in tasks if "milestone" in (t["tags"] or "")]
    assert names == [m.label for m in Milestone]


def test_json_validates_against_the_shipped_schema() -> None:
    data = json.loads(write_json(build_postmortem(r.incident(), now=NOW)))
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.validate(data, schema(), format_checker=jsonschema.FormatChecker())
    assert data["schema_version"] == "1.0"
    assert data["metrics"]["time_to_acknowledge_s"] == 600
    assert [c["helped"] for c in data["commands"]] == [None, False, True]
    broken = {**data, "metrics": {**data["metrics"], "time_to_resolve_s": "soon"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema())


def test_csv_has_the_jira_columns_and_no_formula() -> None:
    entries = r.entries()
    entries.append(
        new_entry(
            r.IID,
            EntryKind.ACTION_ITEM,
            "x",
            author=r.IC,
            now=r.at(31),
            data={"action": '=HYPERLINK("http://evil")', "owner": "", "due": "", "status": "Open"},
        )
    )
    rows = list(
        csv.reader(
            io.StringIO(write_csv(build_postmortem(Incident.from_entries(entries), now=NOW)))
        )
    )
    assert tuple(rows[0]) == COLUMNS
    assert rows[1][0] == "canary deploys for api" and rows[1][2:4] == ["bob", "2020-01-31"]
    assert rows[1][4] == "postmortem INC-20260314-1400-abcd prevent"
    assert "Ticket: OPS-12" in rows[1][1]
    assert rows[2][0].startswith("'=")


def test_hostile_text_is_inert_redacted_and_cannot_break_tables(tmp_path: Path) -> None:
    first = declare(
        title="Pipes | and *stars* <html> `ticks` \x1b]52;c;Y2FuYXJ5\x07 [/x]",
        severity=IncidentSeverity.P0,
        author="eve_|_x\x1b[2J",
        now=r.T0,
        services=["a|b"],
        impact="line one\nline two | three\n\n# not a heading\n- not a list\n===",
    )
    nasty = [
        "col | col | col",
        "multi\nline\r\nnote with [link](http://x) and \x9b31m C1 and \u202e bidi",
        "see https://grafana.example.test/d/abc?from=1&to=2 now",
        "```\ncode fence\n```",
        "token=sk_live_abcdef1234567890 and the store pass open-sesame-42",
        "a very long note " * 30,
    ]
    entries = [first]
    for i, text in enumerate(nasty):
        entries.append(
            new_entry(first.incident_id, EntryKind.NOTE, text, author="x", now=r.at(i + 1))
        )
    entries.append(r.step(20, "grep -E 'a|b' x | wc -l ````", r.Risk.WRITE, "out\x1b[31m red\n```"))
    incident = Incident.from_entries([*entries])
    texts = [
        render_postmortem(incident, now=r.at(60), secrets=["open-sesame-42"]),
        write_json(build_postmortem(incident, now=r.at(60), secrets=["open-sesame-42"])),
        write_csv(build_postmortem(incident, now=r.at(60), secrets=["open-sesame-42"])),
    ]
    for text in texts:
        assert not RAW_CONTROL.search(text.replace("\r\n", "\n"))
        assert "open-sesame-42" not in text and "sk_live_abcdef1234567890" not in text
    markdown = texts[0]
    assert lint(markdown, tmp_path) == ""
    assert "␛\\]52;c;Y2FuYXJ5␇" in markdown  # visible, then escaped for Markdown
    for line in markdown.split("## Timeline")[1].split("## Key metrics")[0].splitlines():
        if line.startswith("| "):
            assert line.replace("\\|", "").count("|") == 5, line  # 4 columns: no cell split
    assert "<https://grafana.example.test/d/abc?from=1&to=2>" in markdown
    parse_gantt(markdown)


def test_empty_sections_are_prompts() -> None:
    first = declare(title="Quiet", severity=IncidentSeverity.P3, author="a", now=r.T0)
    text = render_postmortem(Incident.from_entries([first]), now=r.at(5))
    for heading in ("What went well", "What went wrong", "Where we got lucky", "Action items",
                    "Commands run", "Signals during the incident", "Communications"):  # fmt: skip
        section = text.split(f"#\u0020{heading}\n\n")[1]
        assert section.startswith("_"), heading


@pytest.mark.parametrize(
    ("raw", "hidden"),
    [
        ("curl -H 'Authorization: Bearer abc.DEF-123456' x", "abc.DEF-123456"),
        ("psql postgresql://bob:s3cr3t@db:5432/app", "s3cr3t"),
        ("password=hunter2 then", "hunter2"),
        ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_"),
    ],
)
def test_redact_hides_secrets(raw: str, hidden: str) -> None:
    out = redact(raw)
    assert hidden not in out and MASK in out


def test_status_updates_are_for_stakeholders() -> None:
    entries = r.entries()
    silence = new_entry(
        r.IID,
        EntryKind.SILENCE,
        "silence created: drill-silence-2 {alertname=X} until 22:12:02Z",
        author=r.IC,
        now=r.at(11),
        data={"silence_id": "drill-silence-2"},
    )
    during = Incident.from_entries([e for e in entries if e.at <= r.at(16)] + [silence])
    texts = {k: render_status_update(k, during, now=r.at(16)) for k in KINDS}
    upd = texts["update"]
    # the critical alert fired after the declaration: the title says so
    assert upd.startswith(
        "[P1] UPDATE (investigating): HighErrorRateCritical: checkout 5xx error rate above 10 %"
    )
    assert "- 14:12 Decided: roll back to v2.13.2" in upd
    assert "- 14:15 Applied a change from the runbook (Mitigate)" in upd
    for internal in ("silence", "alertname=", "drill-silence", "kubectl", "rollout history"):
        assert internal not in upd, internal
    series = Series(DEFAULT_SIGNALS[0])
    series.add(Sample(r.at(16), 16.25))
    can = render_status_update("can", during, now=r.at(16), signals={"Error rate": series})
    assert "  - Error rate: 16.2 % (warn 5.0 %, critical 10.0 %)" in can
    done = render_status_update("resolved", r.incident(), now=r.at(31))
    assert "Fixed by: Applied a change from the runbook (Mitigate) (at 14:15 UTC)" in done
    assert "Decision: roll back to v2.13.2" in done
    assert "Duration: 13:52 UTC to 14:30 UTC (38m 00s)" in done
    hostile = render_status_update("update", Incident.from_entries([*entries[:1]]), now=r.at(1))
    assert not RAW_CONTROL.search(hostile)
    with pytest.raises(ValueError):
        render_status_update("tweet", during, now=r.at(16))


def test_suggested_kind() -> None:
    entries = r.entries()
    assert suggested_kind(Incident.from_entries(entries[:3])) == "investigating"
    assert suggested_kind(Incident.from_entries(entries[:10])) == "update"
    assert suggested_kind(Incident.from_entries(entries)) == "resolved"


def test_the_model_is_deterministic() -> None:
    a = write_markdown(build_postmortem(r.incident(), now=NOW))
    b = write_markdown(build_postmortem(r.incident(), now=NOW))
    assert a == b and a.endswith("\n") and not a.endswith("\n\n")


def test_batched_redaction_equals_redacting_each_text() -> None:
    """A private-key block with no end would swallow the texts after it in one batch: the
    model must then redact each on its own, so every text reads as redacting it alone."""
    from warroom.domain.untrusted import inert

    first = declare(title="keys", severity=IncidentSeverity.P2, author="a", now=r.T0)
    texts = [
        "ok note",
        "-----BEGIN RSA PRIVATE KEY----- MIIEow... and no end",
        "password=hunter2",
        "plain again",
        "Authorization: Bearer abcdefgh12345678",
    ]
    entries = [first] + [
        new_entry(first.incident_id, EntryKind.NOTE, t, author="a", now=r.at(i + 1))
        for i, t in enumerate(texts)
    ]
    pm = build_postmortem(Incident.from_entries(entries), now=r.at(10), secrets=["hunter2"])
    got = [row.text for row in pm.timeline[1:]]
    assert got == [inert(redact(t, ["hunter2"])) for t in texts]
    assert got[0] == "ok note" and got[3] == "plain again"


def test_service_restored_by_a_resolve_says_resolved_not_monitoring() -> None:
    """Seen in a drill: straight from investigating to resolved, no alert cleared, no signals;
    the post-mortem said "Service restored (status set to monitoring)", which never happened."""
    entries = [
        e
        for e in r.entries()
        if e.kind not in (EntryKind.ALERT_FIRED, EntryKind.ALERT_RESOLVED, EntryKind.SERIES)
        and not (e.kind is EntryKind.STATUS and e.data.get("status") == "monitoring")
    ]
    clock = incident_clock(Incident.from_entries(entries))
    restored = clock.milestones[Milestone.MITIGATED]
    assert restored.source == "status set to resolved"
