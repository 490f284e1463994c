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
import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from warroom.domain.errors import StoreError
from warroom.domain.incident import Entry
from warroom.domain.ports import IncidentSummary, StoreStatus
from warroom.domain.untrusted import one_line
from warroom.stores.codec import (
    SUMMARY_KINDS,
    entry_from_json,
    entry_to_json,
    open_incident,
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


class SqliteStore:
    """`IncidentStore` on a local SQLite file. Live updates from other consoles do not apply
    (one file, one machine); `subscribe` is accepted and never called.

    Disk full or read-only: `append` keeps the entry in memory (shown; `status` names the problem
    and lists it in `unsaved`); later appends and a retry every few seconds write them, in order."""

    def __init__(
        self,
        path: Path,
        timeout_s: float = 5.0,
        *,
        pragmas: Sequence[str] = (),
        retry_s: float = 2.0,
    ) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self.retry_s = retry_s
        self._log = SqliteLog(self.path, timeout_s, pragmas)
        self._callbacks: list[Callable[[Entry], None]] = []
        self._unsaved: dict[str, Entry] = {}
        self._problem = ""
        self._retry: asyncio.Task[None] | None = None
        self._write_lock = asyncio.Lock()

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return await asyncio.wait_for(asyncio.to_thread(fn, *args), self.timeout_s * 2)
        except TimeoutError as exc:
            raise StoreError(f"incident store {self.path} did not answer in time") from exc

    async def open(self) -> None:
        await self._call(self._log.open)
        if self._log.read_only:
            self._problem = READ_ONLY

    async def close(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._retry
        with contextlib.suppress(StoreError):  # one last try for what is held in memory
            await self._write_unsaved()
        if self._unsaved:
            log.error(
                "incident store %s: %d entries were never saved", self.path, len(self._unsaved)
            )
        await self._call(self._log.close)

    async def append(self, entry: Entry) -> None:
        await self.append_many([entry])

    async def append_many(self, entries: Sequence[Entry]) -> None:
        async with self._write_lock:
            new = [e for e in entries if e.id not in self._unsaved]
            for entry in new:
                self._unsaved[entry.id] = entry
            await self._write_unsaved(new)

    async def _write_unsaved(self, new: Sequence[Entry] = ()) -> None:
        """Write every entry not yet saved; on disk full / read-only keep them and say so.
        Any other failure raises, and the `new` entries are not kept (the caller reports it)."""
        if not self._unsaved:
            return
        batch = list(self._unsaved.values())
        try:
            await self._call(self._log.append_many, batch)
        except StoreError as exc:
            problem = storage_problem(exc)
            if problem is None:
                for entry in new:
                    self._unsaved.pop(entry.id, None)
                raise
            if self._problem != problem:
                log.error("incident store %s: %s: entries kept in memory only", self.path, exc)
            self._problem = problem
            self._schedule_retry()
            return
        for entry in batch:
            self._unsaved.pop(entry.id, None)
        self._problem = READ_ONLY if self._log.read_only else ""

    def _schedule_retry(self) -> None:
        if self._retry is None or self._retry.done():
            self._retry = asyncio.create_task(self._retry_loop())

    async def _retry_loop(self) -> None:
        delay = self.retry_s
        while self._unsaved:
            await asyncio.sleep(delay)
            async with self._write_lock:
                with contextlib.suppress(StoreError):
                    await self._write_unsaved()
            delay = min(delay * 2, 30.0)

    async def entries(self, incident_id: str) -> list[Entry]:
        saved = await self._call(self._log.entries, incident_id)
        extra = [e for e in self._unsaved.values() if e.incident_id == incident_id]
        if not extra:
            return saved
        known = {e.id for e in saved}
        merged = saved + [e for e in extra if e.id not in known]
        return sorted(merged, key=lambda e: (e.at, e.recorded_at, e.id))

    async def incidents(self) -> list[IncidentSummary]:
        return await self._call(self._log.incidents)

    async def open_incident_id(self) -> str | None:
        return open_incident(await self.incidents())

    def subscribe(self, callback: Callable[[Entry], None]) -> None:
        self._callbacks.append(callback)

    @property
    def status(self) -> StoreStatus:
        detail = f"sqlite {self.path}"
        if self._problem:
            n = len(self._unsaved)
            detail = (
                f"{self._problem}: {self.path}: {n} {'entry' if n == 1 else 'entries'} NOT SAVED"
                " (kept in memory only; retrying)"
            )
        if self._log.notice:
            detail += f" · {self._log.notice}"
        return StoreStatus(
            online=not self._problem,
            queued=len(self._unsaved),
            detail=detail,
            unsaved=frozenset(self._unsaved),
            problem=self._problem,
            notice=self._log.notice,
        )
