"""The real `warroom drill` command in a real terminal (tmux), read back from the screen."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

WARROOM = Path(sys.executable).parent / "warroom"


class Tmux:
    def __init__(self, tmp: Path) -> None:
        self.sock = f"warroom-test-{uuid.uuid4().hex[:8]}"
        self.tmp = tmp

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.sock, "-f", "/dev/null", *args],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def start(self, command: list[str], width: int = 160, height: int = 48) -> None:
        env = [
            "env", "-u", "COLUMNS", "-u", "LINES", "TERM=xterm-256color", "COLORTERM=truecolor", "TZ=UTC",
            f"HOME={self.tmp}", f"XDG_DATA_HOME={self.tmp / 'data'}", f"XDG_CONFIG_HOME={self.tmp / 'config'}",
        ]  # fmt: skip
        self.run(
            "new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), *env, *command
        )
        self.run("set-option", "-t", "t", "remain-on-exit", "on")

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "t")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "t", *keys)

    def wait_for(self, predicate, timeout_s: float = 15.0) -> str:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout_s
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"screen never matched within {timeout_s} s:\n{text}")

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True, check=False)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    assert shutil.which("tmux"), "tmux is required (make servers installs it)"
    t = Tmux(tmp_path)
    yield t
    t.kill()


def test_drill_in_tmux_shows_the_war_room(tmux: Tmux) -> None:
    tmux.start([str(WARROOM), "drill", "--scenario", "service-down", "--seed", "3"])
    started = time.monotonic()
    screen = tmux.wait_for(lambda s: "DRILL" in s and "CRIT" in s and "Error rate" in s)
    assert time.monotonic() - started < 15
    for text in (
        "Firing alerts",
        "ServiceDown",
        "Golden signals",
        "Error rate",
        "p95 latency",
        "Connections",
        "Queue depth",
        "Runbook",
        "Incident log",
        "FIRED",
    ):
        assert text in screen, text
    # the runbook section for the selected alert, with steps
    screen = tmux.wait_for(lambda s: "docker" in s or "kubectl" in s or "curl" in s)
    tmux.keys("?")
    screen = tmux.wait_for(lambda s: "remap" in s)
    assert "warroom.silence" in screen
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "remap" not in s)
    tmux.keys("q")
    screen = tmux.wait_for(lambda s: "time to acknowledge" in s.lower())


def test_drill_list_and_bad_scenario() -> None:
    out = subprocess.run(
        [str(WARROOM), "drill", "--list"], capture_output=True, text=True, check=True
    ).stdout
    for name in ("service-down", "error-rate", "slow-queries", "db-connections", "queue-backlog"):
        assert name in out
    bad = subprocess.run(
        [str(WARROOM), "drill", "--scenario", "nope"], capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "nope" in bad.stderr and "Traceback" not in bad.stderr
