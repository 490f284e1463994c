"""Alert memory benchmarks: remedy memory, "seen before" badges, recording a storm.

- remedy: `remember` for one alert over 200 past incidents (each ~200 entries: notes, step runs,
  alerts), 5 of them of the alert's scenario, read from a SQLite incident store and folded, then
  ranked (cold, nothing cached); and `RemedyLibrary.for_alert` once loaded (on selection).
- badges: `HistoryIndex.build` over 100,000 events (a week of a noisy estate) and the badge of
  10,000 alerts (fingerprint and name+service), as the alert list would after a refresh.
- storm: the recorder's first poll of a 10,000-alert storm written to the SQLite history.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from warroom.domain.alert_history import AlertEvent, EventKind, HistoryIndex
from warroom.domain.alerts import Alert
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import EntryKind, Incident, IncidentSeverity, declare, new_entry
from warroom.domain.remedy_memory import AlertIdentity, remember

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def row(name: str, value: float | None, unit: str, target: str, notes: str) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "target": target, "notes": notes}


def _median_ms(fn: Any, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 1)


async def _seed(path: Path, incidents: int = 200, per: int = 200) -> None:
    from warroom.stores.sqlite import SqliteStore

    store = SqliteStore(path)
    await store.open()
    for i in range(incidents):
        at = T0 + timedelta(hours=3 * i)
        name = "DBDown" if i % 40 == 0 else f"Other{i % 7}"
        first = declare(title=f"inc {i}", severity=IncidentSeverity.P2, author="a", now=at)
        entries = [first]
        fired = {"alertname": name, "labels": {"service": "db"}, "fingerprint": f"fp{i}"}
        entries.append(new_entry(first.incident_id, EntryKind.ALERT_FIRED, name, author="a", now=at, data=fired))  # fmt: skip
        for j in range(per):
            when = at + timedelta(seconds=10 * (j + 1))
            if j % 20 == 0:
                data = {
                    "command": f"systemctl restart s{j % 3}",
                    "line": 40 + j % 3,
                    "exit_code": 0,
                }
                entries.append(new_entry(first.incident_id, EntryKind.STEP_RUN, "ran", author="a", now=when, data=data))  # fmt: skip
            else:
                entries.append(new_entry(first.incident_id, EntryKind.NOTE, f"note {j}", author="a", now=when))  # fmt: skip
        end = at + timedelta(seconds=10 * per + 60)
        entries.append(new_entry(first.incident_id, EntryKind.ALERT_RESOLVED, name, author="a", now=end, data=fired))  # fmt: skip
        for entry in entries:
            await store.append(entry)
    await store.close()


async def _remedy_from_store(path: Path) -> tuple[float, float]:
    from warroom.stores.sqlite import SqliteStore

    store = SqliteStore(path)
    await store.open()
    start = time.perf_counter()
    incidents = [Incident.from_entries(await store.entries(s.id)) for s in await store.incidents()]
    memory = remember(incidents, AlertIdentity("DBDown", {"service": "db"}))
    total = time.perf_counter() - start
    assert memory.firings == 5, memory
    from warroom.services.remedy_memory import RemedyLibrary

    library = RemedyLibrary(store)
    await library.load()
    await store.close()
    alert = Alert("fp0", "DBDown", {"service": "db"}, {}, T0)
    assert library.for_alert(alert).firings == 5
    return round(total * 1000, 1), _median_ms(lambda: library.for_alert(alert))


def bench_remedy() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "incidents.db"
        asyncio.run(_seed(path))
        total, pure = asyncio.run(_remedy_from_store(path))
    return [
        row("remedy memory, 200 incidents from SQLite", total, "ms", "", "cold: read, fold, rank (once, in a worker)"),
        row("remedy memory on selecting an alert", pure, "ms", "< 100 ms", "RemedyLibrary loaded; median of 5"),
    ]  # fmt: skip


def bench_badges() -> dict[str, Any]:
    now = T0 + timedelta(days=7)
    events = []
    for i in range(50_000):
        start = T0 + timedelta(seconds=12 * i)
        fp, name = f"fp{i % 10_000}", f"Alert{i % 300}"
        events.append(AlertEvent(fp, name, f"svc{i % 40}", EventKind.FIRED, start, start))
        events.append(AlertEvent(fp, name, f"svc{i % 40}", EventKind.RESOLVED, start, start + timedelta(minutes=3)))  # fmt: skip

    def badges() -> None:
        index = HistoryIndex.build(events, now)
        for k in range(10_000):
            index.for_fingerprint(f"fp{k}")
            index.for_group(f"Alert{k % 300}", f"svc{k % 40}")

    return row("seen-before badges, 10,000 alerts", _median_ms(badges, 3), "ms", "", "100,000 events; off the event loop")  # fmt: skip


async def _storm(path: Path) -> float:
    from warroom.services.alert_history import HistoryRecorder
    from warroom.stores.history_sqlite import SqliteHistoryStore

    store = SqliteHistoryStore(path)
    await store.open()
    alerts = [
        Alert(f"fp{i}", f"A{i % 50}", {"service": f"s{i % 40}"}, {}, T0) for i in range(10_000)
    ]
    recorder = HistoryRecorder(store, FrozenClock(T0))
    start = time.perf_counter()
    await recorder.record_poll({"am": alerts})
    took = time.perf_counter() - start
    await store.close()
    return round(took * 1000, 1)


def bench_storm() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        took = asyncio.run(_storm(Path(tmp) / "history.db"))
    return row(
        "history: first poll of a 10,000-alert storm",
        took,
        "ms",
        "",
        "diff + one SQLite transaction",
    )


def run() -> list[dict[str, Any]]:
    return [*bench_remedy(), bench_badges(), bench_storm()]


if __name__ == "__main__":
    for r in run():
        value = "FAILED" if r["value"] is None else f"{r['value']} {r['unit']}"
        print(f"{r['name']:<48} {value:>14}  target {r['target'] or '-':<10} {r['notes']}")
