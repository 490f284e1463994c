"""Alert storm, the non-UI half: 10,000 and 100,000 firing alerts served by a local HTTP server
shaped like Alertmanager API v2; fetch + parse through AlertmanagerSource, sort and group
(warroom.domain.alerts), apply a filter (AlertFilter), and the peak RSS of this process.

The storm is served by a separate Python process (`serve_alert_storm`), so its JSON payload does
not count in our RSS. The UI half of the benchmark reuses `serve_alert_storm(n)`.
Knobs (environment): BENCH_STORM_SIZES ("10000,100000"), BENCH_STORM_RUNS (5).
Run alone: `python -m benchmarks.bench_alert_storm`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Row = dict[str, Any]
ROOT = Path(__file__).resolve().parent.parent

SERVICES = ("checkout", "payments", "search", "auth", "orders", "inventory", "email", "api")
NAMES = (
    ("HighErrorRate", "warning"),
    ("HighErrorRateCritical", "critical"),
    ("HighLatencyP95", "warning"),
    ("HighLatencyP95Critical", "critical"),
    ("ServiceDown", "critical"),
    ("DatabaseConnectionsHigh", "warning"),
    ("QueueBacklog", "warning"),
    ("DiskSpaceLow", "info"),
)


def storm_alerts(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """n realistic Alertmanager v2 alerts: a few names over many services and instances."""
    rnd = random.Random(seed)
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    alerts = []
    for i in range(n):
        name, severity = NAMES[i % len(NAMES)]
        service = SERVICES[rnd.randrange(len(SERVICES))]
        starts = now - timedelta(seconds=rnd.randrange(86400))
        silenced = i % 50 == 0
        alerts.append(
            {
                "annotations": {
                    "summary": f"{service} {name} on pod {i}",
                    "description": f"{name} has been firing for {service}/{i}",
                    "runbook_url": f"https://runbooks.example/{name}",
                },
                "endsAt": (now + timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
                "fingerprint": f"{i:016x}",
                "receivers": [{"name": "pager"}],
                "startsAt": starts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "status": {
                    "inhibitedBy": [],
                    "silencedBy": ["0c7e2b4a-0000-4000-8000-000000000001"] if silenced else [],
                    "state": "suppressed" if silenced else "active",
                },
                "updatedAt": now.isoformat().replace("+00:00", "Z"),
                "generatorURL": f"http://prometheus:9090/graph?g0.expr={name}",
                "labels": {
                    "alertname": name,
                    "severity": severity,
                    "service": service,
                    "job": service,
                    "instance": f"{service}-{i % 997}:8080",
                    "pod": f"{service}-{i}",
                    "namespace": "prod",
                    "cluster": "eu-1" if i % 2 else "us-1",
                },
            }
        )
    return alerts


def storm_answers(n: int, changing: bool) -> list[bytes]:
    """The `/api/v2/alerts` answers to serve in turn. Changing, as a real Alertmanager's do:
    every answer differs from the one before (Prometheus re-sends its alerts, so `updatedAt`
    and `endsAt` move on), and every third answer 0.1% of the alerts are new ones in place of
    others (they fire and resolve)."""
    alerts = storm_alerts(n)
    if not changing:
        return [json.dumps(alerts, separators=(",", ":")).encode()]  # compact, as Alertmanager
    resent = json.loads(json.dumps(alerts))
    for alert in resent:
        alert["updatedAt"] = alert["updatedAt"].replace("12:00", "12:01")
        alert["endsAt"] = alert["endsAt"].replace("12:05", "12:06")
    churned = json.loads(json.dumps(resent))
    for i in range(0, n, 1000):
        churned[i]["fingerprint"] = f"{i:015x}n"
        churned[i]["labels"]["pod"] += "-new"
        churned[i]["startsAt"] = churned[i]["updatedAt"]
    return [json.dumps(a, separators=(",", ":")).encode() for a in (alerts, resent, churned)]


def _serve(n: int, port: int, changing: bool = False) -> None:
    """The server process: Alertmanager-shaped /api/v2/alerts (n alerts; with `changing`, the
    answers of `storm_answers` in turn) and empty silences."""
    answers = storm_answers(n, changing)
    turn = itertools.count()
    bodies = {"/api/v2/silences": b"[]", "/-/ready": b"OK"}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/api/v2/alerts":
                payload: bytes | None = answers[next(turn) % len(answers)]
            else:
                payload = bodies.get(path)
            if payload is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_alert_storm(n: int, changing: bool = False) -> tuple[str, Callable[[], None]]:
    """Start a local Alertmanager-shaped server with n firing alerts in its own process
    (`changing`: see `storm_answers`). Returns (base url, stop). Blocks until it answers."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.bench_alert_storm",
            "--serve",
            str(n),
            "--port",
            str(port),
            *(["--changing"] if changing else []),
        ],
        cwd=str(ROOT),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.kill()
        proc.wait()
        raise RuntimeError(f"alert storm server for {n} alerts did not start")

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    return f"http://127.0.0.1:{port}", stop


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def row(name: str, value: float | None, unit: str, target: str = "", notes: str = "") -> Row:
    return {"name": name, "value": value, "unit": unit, "target": target, "notes": notes}


def _ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def measure(n: int, runs: int) -> list[Row]:
    from warroom.config import ServerConfig
    from warroom.domain.alerts import AlertFilter, group_by_name, sort_alerts
    from warroom.sources.alertmanager import AlertmanagerSource

    url, stop = serve_alert_storm(n, changing=True)  # every fetch parses a new answer
    label = f"{n:,}"
    rows: list[Row] = []
    try:
        source = AlertmanagerSource(ServerConfig(url=url, name="storm", timeout_s=60))

        async def fetch_all() -> tuple[list[float], list[Any]]:
            times: list[float] = []
            alerts: list[Any] = []
            try:
                await source.fetch_alerts()  # warm-up: connection, imports
                for _ in range(runs):
                    alerts = []
                    gc.collect()
                    t0 = time.perf_counter()
                    alerts = await source.fetch_alerts()
                    times.append(time.perf_counter() - t0)
            finally:
                await source.aclose()
            return times, alerts

        fetch_times, alerts = asyncio.run(fetch_all())
        assert len(alerts) == n, f"expected {n} alerts, got {len(alerts)}"
        big = n >= 100_000
        rows.append(
            row(
                f"alert storm {label}: fetch + parse (AlertmanagerSource)",
                _ms(fetch_times),
                "ms",
                "<= 2000 ms" if big else "<= 300 ms",
                f"median of {runs}; HTTP on 127.0.0.1, JSON decode, Alert objects; "
                "each answer differs from the last (none is served from the parse cache)",
            )
        )

        sort_times, group_times = [], []
        groups: list[Any] = []
        for _ in range(runs):
            t0 = time.perf_counter()
            sort_alerts(alerts)
            sort_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            groups = group_by_name(alerts)
            group_times.append(time.perf_counter() - t0)
        rows.append(
            row(
                f"alert storm {label}: sort (severity, age)",
                _ms(sort_times),
                "ms",
                "<= 500 ms" if big else "<= 50 ms",
                f"median of {runs}",
            )
        )
        rows.append(
            row(
                f"alert storm {label}: group by alertname",
                _ms(group_times),
                "ms",
                "<= 500 ms" if big else "<= 50 ms",
                f"median of {runs}; {len(groups)} groups (includes its sort)",
            )
        )

        filters = {
            "word": "payments",
            "matcher": "service=checkout severity=critical",
            "regex": "instance=~search-1.* pod",
        }
        for kind, text in filters.items():
            times = []
            kept = 0
            for _ in range(runs):
                t0 = time.perf_counter()
                kept = len(AlertFilter.parse(text).apply(alerts))
                times.append(time.perf_counter() - t0)
            rows.append(
                row(
                    f"alert storm {label}: apply filter ({kind})",
                    _ms(times),
                    "ms",
                    "<= 1000 ms" if big else "<= 100 ms",
                    f"median of {runs}; {text!r} keeps {kept}",
                )
            )
        rows.append(
            row(
                f"alert storm {label}: peak RSS (this process)",
                round(_rss_mb(), 1),
                "MB",
                "" if big else "<= 200 MB",
                "ru_maxrss after fetch/sort/group/filter; no UI (the UI half measures the console)",
            )
        )
    finally:
        stop()
    return rows


def run() -> list[Row]:
    sizes = [int(s) for s in os.environ.get("BENCH_STORM_SIZES", "10000,100000").split(",") if s]
    runs = int(os.environ.get("BENCH_STORM_RUNS", "5"))
    rows: list[Row] = []
    for n in sorted(sizes):  # smallest first: peak RSS at 10,000 is measured before 100,000
        try:
            rows.extend(measure(n, runs))
        except Exception as exc:  # a failing size becomes a row saying why
            rows.append(
                row(f"alert storm {n:,}", None, "", "", f"failed: {type(exc).__name__}: {exc}")
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--serve", type=int, help="serve N alerts (internal: used by serve_alert_storm)"
    )
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--changing", action="store_true", help="internal: see storm_answers")
    args = parser.parse_args()
    if args.serve is not None:
        _serve(args.serve, args.port, args.changing)
        return
    for r in run():
        value = "FAILED" if r["value"] is None else f"{r['value']} {r['unit']}"
        print(f"{r['name']:<60} {value:>14}  target {r['target'] or '-':<12} {r['notes']}")


if __name__ == "__main__":
    main()
