"""The embedded incident store: one SQLite file in WAL mode.

Durability choice: WAL with `synchronous=FULL`. In WAL mode NORMAL already survives a killed
process (the WAL is in the OS page cache once `COMMIT` returns), but not a power cut or a kernel
panic on the bastion; FULL fsyncs the WAL at every commit, which costs about a millisecond per
entry and makes "committed before shown" hold for the machine too, not just for the process.

sqlite3 blocks, so every call runs in a worker thread (`asyncio.to_thread`) behind one lock:
the console's event loop never waits on the disk.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from warroom.domain.errors import StoreError
from warroom.domain.incident import Entry, EntryKind, Incident
from warroom.domain.ports import IncidentSummary, StoreStatus

T = TypeVar("T")

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    incident_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    at           REAL NOT NULL,
    recorded_at  REAL NOT NULL,
    body         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_incident_at ON entries (incident_id, at);
CREATE INDEX IF NOT EXISTS entries_kind ON entries (kind, incident_id);
"""

# Entries that decide an incident's summary (title, severity, status); the rest are not needed
# to list incidents, so listing stays fast however long the timelines grow.
SUMMARY_KINDS = (EntryKind.DECLARED, EntryKind.STATUS, EntryKind.SEVERITY)


def entry_to_json(entry: Entry) -> str:
    return json.dumps(entry.to_dict(), ensure_ascii=False, separators=(",", ":"))


def entry_from_json(text: str) -> Entry:
    return Entry.from_dict(json.loads(text))


def summarize(entries: Sequence[Entry], count: int) -> IncidentSummary | None:
    """An incident's one-line summary from its declared/status/severity entries."""
    try:
        incident = Incident.from_entries(entries)
    except ValueError:
        return None
    return IncidentSummary(
        id=incident.id,
        title=incident.title,
        severity=incident.severity.value,
        status=incident.status.value,
        declared_at=incident.declared_at,
        resolved_at=incident.resolved_at,
        entries=count,
        drill=incident.drill,
    )


class SqliteLog:
    """The synchronous core (also used as the PostgreSQL store's durable outbox)."""

    def __init__(self, path: Path, timeout_s: float = 5.0) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=self.timeout_s, check_same_thread=False, isolation_level=None
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(f"PRAGMA busy_timeout={int(self.timeout_s * 1000)}")
            conn.executescript(_SCHEMA)
            if conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 0:
                conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open incident store {self.path}: {exc}") from exc
        self._conn = conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            if self._conn is None:
                raise StoreError(f"incident store {self.path} is not open")
            try:
                return fn(self._conn)
            except sqlite3.Error as exc:
                raise StoreError(f"incident store {self.path}: {exc}") from exc

    def append_many(self, entries: Iterable[Entry]) -> int:
        """Insert, ignoring ids already present; returns how many were new. One transaction."""
        rows = [
            (
                e.id,
                e.incident_id,
                e.kind.value,
                e.at.timestamp(),
                e.recorded_at.timestamp(),
                entry_to_json(e),
            )
            for e in entries
        ]

        def work(conn: sqlite3.Connection) -> int:
            before = conn.total_changes
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "INSERT OR IGNORE INTO entries (id, incident_id, kind, at, recorded_at, body)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return conn.total_changes - before

        return self._run(work)

    def entries(self, incident_id: str) -> list[Entry]:
        rows = self._run(
            lambda c: c.execute(
                "SELECT body FROM entries WHERE incident_id = ? ORDER BY at, recorded_at, id",
                (incident_id,),
            ).fetchall()
        )
        return [entry_from_json(r[0]) for r in rows]

    def all_entries(self) -> list[Entry]:
        rows = self._run(lambda c: c.execute("SELECT body FROM entries ORDER BY seq").fetchall())
        return [entry_from_json(r[0]) for r in rows]

    def remove(self, ids: Sequence[str]) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("DELETE FROM entries WHERE id = ?", [(i,) for i in ids])
            conn.execute("COMMIT")

        self._run(work)

    def count(self) -> int:
        return int(self._run(lambda c: c.execute("SELECT count(*) FROM entries").fetchone()[0]))

    def incidents(self) -> list[IncidentSummary]:
        kinds = tuple(k.value for k in SUMMARY_KINDS)

        def work(conn: sqlite3.Connection) -> tuple[list[Any], list[Any]]:
            counts = conn.execute(
                "SELECT incident_id, count(*) FROM entries GROUP BY incident_id"
            ).fetchall()
            rows = conn.execute(
                f"SELECT incident_id, body FROM entries WHERE kind IN ({','.join('?' * len(kinds))})"
                " ORDER BY at, seq",
                kinds,
            ).fetchall()
            return counts, rows

        counts, rows = self._run(work)
        by_incident: dict[str, list[Entry]] = {}
        for incident_id, body in rows:
            by_incident.setdefault(incident_id, []).append(entry_from_json(body))
        out = [
            s
            for incident_id, n in counts
            if (s := summarize(by_incident.get(incident_id, []), int(n))) is not None
        ]
        out.sort(key=lambda s: s.declared_at, reverse=True)
        return out


def open_incident(summaries: Sequence[IncidentSummary]) -> str | None:
    """The newest incident still open (summaries newest first)."""
    return next((s.id for s in summaries if s.status != "resolved"), None)


class SqliteStore:
    """`IncidentStore` on a local SQLite file. Live updates from other consoles do not apply
    (one file, one machine); `subscribe` is accepted and never called."""

    def __init__(self, path: Path, timeout_s: float = 5.0) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self._log = SqliteLog(self.path, timeout_s)
        self._callbacks: list[Callable[[Entry], None]] = []

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return await asyncio.wait_for(asyncio.to_thread(fn, *args), self.timeout_s * 2)
        except TimeoutError as exc:
            raise StoreError(f"incident store {self.path} did not answer in time") from exc

    async def open(self) -> None:
        await self._call(self._log.open)

    async def close(self) -> None:
        await self._call(self._log.close)

    async def append(self, entry: Entry) -> None:
        await self._call(self._log.append_many, [entry])

    async def append_many(self, entries: Sequence[Entry]) -> None:
        await self._call(self._log.append_many, list(entries))

    async def entries(self, incident_id: str) -> list[Entry]:
        return await self._call(self._log.entries, incident_id)

    async def incidents(self) -> list[IncidentSummary]:
        return await self._call(self._log.incidents)

    async def open_incident_id(self) -> str | None:
        return open_incident(await self.incidents())

    def subscribe(self, callback: Callable[[Entry], None]) -> None:
        self._callbacks.append(callback)

    @property
    def status(self) -> StoreStatus:
        return StoreStatus(online=True, queued=0, detail=f"sqlite {self.path}")
