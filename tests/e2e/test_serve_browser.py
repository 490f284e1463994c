"""`warroom serve` in a real browser: textual-serve publishing a drill, opened in headless
Chromium. The page shows the drill's banner, alerts and signals (read from the terminal
xterm.js draws in the page), and what is typed into the page changes nothing in the store: the
console there is a viewer, and says so.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.browser import Browser
from warroom.cli.serve import NO_AUTH_WARNING


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    return {
        **env,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "TZ": "UTC",
    }


def _serve(tmp: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "warroom", "serve", *args],
        cwd=tmp,
        env=_env(tmp),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A drill served on a free loopback port, with an incident store of the test's own."""
    port = _free_port()
    store = tmp_path / "incidents.db"
    proc = _serve(tmp_path, "--drill", "--seed", "1", "--port", str(port), "--store", str(store))
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "warroom serve never answered"
            time.sleep(0.2)
        yield url, store
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


PRESENCE = "consoles"  # who is watching: a viewer's own heartbeat, rewritten every few seconds


def _rows(store: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table in the incident store (nothing when it was never created),
    but the presence table: a watching console says it is there, and that is all it writes."""
    if not store.exists():
        return {}
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        listed = db.execute("select name from sqlite_master where type='table'")
        tables = [r[0] for r in listed if r[0] != PRESENCE]
        return {t: sorted(map(tuple, db.execute(f'select * from "{t}"'))) for t in tables}


async def test_the_served_drill_shows_in_a_browser_and_keys_change_nothing(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    url, store = served
    browser = Browser(tmp_path / "chromium")
    try:
        await browser.start()
        await browser.open(url)
        texts = ("DRILL", "simulated incident", "HighErrorRate", "Golden signals", "Error rate")
        screen = await browser.wait_for(lambda s: all(t in s for t in texts), 60)
        assert "VIEWER" in screen.upper()  # the header says what this console is
        deadline = time.monotonic() + 20  # the store is opened by a worker, after the frame
        while not (before := _rows(store)):
            assert time.monotonic() < deadline, "the served console never opened its store"
            time.sleep(0.2)
        # an ack, a silence, declare, a note, a status update, a step: each a write, refused
        for keys, what in (
            (["a"], "Ack"),
            (["s"], "Silence"),
            (["d", "ctrl+s"], "Declare"),
            (["n"], "Note"),
            (["u", "enter", "ctrl+s"], "Update"),
            (["enter", "enter"], "Run a step"),  # to the runbook, then run its step
        ):
            for key in keys:
                await browser.press(key)
            await browser.wait_for(lambda s, what=what: f"{what} is a change" in s, 20)
        time.sleep(1.0)  # anything a key had set off has had time to be written
        assert _rows(store) == before
        assert "INVESTIGATING" not in await browser.screen()  # no incident was declared
        shot = await browser.screenshot()
        assert shot.startswith(b"\x89PNG") and len(shot) > 10_000
        (tmp_path / "page.png").write_bytes(shot)
    finally:
        await browser.close()


def test_serve_refuses_a_remote_address_without_allow_remote(tmp_path: Path) -> None:
    proc = _serve(tmp_path, "--host", "0.0.0.0", "--port", str(_free_port()))
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.decode().count("\n") == 1 and "--allow-remote" in err.decode()


def test_serve_on_a_remote_address_warns_there_is_no_authentication(tmp_path: Path) -> None:
    """192.0.2.1 (TEST-NET-1) is no address of this host: warned, then refused in one line."""
    port = _free_port()
    proc = _serve(tmp_path, "--host", "192.0.2.1", "--port", str(port), "--allow-remote")
    _out, err = proc.communicate(timeout=30)
    lines = err.decode().splitlines()
    assert lines[0] == NO_AUTH_WARNING.format(where=f"192.0.2.1:{port}")
    assert len(lines) == 2 and lines[1].startswith(f"warroom: cannot listen on 192.0.2.1:{port}")
    assert proc.returncode == 2


def test_serve_says_where_it_listens_never_the_command(tmp_path: Path) -> None:
    """The command each session runs carries the flags, and a store DSN may hold a password."""
    port = _free_port()
    dsn = "postgresql://ic:s3cret-pw@127.0.0.1:1/incidents"
    proc = subprocess.Popen(
        [sys.executable, "-m", "warroom", "serve", "--port", str(port), "--store", dsn],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        said = proc.stdout.readline().decode()
        assert said.strip().endswith(f"on http://127.0.0.1:{port} (ctrl+c stops)")
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=15)
    assert b"s3cret" not in said.encode() + out + err


def test_each_session_runs_a_viewer_with_the_flags_given() -> None:
    from warroom.cli import build_parser
    from warroom.cli.serve import console_command

    def command(*argv: str) -> list[str]:
        return console_command(build_parser().parse_args(["serve", *argv]))

    live = command("--alertmanager", "http://127.0.0.1:9093", "--alertmanager", "http://b:9093")
    assert live[:3] == [sys.executable, "-m", "warroom"] and "drill" not in live
    assert live[3:] == [
        "--alertmanager", "http://127.0.0.1:9093", "--alertmanager", "http://b:9093",
        "--theme", "warroom-high-contrast", "--viewer",
    ]  # fmt: skip
    drill = command("--drill", "--seed", "4", "--theme", "warroom-light", "--store", "x.db")
    assert drill[3:] == [
        "drill", "--seed", "4", "--store", "x.db", "--theme", "warroom-light", "--viewer",
    ]  # fmt: skip
