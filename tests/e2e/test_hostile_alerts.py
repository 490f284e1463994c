"""Hostile alerts through the real console: nothing they carry reaches the terminal raw.

Alerts posted to a real Alertmanager (Prometheus beside it for the signals) carry every kind of
terminal escape in labels and annotations, each followed by a canary (`CNY07L`), plus Rich and
Textual markup (`[/x]`, `[bold]`, `[@click=...]`). The real `warroom` runs in a pseudo-terminal
(`benchmarks/pty_harness.py`); we walk every alert (the signals follow each one's hostile
service), acknowledge every one, declare, note, open the silences view, export and quit.
Textual's own escape sequences are allowed; the payload's are told apart by the canary right
after each: the raw control bytes followed by the canary must never appear in what the
terminal received, and C1 controls, bidi overrides, NUL and DEL never at all. Then
`warroom incidents show` and `warroom postmortem export` must print no raw control byte.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from benchmarks.pty_harness import KEY_DOWN, PtyApp
from tests.e2e.console import (
    cli,
    console_env,
    declare,
    export_postmortem,
    quit_console,
    wait,
    warroom_argv,
)
from tests.servers.prometheus import Alertmanager, MonitoringStack

pytestmark = pytest.mark.integration

ESC, ST, BEL = "\x1b", "\x1b\\", "\x07"
HOME = b"\x1b[H"  # the Home key (xterm)
# name -> (control bytes before the canary, what closes it after the canary)
ESCAPES: dict[str, tuple[str, str]] = {
    "osc52-clipboard": (f"{ESC}]52;c;", BEL),
    "osc52-st": (f"{ESC}]52;p;", ST),
    "osc0-title": (f"{ESC}]0;", BEL),
    "osc8-hyperlink": (f"{ESC}]8;;http://evil.example/", ST),
    "csi-clear": (f"{ESC}[2J", ""),
    "csi-home": (f"{ESC}[H", ""),
    "csi-cursor-move": (f"{ESC}[10;20H", ""),
    "csi-cursor-up": (f"{ESC}[5A", ""),
    "csi-erase-line": (f"{ESC}[2K", ""),
    "sgr-hidden-blink": (f"{ESC}[31;5;8m", f"{ESC}[0m"),
    "c1-csi-0x9b": ("\x9b2J", ""),
    "c1-osc-0x9d": ("\x9d0;", "\x9c"),
    "dcs": (f"{ESC}P1$r", ST),
    "apc": (f"{ESC}_", ST),
    "ris-reset": (f"{ESC}c", ""),
    "cr": ("\r", ""),
    "bs": ("\x08\x08\x08", ""),
    "del": ("\x7f", ""),
    "nul": ("\x00", ""),
    "bel": (BEL, ""),
    "bidi-override": ("\u202e", "\u202c"),
    "bidi-isolate": ("\u2066", "\u2069"),
}
MARKUP = "[/x] [bold]B[/bold] [/] [link=http://evil.example]l[/link] [@click=app.quit]q[/]"
FIELDS = {"L": "service", "I": "instance", "A": "summary", "D": "description"}
# Never written by Textual itself: any of these in the terminal's input came from an alert.
NEVER = re.compile("[\x00\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]")


def canary(index: int, field: str) -> str:
    return f"CNY{index:02d}{field}"


def payload(index: int, field: str) -> str:
    before, after = list(ESCAPES.values())[index]
    return f"{field.lower()}{index}-{before}{canary(index, field)}{after}"


def hostile_alerts() -> list[dict[str, Any]]:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return [
        {
            "labels": {
                "alertname": f"Hostile{i:02d}",
                "severity": "critical",
                "service": payload(i, "L"),
                "instance": payload(i, "I"),
                "markup": MARKUP,
            },
            "annotations": {
                "summary": f"{payload(i, 'A')} {MARKUP}",
                "description": payload(i, "D"),
                "runbook_url": "https://runbooks.example/[/x]",
            },
            "startsAt": now,
        }
        for i in range(len(ESCAPES))
    ]


def raw_leaks(output: bytes) -> list[str]:
    """Every payload whose raw control bytes reached the terminal (with its canary after)."""
    leaks = []
    for i, (name, (before, _)) in enumerate(ESCAPES.items()):
        for field in FIELDS:
            if f"{before}{canary(i, field)}".encode() in output:
                leaks.append(f"{name}/{FIELDS[field]}")
    # an OSC, DCS or APC string that holds a canary anywhere, however it was cut
    for m in re.finditer(
        rb"(?:\x1b[\]P_^X]|\xc2[\x90\x9d\x9e\x9f])[^\x07\x1b]{0,80}?CNY\d\d", output
    ):
        leaks.append(f"string sequence {m.group(0)[:24]!r}")
    return leaks


def control_bytes(text: str) -> list[str]:
    """Raw control characters in CLI output (tab and newline are fine)."""
    return sorted({repr(c) for c in text if (ord(c) < 0x20 and c not in "\t\n") or NEVER.match(c)})


def _new_ack(app: PtyApp, since: int, acked: set[str], timeout: float = 10.0) -> str:
    """The alert the console says it just acknowledged (one not acknowledged before)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = set(re.findall(r"(?i)acknowledged (Hostile\d\d)", app.output_text(since))) - acked
        if found:
            return found.pop()
        time.sleep(0.1)
    raise AssertionError(
        f"no new acknowledgement; acked {sorted(acked)}: {app.output_text()[-800:]}"
    )


def test_hostile_alerts_are_shown_acked_declared_logged_and_exported_inert(
    stack: MonitoringStack, alertmanager: Alertmanager, tmp_path: Path
) -> None:
    alertmanager.post_alerts(hostile_alerts())
    store = tmp_path / "incidents.db"
    env = console_env(tmp_path)
    argv = warroom_argv(
        "--alertmanager", alertmanager.url, "--prometheus", stack.prom.url,
        "--store", str(store), "--user", "tester", "--refresh", "1",
    )  # fmt: skip
    count = len(ESCAPES)
    with PtyApp(argv, env=env, cwd=tmp_path) as app:
        app.wait_for_text(f"Firing alerts ({count})", 40)
        for _ in range(count):  # the signals follow each hostile service once the cursor rests
            app.write(KEY_DOWN)
            time.sleep(0.4)
        acked: set[str] = set()
        half = count // 2
        _ack_first_firing(app, acked, half, count - half)  # half before the incident exists
        declare(app)  # with the selected alert's hostile summary as the title
        _ack_first_firing(app, acked, count - half, 0)  # the rest into the incident's log

        mark = app.bytes_total
        app.write(b"n")
        time.sleep(0.5)
        app.write(f"note {MARKUP} done".encode() + b"\r")
        wait(app, "done", mark)

        mark = app.bytes_total
        app.write(b"x")  # the silences view: the acks' matchers hold the hostile labels
        wait(app, "Active silences", mark, timeout=40)
        time.sleep(1)
        app.write(b"\x1b")
        time.sleep(1)

        export_postmortem(app)
        code = quit_console(app)
        output = app.raw_output()
        visible = app.output_text()

    assert code == 0, visible[-2000:]
    assert "Traceback" not in visible
    for name in ("Hostile00", f"Hostile{count - 1:02d}"):
        assert name in visible
    problems: list[str] = []
    leaks = raw_leaks(output)
    if leaks:
        problems.append(f"terminal: {len(leaks)} raw escapes reached it: {leaks[:30]}")
    never = sorted({repr(c) for c in output.decode("utf-8", "replace") if NEVER.match(c)})
    if never:
        problems.append(f"terminal: control characters Textual never writes: {never}")

    exported = list(tmp_path.glob("postmortem-*.md"))
    assert len(exported) == 1
    incident_id = exported[0].stem.removeprefix("postmortem-")
    surfaces = {"export from the console": exported[0].read_text(encoding="utf-8")}
    surfaces.update(_cli_outputs(store, env, incident_id))
    for surface, text in surfaces.items():
        unescaped = text.replace("\\[", "[").replace("\\]", "]")  # Markdown may escape them
        assert "[/x]" in unescaped, surface  # the alert text is there, markup as written
        if found := control_bytes(text):
            problems.append(f"{surface}: raw control characters {found}")
    for surface in ("export from the console", "postmortem export", "incidents show"):
        shown = [canary(i, "L") in surfaces[surface] for i in range(count)]
        assert all(shown), (surface, shown)  # every ack names its hostile service, made visible
    assert not problems, "\n".join(problems)


def _ack_first_firing(app: PtyApp, acked: set[str], n: int, left_after: int) -> None:
    """Acknowledge the first firing alert `n` times (each moves to the silenced group)."""
    for k in range(n):
        mark = app.bytes_total
        app.write(HOME)
        time.sleep(0.2)
        app.write(b"a")
        acked.add(_new_ack(app, mark, acked))
        wait(app, f"Firing alerts ({left_after + n - k - 1})", mark)


def _cli_outputs(store: Path, env: dict[str, str], incident_id: str) -> dict[str, str]:
    """stdout of `incidents show ID`, `incidents list` and `postmortem export`."""
    commands = (["incidents", "show", incident_id], ["incidents", "list"], ["postmortem", "export"])
    return {" ".join(a[:2]): cli(env, *a, "--store", str(store)) for a in commands}
