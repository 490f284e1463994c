"""The command-line export reads the incident's own signals from a real Prometheus.

Exact history: `promtool tsdb create-blocks-from openmetrics` writes three hours of samples
(a queue that backs up and drains, and request counters with a 5xx burst) into the TSDB of
a real Prometheus on 127.0.0.1 before it starts. The export's numbers for each signal (best,
at declare, worst, at resolve) must equal what `query_range` answers for the incident window
(declared - 15 min to resolved + 15 min) at the same step.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.servers.prometheus import Prometheus, http_json
from warroom.cli.incident_signals import step_for
from warroom.domain.incident import EntryKind, IncidentSeverity, declare, new_entry
from warroom.domain.signals import DEFAULT_SIGNALS
from warroom.stores.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
DECLARED = NOW - timedelta(hours=2)
RESOLVED = DECLARED + timedelta(minutes=40)


def _queue(t: float) -> float:
    """Queue depth: 40 at rest, up to ~6,000 during the incident, drained after."""
    since = t - DECLARED.timestamp()
    if since < -600 or since > 2400:
        return 40.0
    return 40.0 + 6000.0 * math.sin(math.pi * (since + 600) / 3000) ** 2


def openmetrics() -> str:
    start = int((DECLARED - timedelta(hours=1)).timestamp())
    end = int((RESOLVED + timedelta(minutes=50)).timestamp())
    lines = ["# TYPE queue_depth gauge"]
    lines += [f'queue_depth{{job="checkout"}} {_queue(t):.3f} {t}' for t in range(start, end, 15)]
    lines.append("# TYPE http_requests counter")
    ok = bad = 0.0
    oks, bads = [], []
    for t in range(start, end, 15):
        in_burst = DECLARED.timestamp() - 300 <= t <= RESOLVED.timestamp() - 600
        ok += 150.0
        bad += 30.0 if in_burst else 0.5
        oks.append(f'http_requests_total{{job="checkout",status="200"}} {ok} {t}')
        bads.append(f'http_requests_total{{job="checkout",status="500"}} {bad} {t}')
    return "\n".join([*lines, *oks, *bads, "# EOF", ""])


@pytest.fixture(scope="module")
def history_prometheus() -> Iterator[Prometheus]:
    workdir = Path(tempfile.mkdtemp(prefix="warroom-pm-prom-"))
    prom = Prometheus(workdir, targets=[], alertmanagers=[], name="history")
    source = workdir / "history.om"
    source.write_text(openmetrics(), encoding="utf-8")
    tsdb = workdir / prom.name
    tsdb.mkdir()
    done = subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(source), str(tsdb)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"promtool failed: {done.stderr.strip()[-500:]}")
    prom.start()
    try:
        yield prom
    finally:
        prom.stop()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "incidents.db"
    first = declare(
        title="Checkout backlog",
        severity=IncidentSeverity.P1,
        author="alice",
        now=DECLARED,
        services=["checkout"],
    )
    resolved = new_entry(
        first.incident_id,
        EntryKind.STATUS,
        "Status: investigating → resolved",
        author="alice",
        now=RESOLVED,
        data={"status": "resolved"},
    )

    async def fill() -> None:
        s = SqliteStore(path)
        await s.open()
        for entry in (first, resolved):
            await s.append(entry)
        await s.close()

    asyncio.run(fill())
    return path


def query_range(
    prom: Prometheus, query: str, start: datetime, end: datetime, step: int
) -> list[tuple[float, float]]:
    params = urllib.parse.urlencode(
        {"query": query, "start": start.timestamp(), "end": end.timestamp(), "step": f"{step}s"}
    )
    result = http_json(f"{prom.url}/api/v1/query_range?{params}")["data"]["result"]
    by_ts: dict[float, float] = {}
    for series in result:
        for ts, value in series["values"]:
            by_ts[float(ts)] = max(by_ts.get(float(ts), -math.inf), float(value))
    return sorted(by_ts.items())


def test_cli_export_holds_the_windows_signals_from_prometheus(
    history_prometheus: Prometheus, store: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")  # nothing from the machine's own config
    out = subprocess.run(
        [
            sys.executable, "-m", "warroom", "postmortem", "export", "--format", "json",
            "--prometheus", history_prometheus.url, "--store", str(store),
        ],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, "WARROOM_CONFIG": str(config)},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    start = DECLARED - timedelta(minutes=15)
    end = RESOLVED + timedelta(minutes=15)
    assert (data["window"]["start"], data["window"]["end"]) == (start.isoformat(), end.isoformat())
    signals = {s["key"]: s for s in data["signals"]}
    checked = 0
    for spec in DEFAULT_SIGNALS:
        step = step_for(spec, (end - start).total_seconds())
        points = query_range(history_prometheus, spec.query_for("checkout"), start, end, step)
        if not points:
            assert spec.key not in signals or signals[spec.key]["samples"] == 0, spec.key
            continue
        got = signals[spec.key]
        values = [v for _, v in points]

        def at(when: datetime, pts: list[tuple[float, float]] = points) -> float:
            return [v for ts, v in pts if ts <= when.timestamp()][-1]

        assert got["samples"] == len(values), spec.key
        assert got["best"] == pytest.approx(min(values)), spec.key
        assert got["worst"] == pytest.approx(max(values)), spec.key
        assert got["at_declare"] == pytest.approx(at(DECLARED)), spec.key
        assert got["at_resolve"] == pytest.approx(at(RESOLVED)), spec.key
        assert got["source"] == "prometheus"
        checked += 1
    assert {"queue_depth", "error_rate"} <= set(signals)
    assert checked >= 2
    assert signals["queue_depth"]["worst"] > 5000  # the backlog is the incident's, not today's
    assert signals["error_rate"]["worst"] > 10
