"""kill -9 at a random moment loses nothing that was reported (i.e. shown) as written."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from warroom.stores.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[2]


def _run_and_kill(db: Path, stop_after: int) -> list[str]:
    """Start the writer, read ids until `stop_after` were reported plus a random extra delay
    worth of lines, then SIGKILL it mid-write. Returns every id it reported."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.incident.crash_writer", str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    reported: list[str] = []
    try:
        while len(reported) < stop_after:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"writer died early: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            reported.append(line.decode().strip())
        proc.send_signal(signal.SIGKILL)
        # whatever it managed to report before dying counts too
        rest, _ = proc.communicate(timeout=30)
        reported += [line for line in rest.decode().splitlines() if line.strip()]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # a torn last line (killed mid-write) is not a reported id
    return [r for r in reported if len(r) == 36]


def test_kill_9_loses_no_reported_entry(tmp_path: Path) -> None:
    db = tmp_path / "incidents.db"
    rng = random.Random()
    all_reported: list[str] = []
    for _round in range(3):  # the second and third runs resume the same incident
        all_reported += _run_and_kill(db, rng.randint(5, 300))

    async def stored_ids() -> tuple[set[str], int]:
        store = SqliteStore(db)
        await store.open()
        try:
            incident_id = await store.open_incident_id()
            assert incident_id is not None
            entries = await store.entries(incident_id)
            return {e.id for e in entries}, len(entries)
        finally:
            await store.close()

    ids, count = asyncio.run(stored_ids())
    missing = [r for r in all_reported if r not in ids]
    assert not missing, f"{len(missing)} reported entries lost, e.g. {missing[:3]}"
    assert count == len(ids)  # no duplicates
    assert len(all_reported) >= 15
