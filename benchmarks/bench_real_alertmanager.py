"""Against the real thing and a peer: a real Alertmanager 0.25 holding 10,000 alerts, and a
real Prometheus for the golden signals, each measured beside a peer in the same run.

1. Storm: 10,000 alerts posted through Alertmanager's own API (8 services x 8 alert names x
   3 severities, 5 labels, 2 annotations). The console's time from process spawn to the first
   frame listing all of them, beside `amtool alert query` (spawn to exit, its whole table
   printed) on the same Alertmanager, interleaved run by run.
2. Full console: from process spawn to the first frame with alerts listed *and* every golden
   signal showing a value (real Prometheus scraping tests/servers/exporter.py), beside a bare
   Textual app's first frame (benchmarks/apps/minimal.py), interleaved.

Servers are started as the suite starts them (tests/servers/prometheus.py). Every
measured program is a fresh interpreter (or amtool's binary) spawned by this one, loading
bytecode as an installed console does (`pty_harness.as_installed`); the console and the bare
app run headless at 160x48 and stamp their own frames (`App._display`), timed from the spawn
(the parent passes its wall-clock spawn time). The console's child wires it as `warroom` does:
the first answers prefetched with its sources, the collector tuned (`cli/interpreter.py`).
Knobs (environment): BENCH_REAL_RUNS (5), BENCH_REAL_ALERTS (10000).
Run alone: `python -m benchmarks.bench_real_alertmanager`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

Row = dict[str, Any]
ROOT = Path(__file__).resolve().parent.parent
SIZE = (160, 48)
SERVICES = ("checkout", "payments", "search", "auth", "orders", "inventory", "email", "api")
NAMES = (
    "HighErrorRate",
    "HighLatencyP95",
    "ServiceDown",
    "DatabaseConnectionsHigh",
    "QueueBacklog",
    "DiskSpaceLow",
    "CertificateExpiry",
    "PodCrashLooping",
)
SEVERITIES = ("critical", "warning", "info")
LIMIT_S = 120.0


def row(name: str, value: float | None, unit: str, target: str = "", notes: str = "") -> Row:
    return {"name": name, "value": value, "unit": unit, "target": target, "notes": notes}


def storm(n: int) -> list[dict[str, Any]]:
    """n distinct alerts for Alertmanager's POST /api/v2/alerts: every service x name x
    severity, then more instances; 5 labels and 2 annotations each, firing for an hour."""
    now = datetime.now(UTC)
    ends = (now + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    alerts = []
    for i in range(n):
        service = SERVICES[i % 8]
        name = NAMES[(i // 8) % 8]
        severity = SEVERITIES[(i // 64) % 3]
        starts = now - timedelta(seconds=(i * 7919) % 86_400)
        alerts.append(
            {
                "labels": {
                    "alertname": name,
                    "service": service,
                    "severity": severity,
                    "instance": f"{service}-{i // 192}:9100",
                    "namespace": "prod",
                },
                "annotations": {
                    "summary": f"{service} {name} on instance {i // 192}",
                    "description": f"{name} has been firing for {service} ({severity})",
                },
                "startsAt": starts.isoformat().replace("+00:00", "Z"),
                "endsAt": ends,
            }
        )
    return alerts


def _post_all(am: Any, alerts: list[dict[str, Any]]) -> None:
    for start in range(0, len(alerts), 500):
        am.post_alerts(alerts[start : start + 500])
    deadline = time.monotonic() + LIMIT_S
    while len(am.alerts()) < len(alerts):
        if time.monotonic() > deadline:
            raise RuntimeError(f"Alertmanager holds {len(am.alerts())} of {len(alerts)} alerts")
        time.sleep(0.2)


# -- the peers ------------------------------------------------------------------------------------
def amtool_query(url: str, n: int) -> float:
    """Seconds from spawning `amtool alert query` to its exit, its output read whole."""
    amtool = shutil.which("amtool")
    if amtool is None:
        raise RuntimeError("amtool not found (Debian: prometheus-alertmanager)")
    t = time.perf_counter()
    done = subprocess.run(
        [amtool, "alert", "query", f"--alertmanager.url={url}"],
        capture_output=True,
        timeout=LIMIT_S,
        env={**os.environ, "HOME": tempfile.gettempdir()},  # no user amtool config
    )
    elapsed = time.perf_counter() - t
    lines = done.stdout.count(b"\n")
    if done.returncode != 0 or lines < n:
        raise RuntimeError(f"amtool printed {lines} lines, exit {done.returncode}")
    return elapsed


def spawn_child(kind: str, **options: str) -> list[float]:
    """Seconds from spawning a child interpreter to the frames it waits for (it reports)."""
    from benchmarks.pty_harness import as_installed  # (not in the children: their time counts)

    with tempfile.TemporaryDirectory(prefix="bench-real-") as tmp:
        out = Path(tmp) / "seconds.json"
        argv = [sys.executable, "-m", "benchmarks.bench_real_alertmanager", "--child", kind]
        for key, value in options.items():
            argv += [f"--{key}", value]
        env = as_installed({**os.environ, "BENCH_OUT": str(out)})
        env["BENCH_SPAWNED_AT"] = repr(time.time())
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, timeout=LIMIT_S * 2)
        try:
            return [float(v) for v in json.loads(out.read_text())]
        except (OSError, ValueError):
            tail = " | ".join(done.stderr.decode(errors="replace").strip().splitlines()[-3:])
            raise RuntimeError(f"{kind} child failed: {tail[-300:]}") from None


# -- inside a child ------------------------------------------------------------------------------
def _spawned_perf() -> float:
    """The parent's spawn moment on this process's perf_counter clock."""
    return time.perf_counter() - (time.time() - float(os.environ["BENCH_SPAWNED_AT"]))


class _Frames:
    """perf_counter times of the frames the app composed (`App._display` wrapped)."""

    def __init__(self) -> None:
        from textual.app import App

        self.times: list[float] = []
        display = App._display
        frames = self

        def stamped(app: Any, screen: Any, renderable: Any) -> None:
            display(app, screen, renderable)
            if renderable is not None:
                frames.times.append(time.perf_counter())

        App._display = stamped  # type: ignore[method-assign]

    def after(self, t: float) -> float | None:
        return next((f for f in self.times if f >= t), None)


async def _until(check: Any, what: str) -> float:
    deadline = time.perf_counter() + LIMIT_S
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what}: not within {LIMIT_S:g} s")
        await asyncio.sleep(0.005)
    return time.perf_counter()


def _live_sources(am: str, prom: str) -> tuple[Any, Any, Any]:
    """Settings, clock and live sources as `warroom.cli.console.run_live` makes them, the
    alerts' first fetch and the signals' first queries begun before anything of the UI is
    imported."""
    from warroom.cli.live_wiring import build_live_sources
    from warroom.config import EnvironmentConfig, ServerConfig, Settings
    from warroom.domain.clock import SystemClock

    env = EnvironmentConfig(
        name="bench",
        prometheus=ServerConfig(url=prom, name="prom", timeout_s=5.0),
        alertmanagers=(ServerConfig(url=am, name="am", timeout_s=30.0),),
    )
    settings = Settings(environments={"bench": env}, environment="bench", bell=False)
    clock = SystemClock()
    sources = build_live_sources(settings, clock, prefetch=True)
    return settings, clock, sources


def _console(settings: Any, clock: Any, sources: Any, tmp: Path) -> Any:
    """The console as `warroom.cli.console.run_console` builds it (boot frame included)."""
    from warroom.paths import default_runbooks_dir
    from warroom.stores import open_store
    from warroom.ui.app import build_app
    from warroom.ui.context import ConsoleContext

    ctx = ConsoleContext(
        settings=settings,
        sources=sources,
        clock=clock,
        library=None,
        runbook_paths=(default_runbooks_dir(),),
        store=open_store(str(tmp / "incidents.db")),
        author="bench@real",
        viewer=False,
        scenario="",
    )
    return build_app(ctx)


async def _console_child(am: str, prom: str, alerts: int, signals: bool) -> list[float]:
    """Spawn to the first frame with `alerts` alerts listed, and (with `signals`) to the
    first with every signal panel showing a value too."""
    import math

    spawned = _spawned_perf()
    settings, clock, sources = _live_sources(am, prom)
    frames = _Frames()

    from warroom.ui.regions.alerts.alert_list import AlertList
    from warroom.ui.regions.signals.signal_panel import SignalPanel

    def listed() -> bool:
        lists = app.screen.query(AlertList)
        return bool(lists) and lists.first().row_count >= alerts

    def valued() -> bool:
        panels = list(app.screen.query(SignalPanel))
        latest = [p.series.latest for p in panels]
        return bool(panels) and all(s is not None and math.isfinite(s.value) for s in latest)

    with tempfile.TemporaryDirectory(prefix="bench-real-console-") as tmp:
        app = _console(settings, clock, sources, Path(tmp))
        async with app.run_test(size=SIZE):
            moments = [await _until(listed, "alerts listed")]
            if signals:
                moments.append(await _until(valued, "every signal valued"))
            await _until(lambda: frames.after(moments[-1]) is not None, "frame")
    return [frames.after(at) - spawned for at in moments]  # type: ignore[operator]


async def _bare_child() -> list[float]:
    from benchmarks.apps.minimal import MinimalApp

    spawned = _spawned_perf()
    frames = _Frames()
    async with MinimalApp().run_test(size=SIZE):
        await _until(lambda: bool(frames.times), "bare frame")
    return [frames.times[0] - spawned]


def child_main(args: argparse.Namespace) -> None:
    if args.child == "bare":
        seconds = asyncio.run(_bare_child())
    else:
        from warroom.cli.interpreter import collector_tuned  # as `warroom` runs the console

        full = args.child == "full"
        with collector_tuned():
            seconds = asyncio.run(_console_child(args.am, args.prom, int(args.alerts), full))
    Path(os.environ["BENCH_OUT"]).write_text(json.dumps(seconds))


# -- the runs ------------------------------------------------------------------------------------
def _ms(seconds: float) -> float:
    return round(1000 * seconds, 1)


def _listed(values: list[float]) -> str:
    return ", ".join(f"{1000 * v:.0f}" for v in values)


def storm_rows(runs: int, n: int) -> list[Row]:
    from tests.servers.prometheus import Alertmanager

    workdir = Path(tempfile.mkdtemp(prefix="bench-real-am-"))
    am = Alertmanager(workdir, "storm")
    refused = f"http://127.0.0.1:{_free_port()}"  # signals are part 2's business
    tool: list[float] = []
    console: list[float] = []
    try:
        am.start()
        t = time.perf_counter()
        _post_all(am, storm(n))
        posted_s = time.perf_counter() - t
        amtool_query(am.url, n)  # warm-up runs, unrecorded (page cache, bytecode)
        spawn_child("storm", am=am.url, prom=refused, alerts=str(n))
        for _ in range(runs):
            tool.append(amtool_query(am.url, n))
            console.append(spawn_child("storm", am=am.url, prom=refused, alerts=str(n))[0])
    finally:
        am.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    label = f"real Alertmanager 0.25, {n:,} alerts"
    tool_ms, console_ms = statistics.median(tool), statistics.median(console)
    paired = statistics.median(c / t for c, t in zip(console, tool, strict=True))
    return [
        row(
            f"{label}: amtool alert query (peer)",
            _ms(tool_ms),
            "ms",
            notes=f"spawn to exit, its whole table read; median of {runs}: {_listed(tool)} ms; "
            f"the {n:,} alerts were posted through the API in {posted_s:.1f} s",
        ),
        row(
            f"{label}: console spawn to alerts on screen",
            _ms(console_ms),
            "ms",
            f"<= amtool ({_ms(tool_ms)} ms)",
            f"fresh interpreter (bytecode as installed), headless 160x48, boot frame then the "
            f"war room, until the first frame after the list holds all {n:,}; median of {runs}, "
            "interleaved with amtool: "
            f"{_listed(console)} ms",
        ),
        row(
            f"{label}: console time / amtool time",
            round(console_ms / tool_ms, 2),
            "x",
            "<= 1.0",
            f"medians of the same run; median of the {runs} paired ratios {paired:.2f}x",
        ),
    ]


def full_console_rows(runs: int) -> list[Row]:
    from tests.servers.prometheus import MonitoringStack

    stack = MonitoringStack()
    bare: list[float] = []
    full: list[float] = []
    listed: list[float] = []
    try:
        stack.start()
        few = storm(24)  # an ordinary incident's worth, beside the rules' own alerts
        for alert in few:
            alert["labels"]["service"] = "checkout"  # the service the exporter serves
        _post_all(stack.am, few)
        options = {"am": stack.am.url, "prom": stack.prom.url, "alerts": str(len(few))}
        spawn_child("bare")
        spawn_child("full", **options)
        for _ in range(runs):
            bare.append(spawn_child("bare")[0])
            alerts_at, full_at = spawn_child("full", **options)
            listed.append(alerts_at)
            full.append(full_at)
    finally:
        stack.stop()
    bare_ms, full_ms = statistics.median(bare), statistics.median(full)
    paired = statistics.median(f / b for f, b in zip(full, bare, strict=True))
    return [
        row(
            "bare Textual app: spawn to first frame (peer)",
            _ms(bare_ms),
            "ms",
            notes=f"benchmarks/apps/minimal.py, headless 160x48; median of {runs}: "
            f"{_listed(bare)} ms",
        ),
        row(
            "full console: spawn to alerts listed and every signal showing a value",
            _ms(full_ms),
            "ms",
            notes="real Prometheus (scraping tests/servers/exporter.py) and Alertmanager "
            f"holding {len(few)} posted alerts plus its rules' own; median of {runs}, "
            f"interleaved with the bare app: {_listed(full)} ms; the alerts alone were listed "
            f"at {_listed(listed)} ms (median {_ms(statistics.median(listed))})",
        ),
        row(
            "full console time / bare Textual app time",
            round(full_ms / bare_ms, 2),
            "x",
            "<= 1.5",
            f"medians of the same run; median of the {runs} paired ratios {paired:.2f}x",
        ),
    ]


def httpx_cli_row() -> Row:
    """What `import httpx` spends on its command-line module in this environment: httpx loads
    it whenever click is installed (here: a dependency of import-linter, a dev tool), and it
    pulls in rich's syntax highlighting and pygments. A wheel install has no click."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import httpx"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    cumulative = [
        int(line.split("|")[1])
        for line in done.stderr.splitlines()
        if line.split("|")[-1].strip() == "httpx._main"
    ]
    value = round(cumulative[0] / 1000, 1) if cumulative else 0.0
    return row(
        "import httpx: its command-line module (in every console start above)",
        value,
        "ms",
        notes="python -X importtime; loaded because click is installed in this venv (by "
        "import-linter, a dev tool); 0 where click is absent, as in a wheel install",
    )


def _free_port() -> int:
    from tests.servers.ports import free_port

    return free_port()


def run() -> list[Row]:
    runs = int(os.environ.get("BENCH_REAL_RUNS", "5"))
    n = int(os.environ.get("BENCH_REAL_ALERTS", "10000"))
    rows: list[Row] = [httpx_cli_row()]
    for part, name in (
        (lambda: storm_rows(runs, n), "storm"),
        (lambda: full_console_rows(runs), "full"),
    ):
        try:
            rows.extend(part())
        except Exception as exc:  # a part that cannot run is a row saying why
            rows.append(row(f"real servers: {name}", None, "", "", f"failed: {exc}"[:400]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", help="internal: storm, full or bare")
    parser.add_argument("--am", default="")
    parser.add_argument("--prom", default="")
    parser.add_argument("--alerts", default="0")
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return
    for r in run():
        value = "FAILED" if r["value"] is None else f"{r['value']} {r['unit']}"
        print(f"{r['name']:<72} {value:>12}  target {r['target'] or '-':<14} {r['notes']}")


if __name__ == "__main__":
    main()
