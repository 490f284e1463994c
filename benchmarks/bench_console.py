"""How fast the console starts, what it costs while idle, and how quickly it answers a key.

Everything is measured in a real pty (160x48, xterm-256color) next to baselines started the same
way in the same run: a minimal Textual app for startup, a naive four-panel app for idle cost and
key latency. The machine is small and noisy, so numbers are reported against targets, never
asserted. Knobs (environment): BENCH_IDLE_SECONDS (60), BENCH_WARMUP_SECONDS (5),
BENCH_FIRST_FRAME_RUNS (7), BENCH_KEY_PRESSES (50), BENCH_KEYS ("alternate" or "down"),
BENCH_WARROOM_MARKER ("DRILL").
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.apps import minimal, naive
from benchmarks.pty_harness import (
    KEY_DOWN,
    KEY_UP,
    IdleSample,
    PtyApp,
    describe_rows,
    python_argv,
    terminal_env,
)

Row = dict[str, Any]

FIRST_FRAME_TIMEOUT_S = 20.0


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    return float(raw) if raw.strip() else default


def _env_int(name: str, default: int) -> int:
    return int(_env_float(name, default))


def row(name: str, value: float | None, unit: str, target: str = "", notes: str = "") -> Row:
    return {"name": name, "value": value, "unit": unit, "target": target, "notes": notes}


def failed(name: str, unit: str, target: str, why: object) -> Row:
    """A row that says what could not be measured and why (the runner flags it)."""
    return row(name, None, unit, target, f"failed: {why}")


@dataclass(frozen=True, slots=True)
class Program:
    """A program to measure: how to start it and the text its first full frame shows."""

    label: str
    argv: list[str]
    marker: str
    env: dict[str, str]

    def start(self) -> PtyApp:
        return PtyApp(self.argv, env=self.env).start()


def warroom_argv(refresh_s: float | None = None) -> list[str]:
    """`warroom drill` through the installed entry point (as a user starts it), or
    `python -m warroom` when the script is missing; `--refresh` only if the command has it."""
    script = Path(sys.executable).with_name("warroom")
    base = [str(script)] if script.exists() else python_argv("warroom")
    argv = [*base, "drill"]
    if refresh_s is not None and _drill_has_refresh_flag(base):
        argv += ["--refresh", f"{refresh_s:g}"]
    return argv


def _drill_has_refresh_flag(base: Sequence[str]) -> bool:
    try:
        out = subprocess.run(
            [*base, "drill", "--help"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--refresh" in out.stdout


_sandbox: tempfile.TemporaryDirectory[str] | None = None


def sandbox_env() -> dict[str, str]:
    """XDG folders in one temp dir for the whole run: the benchmark neither reads the user's
    config (a theme or refresh there would change the numbers) nor writes into their incident
    store. Shared across runs, like a user who has started the console before."""
    global _sandbox
    if _sandbox is None:
        _sandbox = tempfile.TemporaryDirectory(prefix="warroom-bench-")
    home = Path(_sandbox.name)
    env = {}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        folder = home / var.lower()
        folder.mkdir(exist_ok=True)
        env[var] = str(folder)
    return env


def cleanup_sandbox() -> None:
    global _sandbox
    if _sandbox is not None:
        _sandbox.cleanup()
        _sandbox = None


def warroom(refresh_s: float | None = None, scenario: str | None = None) -> Program:
    extra = sandbox_env()
    if refresh_s is not None:
        extra["WARROOM_REFRESH_S"] = f"{refresh_s:g}"
    argv = warroom_argv(refresh_s)
    if scenario is not None:
        argv += ["--scenario", scenario]
    return Program(
        label="warroom drill",
        argv=argv,
        marker=os.environ.get("BENCH_WARROOM_MARKER", "DRILL"),
        env=terminal_env(extra),
    )


def minimal_app() -> Program:
    return Program(
        "minimal Textual app", python_argv(minimal.__name__), minimal.MARKER, terminal_env()
    )


def naive_app(refresh_s: float = 1.0) -> Program:
    argv = python_argv(naive.__name__, "--refresh", f"{refresh_s:g}")
    return Program("naive four-panel app", argv, naive.MARKER, terminal_env())


# -- 1. time to first frame -----------------------------------------------------------------
def first_frame(program: Program, timeout: float = FIRST_FRAME_TIMEOUT_S) -> float:
    """Seconds from spawn to the marker of the first full frame."""
    with program.start() as app:
        return app.first_frame_seconds(program.marker, timeout)


FULL_CONSOLE_MARKER = "WARN"  # the default drill's first alert row / level: data on screen


def console_frames(program: Program, timeout: float = FIRST_FRAME_TIMEOUT_S) -> tuple[float, float]:
    """Seconds to the first frame (the marker) and to the full console with data on screen."""
    with program.start() as app:
        first = app.first_frame_seconds(program.marker, timeout)
        full = app.wait_for_text(FULL_CONSOLE_MARKER, timeout) - app.spawned_at
        return first, full


def first_frame_rows(runs: int) -> list[Row]:
    """Interleaved runs (baseline, console, baseline, ...) so drift in machine load hits both."""
    base, console = minimal_app(), warroom()
    base_times: list[float] = []
    console_times: list[float] = []
    full_times: list[float] = []
    console_error: str | None = None
    # One unrecorded run each first: bytecode caches and the page cache warm up.
    first_frame(base)
    try:
        first_frame(console)
    except Exception as exc:
        console_error = str(exc)
    for _ in range(runs):
        base_times.append(first_frame(base))
        if console_error is None:
            try:
                first, full = console_frames(console)
                console_times.append(first)
                full_times.append(full)
            except Exception as exc:
                console_error = str(exc)
    base_median = statistics.median(base_times)
    rows = [
        row(
            "first frame: minimal Textual app (baseline)",
            round(base_median, 3),
            "s",
            notes=f"median of {runs}: {_list(base_times)}",
        )
    ]
    if console_error is not None or not console_times:
        rows.append(failed("first frame: warroom drill", "s", "", console_error))
        rows.append(
            failed("first frame ratio: warroom drill / minimal", "x", "≤ 1.5", "no console")
        )
        return rows
    console_median = statistics.median(console_times)
    rows.append(
        row(
            "first frame: warroom drill",
            round(console_median, 3),
            "s",
            notes=f"median of {runs}, marker {console.marker!r}: {_list(console_times)}",
        )
    )
    rows.append(
        row(
            "first frame ratio: warroom drill / minimal",
            round(console_median / base_median, 2),
            "x",
            "≤ 1.5",
            f"same run, same pty, interleaved; median of the {len(console_times)} paired "
            f"ratios: {statistics.median(c / b for c, b in zip(console_times, base_times, strict=False)):.2f}x",
        )
    )
    rows.append(
        row(
            "full console: warroom drill, alerts and signals on screen",
            round(statistics.median(full_times), 3),
            "s",
            notes=(
                f"median of {len(full_times)}, marker {FULL_CONSOLE_MARKER!r} (the first frame is "
                f"the header, DRILL banner and region frames; widgets and data follow): "
                f"{_list(full_times)}"
            ),
        )
    )
    return rows


def _list(values: Sequence[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


# -- 2. idle cost -----------------------------------------------------------------------------
def idle_cost(program: Program, warmup_s: float, seconds: float) -> IdleSample:
    """Start, wait for the first frame, let it warm up untouched, then measure."""
    with program.start() as app:
        app.first_frame_seconds(program.marker, FIRST_FRAME_TIMEOUT_S)
        app.settle(warmup_s)
        return app.idle(seconds)


def idle_rows(warmup_s: float, seconds: float) -> list[Row]:
    cases: list[tuple[str, Callable[[], Program], str, str]] = [
        ("warroom drill, 5 s refresh", lambda: warroom(5.0), "< 0.5", "< 500"),
        ("warroom drill, 1 s refresh", lambda: warroom(1.0), "< 1.5", "< 2000"),
        (  # the Service region on a crashloop: pods/containers polled, changes marked
            "warroom drill, Service region on (queue-backlog crashloop), 5 s refresh",
            lambda: warroom(5.0, "queue-backlog"),
            "< 0.5",
            "< 500",
        ),
        ("naive four-panel app, 1 s refresh (scale)", lambda: naive_app(1.0), "", ""),
    ]
    rows: list[Row] = []
    samples: dict[str, IdleSample] = {}
    for label, make, cpu_target, bytes_target in cases:
        try:
            sample = idle_cost(make(), warmup_s, seconds)
        except Exception as exc:
            rows.append(failed(f"idle CPU: {label}", "% core", cpu_target, exc))
            rows.append(failed(f"idle output: {label}", "B/s", bytes_target, exc))
            continue
        samples[label] = sample
        window = f"{sample.seconds:.0f} s after {warmup_s:g} s warm-up"
        per_frame = sample.bytes_written / sample.frames if sample.frames else 0
        hot = describe_rows(sample.hot_rows()) or "none"
        frames = (
            f"{sample.frames} repaints ({per_frame:,.0f} B each on average; "
            f"rows in most of them: {hot})"
        )
        rows.append(
            row(
                f"idle CPU: {label}",
                round(sample.cpu_percent, 3),
                "% core",
                cpu_target,
                f"{sample.cpu_seconds:.2f} CPU s over {window}",
            )
        )
        rows.append(
            row(
                f"idle output: {label}",
                round(sample.bytes_per_second, 1),
                "B/s",
                bytes_target,
                f"{sample.bytes_written} bytes over {window}; {frames}",
            )
        )
    scale = samples.get(cases[-1][0])
    mine = samples.get(cases[1][0])
    if scale is not None and mine is not None:
        for r in rows:
            if r["name"] == f"idle CPU: {cases[1][0]}" and scale.cpu_seconds > 0:
                r["notes"] += f"; {mine.cpu_seconds / scale.cpu_seconds:.2f}x the naive app"
            if r["name"] == f"idle output: {cases[1][0]}" and scale.bytes_written > 0:
                r["notes"] += f"; {mine.bytes_written / scale.bytes_written:.2f}x the naive app"
    return rows


# -- 3. key-press latency ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class KeyLatency:
    latencies_s: list[float]
    unanswered: int

    @property
    def median_ms(self) -> float:
        return 1000 * statistics.median(self.latencies_s)

    @property
    def p95_ms(self) -> float:
        return 1000 * percentile(self.latencies_s, 95)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: the value at or below which `pct`% of presses fall."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil
    return ordered[int(rank) - 1]


def key_sequence(presses: int, mode: str) -> list[bytes]:
    """Down-arrow presses; "alternate" mixes in up so the cursor always has a row to move to
    (a drill may fire only a few alerts, and a cursor stuck on the last row draws nothing)."""
    if mode == "down":
        return [KEY_DOWN] * presses
    return [KEY_DOWN if i % 2 == 0 else KEY_UP for i in range(presses)]


def key_latency(
    program: Program,
    presses: int,
    mode: str = "alternate",
    spacing_s: float = 0.15,
    warmup_s: float = 2.0,
    timeout_s: float = 1.0,
) -> KeyLatency:
    """Write each key and time until the next output bytes (the changed frame).

    Before each press the output must have been quiet for 30 ms, so the frame that answers is
    not the tail of a refresh already being written.
    """
    latencies: list[float] = []
    unanswered = 0
    with program.start() as app:
        app.first_frame_seconds(program.marker, FIRST_FRAME_TIMEOUT_S)
        app.settle(warmup_s)
        for key in key_sequence(presses, mode):
            _wait_quiet(app, 0.03, limit_s=1.0)
            started = time.perf_counter()
            latency = app.press(key, timeout=timeout_s)
            if latency is None:
                unanswered += 1
            else:
                latencies.append(latency)
            rest = spacing_s - (time.perf_counter() - started)
            if rest > 0:
                time.sleep(rest)
    return KeyLatency(latencies, unanswered)


def _wait_quiet(app: PtyApp, quiet_s: float, limit_s: float) -> None:
    deadline = time.perf_counter() + limit_s
    last = app.bytes_total
    quiet_since = time.perf_counter()
    while time.perf_counter() < deadline:
        time.sleep(0.005)
        now_bytes = app.bytes_total
        if now_bytes != last:
            last, quiet_since = now_bytes, time.perf_counter()
        elif time.perf_counter() - quiet_since >= quiet_s:
            return


def key_rows(presses: int, mode: str) -> list[Row]:
    rows: list[Row] = []
    cases = [
        ("warroom drill (alert list, 1 s refresh)", lambda: warroom(1.0), "< 30"),
        ("naive app DataTable, 1 s refresh (baseline)", lambda: naive_app(1.0), ""),
    ]
    how = "↓ only" if mode == "down" else "↓/↑ alternating"
    for label, make, target in cases:
        try:
            result = key_latency(make(), presses, mode)
            if not result.latencies_s:
                raise RuntimeError(f"no press answered within 1 s ({presses} sent)")
        except Exception as exc:
            rows.append(failed(f"key latency median: {label}", "ms", "", exc))
            rows.append(failed(f"key latency p95: {label}", "ms", target, exc))
            continue
        notes = f"{len(result.latencies_s)} of {presses} presses answered ({how}, ~150 ms apart)"
        if result.unanswered:
            notes += f"; {result.unanswered} drew nothing within 1 s"
        rows.append(
            row(f"key latency median: {label}", round(result.median_ms, 1), "ms", "", notes)
        )
        rows.append(row(f"key latency p95: {label}", round(result.p95_ms, 1), "ms", target, notes))
    return rows


def run() -> list[Row]:
    """Every console benchmark; a part that breaks becomes failed rows, not a crash."""
    runs = _env_int("BENCH_FIRST_FRAME_RUNS", 7)
    idle_s = _env_float("BENCH_IDLE_SECONDS", 60.0)
    warmup_s = _env_float("BENCH_WARMUP_SECONDS", 5.0)
    presses = _env_int("BENCH_KEY_PRESSES", 50)
    mode = os.environ.get("BENCH_KEYS", "alternate")
    rows: list[Row] = []
    parts: list[tuple[str, Callable[[], list[Row]]]] = [
        ("first frame", lambda: first_frame_rows(runs)),
        ("idle cost", lambda: idle_rows(warmup_s, idle_s)),
        ("key latency", lambda: key_rows(presses, mode)),
    ]
    try:
        for label, part in parts:
            try:
                rows += part()
            except Exception as exc:
                rows.append(failed(label, "", "", exc))
    finally:
        cleanup_sandbox()
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
