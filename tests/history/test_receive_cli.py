"""`warroom receive` as a process: listens where told, writes the history file the console's
`--store` implies, refuses a bad --listen in one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.servers.ports import free_port, wait_for_port
from warroom.domain.errors import StoreError
from warroom.stores.history import history_path
from warroom.stores.history_sqlite import SqliteHistoryStore

ROOT = Path(__file__).resolve().parents[2]


def test_history_path_follows_the_store(tmp_path: Path) -> None:
    assert history_path("", tmp_path) == tmp_path / "history.db"
    assert history_path(str(tmp_path / "inc.db")) == tmp_path / "inc.history.db"
    assert history_path(f"sqlite://{tmp_path}/x.db") == tmp_path / "x.history.db"
    assert history_path("postgresql://u@127.0.0.1/db") is None
    with pytest.raises(StoreError):
        history_path("mysql://x")


async def test_receive_process_writes_the_store_history(tmp_path: Path) -> None:
    port = free_port()
    store = tmp_path / "incidents.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "warroom",
            "receive",
            "--listen",
            f"127.0.0.1:{port}",
            "--store",
            str(store),
        ],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, timeout_s=20)
        body = {
            "version": "4",
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"alertname": "DBDown", "service": "db"},
                    "startsAt": "2026-12-01T02:00:00Z",
                    "fingerprint": "f00d",
                }
            ],
        }
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/",
            json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 200
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert f"listening on http://127.0.0.1:{port}/" in err.decode()
    history = SqliteHistoryStore(tmp_path / "incidents.history.db")
    await history.open()
    try:
        events = await history.events(datetime(2026, 12, 1, tzinfo=UTC) - timedelta(days=1))
    finally:
        await history.close()
    assert [(e.fingerprint, e.kind.value) for e in events] == [("f00d", "fired")]


def test_bad_listen_is_one_line() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "warroom", "receive", "--listen", "127.0.0.1:99999"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "--listen" in done.stderr
