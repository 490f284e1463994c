"""Incident log benchmarks: post-mortem export, console-to-console latency, store reopen.

- export: the post-mortem of an incident with 10,000 entries in Markdown, JSON and CSV
  (median of 5 runs each; the model is built from the incident each time, as the CLI does).
- latency: two consoles on a PostgreSQL started here on loopback; console A logs 200 notes one
  after another, each timed from the call on A until B's subscriber receives it (includes A's
  durable commit and the NOTIFY). p50 and p95.
- reopen: a SQLite store holding an incident with 10,000 entries is opened, the open incident
  found, its entries read and folded: what a console does on start before showing the incident.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from warroom.domain.clock import SystemClock
from warroom.domain.incident import (
    Entry,
    EntryKind,
    Incident,
    IncidentSeverity,
    Status,
    declare,
    new_entry,
)

N_ENTRIES = 10_000
N_NOTES = 200
T0 = datetime(2026, 3, 14, 14, 0, tzinfo=UTC)


def row(name: str, value: float | None, unit: str, target: str, notes: str) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "target": target, "notes": notes}


def big_incident_entries(n: int = N_ENTRIES) -> list[Entry]:
    """A long incident in the shapes the console writes: notes, steps from `step_entry` (with
    output), alerts from `alert_events`, status changes and updates, action items, and the
    recorded series of four signals over the window."""
    from warroom.domain.alerts import Alert
    from warroom.domain.incident_series import series_entry
    from warroom.domain.ports import RenderedStep, StepResult
    from warroom.domain.runbooks import Risk, Step, StepKind
    from warroom.domain.signals import DEFAULT_SIGNALS
    from warroom.services.alert_events import alert_events
    from warroom.services.steps import step_entry

    first = declare(
        title="Long incident", severity=IncidentSeverity.P1, author="alice", now=T0,
        services=["api", "db"], impact="slow checkouts",
    )  # fmt: skip
    iid = first.incident_id
    out = [first]
    statuses = [Status.IDENTIFIED, Status.MITIGATING, Status.MONITORING]
    output = "\n".join(f"row {k} | value {k * 7}" for k in range(40))
    for i in range(1, n):
        at = T0 + timedelta(seconds=i * 2)
        if i % 50 == 0:
            risk = Risk.WRITE if i % 150 == 0 else Risk.READ
            command = f"psql -c 'select {i}' | cat"
            rendered = RenderedStep(
                Step(StepKind.SHELL, command, 3, risk, phase="Diagnose"), command
            )
            result = StepResult(exit_code=i % 3, duration_s=0.2, output=output, executor="shell")
            e = step_entry(iid, rendered, result, author="bob", now=at)
        elif i % 1000 == 0 and statuses:
            s = statuses.pop(0)
            e = new_entry(iid, EntryKind.STATUS, f"Status: {s.value}", author="alice",
                          now=at, data={"status": s.value})  # fmt: skip
        elif i % 97 == 0:
            alert = Alert(f"fp{i}", f"A{i}", {"severity": "warning", "service": "api"},
                          {"summary": f"Alert {i} | firing"}, at - timedelta(seconds=30))  # fmt: skip
            (event,) = alert_events([alert], []) if i % 194 else alert_events([], [alert])
            e = new_entry(iid, event.kind, event.text, author="alice", now=at, data=event.data)
        elif i % 450 == 0:
            e = new_entry(iid, EntryKind.STATUS_UPDATE, f"[P1] UPDATE {i}\nline two\nline three",
                          author="alice", now=at, data={"template": "update"})  # fmt: skip
        elif i % 333 == 0:
            e = new_entry(iid, EntryKind.ACTION_ITEM, f"Action item {i}", author="alice", now=at,
                          data={"action": f"fix {i} type=prevent", "owner": "bob", "due": "2026-04-01",
                                "status": "Open"})  # fmt: skip
        else:
            e = new_entry(
                iid, EntryKind.NOTE,
                f"note {i}: p95 {i % 7}.{i % 10}s, Authorization: Bearer tok{i:08d} | see http://x/{i}",
                author="carol", now=at,
            )  # fmt: skip
        out.append(e)
    end = T0 + timedelta(seconds=n * 2)
    out.append(new_entry(iid, EntryKind.STATUS, "Status: resolved", author="alice", now=end,
                         data={"status": "resolved"}))  # fmt: skip
    count = int((end - T0).total_seconds() + 1800) // 30
    for spec in DEFAULT_SIGNALS:
        out.append(
            series_entry(
                iid, key=spec.key, name=spec.name, unit=spec.unit, warn=spec.warn,
                critical=spec.critical, higher_is_worse=spec.higher_is_worse,
                start=T0 - timedelta(minutes=15), step_s=30,
                values=[float(k % 40) for k in range(count)], author="warroom drill", now=end,
            )
        )  # fmt: skip
    return out


def bench_export() -> list[dict[str, Any]]:
    """Each format from the incident (model built each time, as the CLI does)."""
    from warroom.cli.postmortem import render

    incident = Incident.from_entries(big_incident_entries())
    rows = []
    for fmt, what in (("md", "Markdown"), ("json", "JSON"), ("csv", "action-item CSV")):
        times = []
        size = 0
        for _ in range(5):
            start = time.perf_counter()
            text = render(incident, fmt, now=T0 + timedelta(days=1), secrets=["s3cr3t-value"])
            times.append(time.perf_counter() - start)
            size = len(text)
        rows.append(
            row(
                f"post-mortem export, 10,000 entries, {fmt}",
                round(statistics.median(times) * 1000, 1),
                "ms",
                "< 1000 ms",
                f"median of 5; {size // 1024} KiB of {what}; clock, signals, redaction included",
            )
        )
    return rows


async def _reopen(path: Path) -> tuple[float, int]:
    from warroom.stores.sqlite import SqliteStore

    start = time.perf_counter()
    store = SqliteStore(path)
    await store.open()
    summaries = await store.incidents()  # the incident is resolved: found by the listing
    incident_id = max(summaries, key=lambda s: s.declared_at).id
    incident = Incident.from_entries(await store.entries(incident_id))
    elapsed = time.perf_counter() - start
    await store.close()
    return elapsed, len(incident.entries)


def bench_reopen() -> dict[str, Any]:
    from warroom.stores.sqlite import SqliteStore

    tmp = Path(tempfile.mkdtemp(prefix="warroom-bench-"))
    try:
        path = tmp / "incidents.db"

        async def fill() -> None:
            store = SqliteStore(path)
            await store.open()
            await store.append_many(big_incident_entries())
            await store.close()

        written = len(big_incident_entries())  # the entries, the resolve and the four series
        asyncio.run(fill())
        runs = [asyncio.run(_reopen(path)) for _ in range(5)]
        assert all(n == written for _, n in runs)
        return row(
            "reopen SQLite store and fold a 10,000-entry incident",
            round(statistics.median(t for t, _ in runs) * 1000, 1),
            "ms",
            "< 1000 ms",
            "median of 5: open, list and find the incident, read, fold (warm page cache)",
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


async def _latency(dsn: str, tmp: Path) -> list[float]:
    from warroom.services.incident_log import IncidentLog
    from warroom.stores.postgres import PostgresStore

    a = PostgresStore(dsn, tmp / "a.db")
    b = PostgresStore(dsn, tmp / "b.db")
    await a.open()
    await b.open()
    arrived: dict[str, float] = {}
    waiting: dict[str, asyncio.Event] = {}

    def heard(entry: Entry) -> None:
        arrived[entry.text] = time.perf_counter()
        if entry.text in waiting:
            waiting[entry.text].set()

    b.subscribe(heard)
    log = IncidentLog(a, SystemClock(), "bench@a")
    await log.declare("latency", "P2")
    samples = []
    try:
        for i in range(N_NOTES):
            text = f"note {i}"
            event = waiting[text] = asyncio.Event()
            start = time.perf_counter()
            await log.note(text)
            if text not in arrived:
                await asyncio.wait_for(event.wait(), timeout=10)
            samples.append(arrived[text] - start)
    finally:
        await a.close()
        await b.close()
    return samples


def bench_latency() -> list[dict[str, Any]]:
    from tests.servers.postgres import PostgresServer

    server = PostgresServer()
    tmp = Path(tempfile.mkdtemp(prefix="warroom-bench-"))
    try:
        server.init()
        server.start()
        samples = asyncio.run(_latency(server.dsn, tmp))
    finally:
        server.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    ms = sorted(s * 1000 for s in samples)
    p50 = statistics.median(ms)
    p95 = ms[round(0.95 * (len(ms) - 1))]
    note = (
        f"{len(ms)} notes A→B via PostgreSQL 15 LISTEN/NOTIFY on loopback, "
        "from the call on A (incl. its commit) to B's callback; server runs fsync=off"
    )
    return [
        row("console-to-console latency p50", round(p50, 2), "ms", "", note),
        row("console-to-console latency p95", round(p95, 2), "ms", "< 250 ms", note),
    ]


def run() -> list[dict[str, Any]]:
    rows = [*bench_export(), bench_reopen()]
    try:
        rows += bench_latency()
    except Exception as exc:  # a server that cannot start is a failed row, not a crash
        why = f"{type(exc).__name__}: {exc}"
        rows += [
            row("console-to-console latency p50", None, "ms", "", why),
            row("console-to-console latency p95", None, "ms", "< 250 ms", why),
        ]
    return rows


if __name__ == "__main__":
    for r in run():
        value = "FAILED" if r["value"] is None else f"{r['value']} {r['unit']}"
        print(f"{r['name']:<48} {value:>14}  target {r['target'] or '-':<10} {r['notes']}")
