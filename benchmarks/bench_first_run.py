"""First run: a clean clone to the drill screen, as a newcomer meets warroom.

`git clone` of this checkout into a temporary folder, then `make drill` in a real pty with an
empty pip cache (so every wheel comes from the package registry, as on a fresh machine), timed
from the spawn of `make` until the war room's drill banner is on screen. The peer is a plain
`pip install` of the same package into a fresh venv with an empty cache, measured in the same
run: the part of the time no console could save.

Run alone: `python -m benchmarks.bench_first_run` (needs the registry pip is configured for).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.pty_harness import PtyApp, terminal_env

ROOT = Path(__file__).resolve().parent.parent
MARKER = "DRILL"
TARGET_S = 30.0

Row = dict[str, object]


def _row(name: str, value: float | None, unit: str, target: str = "", notes: str = "") -> Row:
    return {"name": name, "value": value, "unit": unit, "target": target, "notes": notes}


def _env(cache: Path) -> dict[str, str]:
    env = terminal_env()
    env["PIP_CACHE_DIR"] = str(cache)  # empty: nothing installed earlier is reused
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    return env


def _clone(into: Path) -> Path:
    checkout = into / "warroom"
    subprocess.run(
        ["git", "clone", "-q", str(ROOT), str(checkout)], check=True, capture_output=True
    )
    return checkout


def clone_to_drill(timeout_s: float = 300.0) -> float:
    """Seconds from `make drill` in a fresh clone (empty pip cache) to the drill on screen."""
    with tempfile.TemporaryDirectory(prefix="wr-first-") as tmp:
        base = Path(tmp)
        checkout = _clone(base)
        cache = base / "pip-cache"
        cache.mkdir()
        with PtyApp(["make", "drill"], env=_env(cache), cwd=checkout) as app:
            return app.first_frame_seconds(MARKER, timeout_s)


def plain_install() -> float:
    """Seconds for `python -m venv` + `pip install .` of the same clone with an empty cache."""
    with tempfile.TemporaryDirectory(prefix="wr-pip-") as tmp:
        base = Path(tmp)
        checkout = _clone(base)
        cache = base / "pip-cache"
        cache.mkdir()
        env = _env(cache)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "venv", str(base / "venv")], check=True, env=env)
        subprocess.run(
            [
                str(base / "venv/bin/python"),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                str(checkout),
            ],
            check=True,
            env=env,
            capture_output=True,
        )
        return time.perf_counter() - start


def run() -> list[Row]:
    runs = int(os.environ.get("BENCH_FIRST_RUN_RUNS", "2"))
    if shutil.which("make") is None or shutil.which("git") is None:
        return [
            _row(
                "first run: clean clone to drill screen",
                None,
                "s",
                f"<= {TARGET_S:.0f} s",
                "failed: make or git is missing",
            )
        ]
    drills: list[float] = []
    installs: list[float] = []
    for _ in range(runs):  # interleaved, so a slow minute of the registry hits both
        drills.append(clone_to_drill())
        installs.append(plain_install())
    drill, install = statistics.median(drills), statistics.median(installs)
    shown = ", ".join(f"{d:.1f}" for d in drills)
    return [
        _row(
            "first run: clean clone to drill screen (make drill, empty pip cache)",
            round(drill, 1),
            "s",
            f"<= {TARGET_S:.0f} s",
            f"median of {runs}: {shown} s; git clone + venv + pip install -e . + compile + start,"
            " every wheel from the registry",
        ),
        _row(
            "first run: plain pip install of the package, empty cache (peer)",
            round(install, 1),
            "s",
            "",
            f"median of {runs}: " + ", ".join(f"{i:.1f}" for i in installs) + " s",
        ),
        _row(
            "first run: make drill time / plain install time",
            round(drill / install, 2),
            "x",
            "",
            "what the console adds on top of installing it: compile and start-up",
        ),
    ]


if __name__ == "__main__":
    for r in run():
        print(r)
