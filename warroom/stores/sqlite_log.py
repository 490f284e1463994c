"""The synchronous SQLite core: one file in WAL mode, `synchronous=FULL` (see `stores.sqlite`
for why), behind one lock. The incident store runs it in worker threads; the PostgreSQL store
uses it as its durable outbox."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from warroom.domain.errors import StoreError
from warroom.domain.incident import Entry
from warroom.domain.log_order import timeline
from warroom.domain.ports import IncidentSummary
from warroom.domain.untrusted import one_line
from warroom.stores import sqlite_shared
from warroom.stores.codec import (
    SUMMARY_KINDS,
    entry_from_json,
    entry_to_json,
    summarize,
)
from warroom.stores.trouble import READ_ONLY, quick_check, set_aside, storage_problem

T = TypeVar("T")
log = logging.getLogger(__name__)

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


class SqliteLog:
    """The synchronous core (also used as the PostgreSQL store's durable outbox).

    `pragmas`: extra `PRAGMA`s run at open (e.g. `max_page_count=N` to cap the file's size)."""

    def __init__(self, path: Path, timeout_s: float = 5.0, pragmas: Sequence[str] = ()) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self.pragmas = tuple(pragmas)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.notice = ""  # set when a corrupt file was set aside at open
        self.read_only = False

    def open(self) -> None:
        """Open (creating when missing). A corrupt file is set aside (renamed with a timestamp,
        `self.notice` says so) and a fresh one started; a read-only one is opened read-only
        (`self.read_only`), so its incidents still show while new entries cannot be saved."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            existed = self.path.exists() and self.path.stat().st_size > 0
            conn = self._connect()
            problem = quick_check(conn) if existed else None
            if problem is not None:
                conn.close()
                aside = set_aside(self.path)
                self.notice = (
                    f"incident store {self.path} was corrupt ({one_line(problem)}): set aside as "
                    f"{aside.name}; started a fresh store"
                )
                log.error("%s", self.notice)
                conn = self._connect()
            self._prepare(conn)
        except (sqlite3.Error, OSError) as exc:
            problem_kind = storage_problem(exc)
            if problem_kind == READ_ONLY and self.path.exists():
                self._conn = self._open_read_only(exc)
                return
            why = f"{problem_kind}: {exc}" if problem_kind else str(exc)
            raise StoreError(f"cannot open incident store {self.path}: {why}") from exc
        self._conn = conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self.timeout_s, check_same_thread=False, isolation_level=None
        )
        conn.execute(f"PRAGMA busy_timeout={int(self.timeout_s * 1000)}")
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        for pragma in self.pragmas:
            conn.execute(f"PRAGMA {pragma}")
        conn.executescript(_SCHEMA)
        conn.executescript(sqlite_shared.SCHEMA)
        if conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 0:
            conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))

    def _open_read_only(self, cause: BaseException) -> sqlite3.Connection:
        for mode in ("mode=ro", "immutable=1"):
            try:
                conn = sqlite3.connect(
                    f"{self.path.resolve().as_uri()}?{mode}",
                    uri=True,
                    timeout=self.timeout_s,
                    check_same_thread=False,
                    isolation_level=None,
                )
                conn.execute("SELECT count(*) FROM entries").fetchone()
            except sqlite3.Error:
                continue
            self.read_only = True
            log.error("incident store %s is read-only: new entries cannot be saved", self.path)
            return conn
        raise StoreError(f"cannot open incident store {self.path}: {READ_ONLY}: {cause}") from cause

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn` on the connection, under the lock; SQLite's errors become StoreError."""
        return self._run(fn)

    def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            if self._conn is None:
                raise StoreError(f"incident store {self.path} is not open")
            try:
                return fn(self._conn)
            except (sqlite3.Error, OSError) as exc:
                problem = storage_problem(exc)
                why = f"{problem}: {exc}" if problem else str(exc)
                raise StoreError(f"incident store {self.path}: {why}") from exc

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
                _rollback(conn)  # SQLite may have rolled back itself (disk full): keep the cause
                raise
            return conn.total_changes - before

        return self._run(work)

    def entries(self, incident_id: str) -> list[Entry]:
        """The incident's entries in the log's order, each with its sequence (the rowid)."""
        rows = self._run(
            lambda c: c.execute(
                "SELECT seq, body FROM entries WHERE incident_id = ? ORDER BY seq",
                (incident_id,),
            ).fetchall()
        )
        return timeline(replace(entry_from_json(body), seq=seq) for seq, body in rows)

    def seqs(self, ids: Sequence[str]) -> dict[str, int]:
        """Each stored entry's sequence, by id."""

        def work(conn: sqlite3.Connection) -> dict[str, int]:
            out: dict[str, int] = {}
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                marks = ",".join("?" * len(chunk))
                query = f"SELECT id, seq FROM entries WHERE id IN ({marks})"
                out.update(conn.execute(query, chunk).fetchall())
            return out

        return self._run(work)

    def all_entries(self) -> list[Entry]:
        rows = self._run(lambda c: c.execute("SELECT body FROM entries ORDER BY seq").fetchall())
        return [entry_from_json(r[0]) for r in rows]

    def remove(self, ids: Sequence[str]) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("DELETE FROM entries WHERE id = ?", [(i,) for i in ids])
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise

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


def _rollback(conn: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        if conn.in_transaction:
            conn.execute("ROLLBACK")
