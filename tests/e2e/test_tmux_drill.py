"""The real `warroom drill` command in a real terminal (tmux), read back from the screen."""

from __future__ import annotations

import re
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

    def start(
        self, command: list[str], width: int = 160, height: int = 48, term: tuple[str, ...] = ()
    ) -> None:
        env = [
            "env", "-u", "COLUMNS", "-u", "LINES", "TZ=UTC",
            *(term or ("TERM=xterm-256color", "COLORTERM=truecolor")),
            f"HOME={self.tmp}", f"XDG_DATA_HOME={self.tmp / 'data'}", f"XDG_CONFIG_HOME={self.tmp / 'config'}",
        ]  # fmt: skip
        self.run(
            "new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), *env, *command
        )
        self.run("set-option", "-t", "t", "remain-on-exit", "on")

    def screen(self, escapes: bool = False) -> str:
        return self.run("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "t")

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
    texts = ("DRILL", "CRIT", "Firing alerts", "ServiceDown", "Golden signals", "Error rate",
             "p95 latency", "Connections", "Queue depth", "Runbook", "Incident log", "FIRED")  # fmt: skip
    tmux.wait_for(lambda s: all(t in s for t in texts))  # how fast is benchmarks' business
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


def test_sixteen_colours_small_terminal_and_no_color(tmux: Tmux) -> None:
    """TERM=screen (16 colours) at 80x24: regions become tabs; NO_COLOR: no colour at all."""
    tmux.start([str(WARROOM), "drill", "--seed", "1"], width=80, height=24, term=("TERM=screen",))
    screen = tmux.wait_for(lambda s: "DRILL" in s and "WARN" in s and "Golden signals" in s)
    assert "1 Firing alerts" in screen and "tab: next" in screen  # the compact tab bar
    assert all(len(line) <= 80 for line in screen.splitlines())
    colours = tmux.screen(escapes=True)
    assert (
        "38;2;" not in colours and "48;2;" not in colours
    )  # no truecolor sent to a 16-colour TERM
    tmux.kill()


def test_no_color_is_honoured(tmp_path: Path) -> None:
    tmux = Tmux(tmp_path)
    try:
        tmux.start(
            [str(WARROOM), "drill", "--seed", "1"], term=("TERM=xterm-256color", "NO_COLOR=1")
        )
        tmux.wait_for(lambda s: "DRILL" in s and "WARN" in s)
        colours = tmux.screen(escapes=True)
        # Textual's NO_COLOR filter leaves only shades of grey (tmux sends them as 256-colour
        # greys: the 232-255 ramp or the cube's greys 16, 59, 102, 145, 188, 231)
        greys = {16, 59, 102, 145, 188, 231, *range(232, 256)}
        indexed = [int(n) for n in re.findall(r"[34]8;5;(\d+)", colours)]
        rgb = re.findall(r"[34]8;2;(\d+);(\d+);(\d+)", colours)
        assert indexed or rgb
        assert all(n in greys for n in indexed), sorted(set(indexed) - greys)
        assert all(r == g == b for r, g, b in rgb)
    finally:
        tmux.kill()
