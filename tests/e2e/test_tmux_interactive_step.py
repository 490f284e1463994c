"""An interactive runbook step in the real console inside tmux: it suspends the console, runs
attached to the pane, and comes back with its exit status in the incident log.

A real Alertmanager holds the alert; the real `warroom` runs in a tmux pane (160x48). The
step is `less FILE && test -t 0 && exit 7`: `less` makes it interactive, the file's text on
the pane proves it has the terminal (the console stepped aside), `q` ends it, and exit 7
only happens when stdin really was the tty. The console must be back, the step in its log
with that status. Then `watch` on the next step: ctrl+c ends it and the console carries on.
`warroom incidents show` must say the same from the store.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.console import cli, console_env
from tests.e2e.test_tmux_drill import Tmux
from tests.servers.prometheus import Alertmanager

pytestmark = pytest.mark.integration

NOTES = "TTY-PROBE-NOTES: read me in less"


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    assert shutil.which("tmux"), "tmux is required (make servers installs it)"
    assert shutil.which("less"), "less is required for this test"
    t = Tmux(tmp_path)
    yield t
    t.kill()


def _runbook(folder: Path, notes: Path) -> None:
    folder.mkdir()
    (folder / "tty-probe.md").write_text(
        f"# TtyProbe\n\n## Diagnosis\n\nRead the notes:\n\n```bash\n"
        f"less {notes} && test -t 0 && exit 7\n```\n\nWatch it:\n\n"
        "```bash\nwatch -n 1 echo WATCHING-ON-THE-TTY\n```\n",
        encoding="utf-8",
    )


def test_interactive_step_suspends_runs_on_the_pane_and_logs_its_status(
    alertmanager: Alertmanager, tmux: Tmux, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text(NOTES + "\n", encoding="utf-8")
    runbooks = tmp_path / "runbooks"
    _runbook(runbooks, notes)
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    alertmanager.post_alerts(
        [
            {
                "labels": {"alertname": "TtyProbe", "severity": "critical", "service": "api"},
                "annotations": {"summary": "an interactive step to run"},
                "startsAt": now,
            }
        ]
    )
    store = tmp_path / "incidents.db"
    tmux.start(
        [
            sys.executable, "-m", "warroom", "--alertmanager", alertmanager.url,
            "--runbooks", str(runbooks), "--store", str(store), "--user", "tester",
            "--refresh", "1",
        ]
    )  # fmt: skip
    tmux.wait_for(lambda s: "TtyProbe" in s and "less" in s and "tty" in s, 40)
    tmux.keys("d")
    tmux.wait_for(lambda s: "Declare an incident" in s)
    tmux.keys("C-s")
    tmux.wait_for(lambda s: "INVESTIGATING" in s)
    time.sleep(0.5)  # the declare form gone, the alert list has the keys again
    tmux.keys("Enter")  # from the alert to its runbook
    time.sleep(0.5)
    tmux.keys("Enter")  # run the step (`less` only reads: no question; a write asks y/n)
    screen = tmux.wait_for(lambda s: "Run it?" in s or NOTES in s, 20)
    if "Run it?" in screen:
        tmux.keys("y")
    screen = tmux.wait_for(lambda s: NOTES in s, 20)  # less has the pane: the console stepped aside
    assert "Firing alerts" not in screen and "Incident log" not in screen
    tmux.keys("q")
    screen = tmux.wait_for(lambda s: "Incident log" in s and "exit 7" in s, 20)
    assert "Firing alerts" in screen and NOTES not in screen  # the console is back, whole
    # ctrl+c belongs to the interactive command: it ends `watch`, never the console
    tmux.keys("j")
    time.sleep(0.5)
    tmux.keys("Enter")
    screen = tmux.wait_for(lambda s: "Every 1" in s or "Run it?" in s, 20)
    if "Run it?" in screen:
        tmux.keys("y")
    tmux.wait_for(lambda s: "WATCHING-ON-THE-TTY" in s and "Every 1" in s, 20)
    tmux.keys("C-c")
    screen = tmux.wait_for(lambda s: "Incident log" in s and "ran `watch" in s, 20)
    assert tmux.run("display", "-p", "-t", "t", "#{pane_dead}").strip() == "0"
    tmux.keys("q")
    tmux.wait_for(lambda s: "Quit anyway?" in s, 20)
    tmux.keys("y")
    deadline = time.monotonic() + 20
    while tmux.run("display", "-p", "-t", "t", "#{pane_dead}").strip() != "1":
        assert time.monotonic() < deadline, "the console did not exit after quit"
        time.sleep(0.2)

    env = console_env(tmp_path)
    listed = json.loads(cli(env, "incidents", "list", "--json", "--store", str(store)))
    shown = cli(env, "incidents", "show", listed[0]["id"], "--store", str(store))
    assert re.search(r"ran `less .*notes\.txt && test -t 0 && exit 7` → exit 7 in \d", shown)
    assert "ran `watch -n 1 echo WATCHING-ON-THE-TTY` → exit" in shown
