"""Drive the real `warroom` in a pseudo-terminal the way a commander does, for the e2e tests."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from benchmarks.pty_harness import PtyApp, terminal_env

CTRL_S = b"\x13"


def console_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A plain terminal's environment with home, XDG dirs and TZ of the test's own."""
    return terminal_env(
        {
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "TZ": "UTC",
            **(extra or {}),
        }
    )


def warroom_argv(*args: str) -> list[str]:
    """`warroom ARGS` with this interpreter (so this worktree's code)."""
    return [sys.executable, "-m", "warroom", *args]


def wait(app: PtyApp, marker: str, since: int = 0, timeout: float = 20.0) -> None:
    app.wait_for_text(marker, timeout, since=since)


def declare(app: PtyApp) -> None:
    """d, then ctrl+s: declared with the selected alert's summary as the title."""
    mark = app.bytes_total
    app.write(b"d")
    wait(app, "Declare an incident", mark)
    app.write(CTRL_S)
    wait(app, "INVESTIGATING", mark)


def export_postmortem(app: PtyApp) -> None:
    """e, then enter: the post-mortem written to its default name in the working directory."""
    mark = app.bytes_total
    app.write(b"e")
    time.sleep(0.5)
    app.write(b"\r")
    wait(app, "post-mortem written", mark)


def quit_console(app: PtyApp) -> int:
    """q, then y (the incident stays open): the exit code."""
    app.write(b"q")
    time.sleep(0.5)
    app.write(b"y")
    assert app.proc is not None
    return app.proc.wait(20)


def cli(env: Mapping[str, str], *args: str) -> str:
    """stdout (and stderr) of a `warroom` subcommand that must succeed without a traceback."""
    done = subprocess.run(warroom_argv(*args), capture_output=True, env=dict(env), timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr
    return (done.stdout + done.stderr).decode("utf-8")
