"""`warroom postmortem export` formats and overwrite refusal, `warroom followups`, and the
incident clock in `incidents list|show`, run in-process on a real SQLite store."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest

from tests.incident import realistic as r
from warroom.cli import main
from warroom.domain.incident import EntryKind, Incident, IncidentSeverity, declare, new_entry
from warroom.domain.milestones import incident_times
from warroom.export.csv_export import COLUMNS
from warroom.export.json_export import schema
from warroom.stores.sqlite import SqliteStore

RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _fill(path: Path, *incidents: list) -> None:  # type: ignore[type-arg]
    async def fill() -> None:
        store = SqliteStore(path)
        await store.open()
        for entries in incidents:
            for entry in entries:
                await store.append(entry)
        await store.close()

    asyncio.run(fill())


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("WARROOM_CONFIG", str(config))
    path = tmp_path / "incidents.db"
    later = declare(
        title="Hostile \x1b]0;TITLE\x07 [/x]",
        severity=IncidentSeverity.P3,
        author="eve\x1b[2J",
        now=r.at(24 * 60),
        incident_id="INC-20260315-1400-beef",
    )
    items = [
        new_entry(
            later.incident_id,
            EntryKind.ACTION_ITEM,
            "x",
            author="eve",
            now=r.at(24 * 60 + 1),
            data={
                "action": "page the db team \x9b31m",
                "owner": "",
                "due": "2099-01-01",
                "status": "Open",
            },
        ),
        new_entry(
            later.incident_id,
            EntryKind.ACTION_ITEM,
            "y",
            author="eve",
            now=r.at(24 * 60 + 2),
            data={"action": "already done", "owner": "z", "due": "2020-01-01", "status": "Done"},
        ),
    ]
    _fill(path, r.entries(), [later, *items])
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_export_formats_and_no_silent_overwrite(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "pm.json"
    code, _, err = run(
        capsys,
        "postmortem",
        "export",
        r.IID,
        "--format",
        "json",
        "-o",
        str(target),
        "--store",
        str(db),
    )
    assert code == 0, err
    data = json.loads(target.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema(), format_checker=jsonschema.FormatChecker())
    assert data["incident"]["id"] == r.IID
    target.write_text("keep me", encoding="utf-8")
    code, _, err = run(capsys, "postmortem", "export", r.IID, "-o", str(target), "--store", str(db))
    assert code == 2 and "exists" in err and "--force" in err and err.count("\n") == 1
    assert target.read_text(encoding="utf-8") == "keep me"
    code, _, err = run(
        capsys, "postmortem", "export", r.IID, "-o", str(target), "--force", "--store", str(db)
    )
    assert code == 0 and target.read_text(encoding="utf-8").startswith("# Post-mortem: ")
    code, out, _ = run(capsys, "postmortem", "export", r.IID, "--format", "csv", "--store", str(db))
    rows = list(csv.reader(io.StringIO(out)))
    assert tuple(rows[0]) == COLUMNS and rows[1][0] == "canary deploys for api"


def test_followups_overdue_first_and_json(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "followups", "--json", "--store", str(db))
    assert code == 0
    rows = json.loads(out)
    assert [(x["action"], x["overdue"]) for x in rows] == [
        ("canary deploys for api", True),
        ("page the db team \\x9b31m", False),
    ]
    assert (
        rows[0]["type"] == "prevent" and rows[0]["ticket"] == "OPS-12" and rows[0]["owner"] == "bob"
    )
    code, out, _ = run(capsys, "followups", "--store", str(db))
    lines = out.splitlines()
    assert (
        lines[0].startswith("OVERDUE  2020-01-31  bob") and "[INC-20260314-1400-abcd]" in lines[0]
    )
    assert "(no owner)" in lines[1] and not RAW_CONTROL.search(out)


def test_list_and_show_print_the_incident_clock_and_no_raw_control_byte(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = incident_times(Incident.from_entries(r.entries()))
    code, out, _ = run(capsys, "incidents", "list", "--json", "--store", str(db))
    listed = {x["id"]: x for x in json.loads(out)}[r.IID]
    assert (
        listed["time_to_acknowledge_s"],
        listed["time_to_mitigate_s"],
        listed["time_to_resolve_s"],
    ) == (expected.to_acknowledge, expected.to_mitigate, expected.to_resolve)
    code, out, _ = run(capsys, "incidents", "list", "--store", str(db))
    assert "TTA 10m 00s  TTM 30m 00s  TTR 38m 00s" in out
    assert not RAW_CONTROL.search(out) and "␛]0;TITLE␇" in out
    code, out, _ = run(capsys, "incidents", "show", "INC-20260315", "--store", str(db))
    assert code == 0 and not RAW_CONTROL.search(out) and "eve␛[2J" in out
    code, out, _ = run(capsys, "incidents", "show", r.IID, "--store", str(db))
    assert "acknowledge 10m 00s, mitigate 30m 00s, resolve 38m 00s" in out
    code, out, _ = run(capsys, "postmortem", "export", "INC-20260315", "--store", str(db))
    assert not RAW_CONTROL.search(out)


def test_correcting_a_milestone_from_the_shell(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at = (r.at(-6)).isoformat()
    code, out, err = run(
        capsys,
        "incidents",
        "correct",
        r.IID,
        "acknowledged",
        at,
        "--reason",
        "paged",
        "--user",
        "bob",
        "--store",
        str(db),
    )
    assert code == 0, err
    assert out.startswith("Acknowledged: 2026-03-14 13:54:00Z (was 2026-03-14 14:02:00Z); paged")
    code, out, _ = run(capsys, "incidents", "list", "--json", "--store", str(db))
    listed = {x["id"]: x for x in json.loads(out)}[r.IID]
    assert listed["time_to_acknowledge_s"] == timedelta(minutes=2).total_seconds()
    code, _, err = run(capsys, "incidents", "correct", r.IID, "lunch", at, "--store", str(db))
    assert code == 2 and "no milestone 'lunch'" in err and err.count("\n") == 1


def test_an_unreachable_prometheus_costs_one_line_per_signal(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.servers.ports import free_port

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    code, out, err = run(
        capsys, "postmortem", "export", "INC-20260315", "--prometheus", url, "--store", str(db)
    )
    assert code == 0 and out.startswith("# Post-mortem: ")
    lines = err.splitlines()
    assert lines and all(line.startswith("warroom: signal not read: ") for line in lines), err
    assert "Traceback" not in err
