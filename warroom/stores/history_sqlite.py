"""Alert history in SQLite: its own file (`history.db` beside the incident store by default).

Its own file rather than a table in the incident store's: the recorder writes on every poll
(a whole storm's fires at once) and prunes old rows, and neither should take the write lock
the incident log's durable appends wait on; and the history can be deleted or rebuilt without
touching a single incident. `synchronous=NORMAL` (not FULL as for incidents): a fire lost to a
power cut is seen again on the next poll, so an fsync per poll buys nothing here.
sqlite3 blocks, so every call runs in a thread behind one lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from warroom.domain.alert_history import AlertEvent, EventKind, firing_key
from warroom.domain.errors import StoreError
from warroom.domain.history_ports import DEFAULT_MAX_EVENTS, DEFAULT_RETENTION

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_events (
    fingerprint TEXT NOT NULL,
    starts_at   INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    at          REAL NOT NULL,
    name        TEXT NOT NULL,
    service     TEXT NOT NULL,
    source      TEXT NOT NULL,
    PRIMARY KEY (fingerprint, starts_at, kind)
);
CREATE INDEX IF NOT EXISTS alert_events_at ON alert_events (at);
"""
_INSERT = (
    "INSERT OR IGNORE INTO alert_events (fingerprint, starts_at, kind, at, name, service, source)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_EARLIER = (
    "UPDATE alert_events SET at = ? WHERE fingerprint = ? AND starts_at = ? AND kind = ? AND at > ?"
)


def _row(event: AlertEvent) -> tuple[str, int, str, float, str, str, str]:
    start = int(firing_key(event.starts_at).timestamp())
    return (
        event.fingerprint,
        start,
        event.kind.value,
        event.at.timestamp(),
        event.name,
        event.service,
        event.source,
    )


def _event(row: Sequence[object]) -> AlertEvent:
    fp, start, kind, at, name, service, source = row
    return AlertEvent(
        str(fp),
        str(name),
        str(service),
        EventKind(str(kind)),
        datetime.fromtimestamp(float(start), UTC),  # type: ignore[arg-type]
        datetime.fromtimestamp(float(at), UTC),  # type: ignore[arg-type]
        str(source),
    )


class SqliteHistoryStore:
    """`AlertHistoryStore` on one SQLite file (WAL: several consoles may share it)."""

    def __init__(
        self,
        path: Path,
        *,
        retention: timedelta = DEFAULT_RETENTION,
        max_events: int = DEFAULT_MAX_EVENTS,
        timeout_s: float = 5.0,
    ) -> None:
        self.path = Path(path)
        self.retention = retention
        self.max_events = max_events
        self.timeout_s = timeout_s
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=self.timeout_s, check_same_thread=False, isolation_level=None
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA busy_timeout={int(self.timeout_s * 1000)}")
            conn.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open alert history {self.path}: {exc}") from exc
        self._conn = conn

    def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            if self._conn is None:
                raise StoreError(f"alert history {self.path} is not open")
            try:
                return fn(self._conn)
            except sqlite3.Error as exc:
                raise StoreError(f"alert history {self.path}: {exc}") from exc

    async def open(self) -> None:
        await asyncio.to_thread(self._open)

    async def close(self) -> None:
        def close() -> None:
            with self._lock:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None

        await asyncio.to_thread(close)

    async def record(self, events: Sequence[AlertEvent]) -> int:
        rows = [_row(e) for e in events]

        def write(conn: sqlite3.Connection) -> int:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                new = conn.executemany(_INSERT, rows).rowcount
                conn.executemany(_EARLIER, [(r[3], r[0], r[1], r[2], r[3]) for r in rows])
            return max(0, new)

        return await asyncio.to_thread(self._run, write) if rows else 0

    async def events(self, since: datetime, until: datetime | None = None) -> list[AlertEvent]:
        upper = until.timestamp() if until is not None else float("inf")

        def read(conn: sqlite3.Connection) -> list[AlertEvent]:
            cur = conn.execute(
                "SELECT fingerprint, starts_at, kind, at, name, service, source FROM alert_events"
                " WHERE at >= ? AND at <= ? ORDER BY at, kind",
                (since.timestamp(), upper),
            )
            return [_event(r) for r in cur.fetchall()]

        return await asyncio.to_thread(self._run, read)

    async def prune(self, now: datetime) -> int:
        cutoff = (now - self.retention).timestamp()

        def prune(conn: sqlite3.Connection) -> int:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                gone = conn.execute("DELETE FROM alert_events WHERE at < ?", (cutoff,)).rowcount
                total = conn.execute("SELECT count(*) FROM alert_events").fetchone()[0]
                if total > self.max_events:
                    gone += conn.execute(
                        "DELETE FROM alert_events WHERE rowid IN"
                        " (SELECT rowid FROM alert_events ORDER BY at LIMIT ?)",
                        (total - self.max_events,),
                    ).rowcount
            return max(0, gone)

        return await asyncio.to_thread(self._run, prune)
