"""`warroom incidents` and `warroom postmortem export`, run as real processes on a real store."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.incident.fixtures import fixed_entries
from warroom.stores.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[2]


def warroom(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warroom", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "incidents.db"

    async def fill() -> None:
        store = SqliteStore(path)
        await store.open()
        for entry in fixed_entries():
            await store.append(entry)
        await store.close()

    asyncio.run(fill())
    return path


def test_list_and_json(db: Path) -> None:
    out = warroom("incidents", "list", "--store", str(db))
    assert out.returncode == 0, out.stderr
    assert "INC-20260314-1400-abcd  P1  resolved" in out.stdout
    data = json.loads(warroom("incidents", "list", "--json", "--store", str(db)).stdout)
    assert data[0]["id"] == "INC-20260314-1400-abcd" and data[0]["entries"] == 19


def test_show_by_prefix_redacts(db: Path) -> None:
    out = warroom("incidents", "show", "INC-20260314", env={"WARROOM_STORE": str(db)})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("INC-20260314-1400-abcd  P1  resolved")
    assert len([line for line in lines if line.startswith("2026-03-14")]) == 19
    assert "[logged 14:13:00]" in out.stdout and "(corrected)" in out.stdout


def test_export_newest_to_file(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "pm.md"
    out = warroom("postmortem", "export", "-o", str(target), "--store", str(db))
    assert out.returncode == 0, out.stderr
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Post-mortem: Checkout API 5xx \\| payments\n")
    assert "hunter2" not in text
    stdout = warroom("postmortem", "export", "INC-20260314-1400-abcd", "--store", str(db))
    assert stdout.stdout.split("## Summary")[1] == text.split("## Summary")[1]


def test_errors_are_one_line_exit_2(db: Path, tmp_path: Path) -> None:
    for args in (
        ("incidents", "show", "NOPE", "--store", str(db)),
        ("postmortem", "export", "--store", str(tmp_path / "empty.db")),
        ("incidents", "list", "--store", "mysql://x"),
        ("postmortem", "export", "-o", str(tmp_path / "no" / "dir" / "x.md"), "--store", str(db)),
    ):
        out = warroom(*args)
        assert out.returncode == 2, (args, out.stderr)
        assert out.stderr.startswith("warroom: ") and out.stderr.count("\n") == 1, out.stderr
