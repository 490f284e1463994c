"""The shared incident store: PostgreSQL via asyncpg, live across consoles, safe when it drops.

- Schema and SQL in `postgres_schema`; every session runs with `synchronous_commit = on`
  whatever the server's default (status says so), so a committed entry survives a DB crash.
- Every insert is `ON CONFLICT (id) DO NOTHING` and, only when a row was really inserted, sends
  a NOTIFY in the same transaction (delivered on commit). The payload carries this console's id
  (so a console never hears its own echo), the row's sequence number and the entry itself, or only
  its id when the JSON would not fit PostgreSQL's 8000-byte limit; the receiver then fetches it.
- When the database is unreachable, `append` writes the entry to a durable local outbox (a
  SQLite file of this console's own, named by its console id) and returns; a background task
  reconnects with exponential backoff, flushes the outbox oldest first (each flushed entry comes
  again to the subscribers with its sequence, to take its place in the log), then catches up on
  everything committed after the last sequence this console heard (its own inserts do not move
  that mark: another console's entries committed meanwhile have lower numbers than ours).
  `status` says offline and how many entries are queued.
- Presence and ack leases: `postgres_shared`.

asyncpg is imported here only; this module is imported only when a postgresql:// store is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from warroom.domain.errors import StoreError
from warroom.domain.incident import Entry
from warroom.domain.log_order import timeline
from warroom.domain.ports import IncidentSummary, Lease, Presence, StoreStatus
from warroom.domain.redaction import redact_dsn
from warroom.stores import postgres_schema as sql
from warroom.stores import postgres_shared as shared
from warroom.stores.codec import entry_from_json, entry_to_json, open_incident
from warroom.stores.legacy_outbox import adopt_legacy_outbox
from warroom.stores.postgres_live import Listener
from warroom.stores.sqlite_log import SqliteLog
from warroom.stores.trouble import storage_problem

log = logging.getLogger(__name__)
T = TypeVar("T")

CHANNEL = "warroom_entries"


class PostgresStore:
    """`IncidentStore` on PostgreSQL with a durable local outbox for when the database drops."""

    shared = True  # every console on it hears every entry (four eyes and handovers need that)

    def __init__(
        self,
        dsn: str,
        outbox_path: Path | None = None,
        *,
        timeout_s: float = 5.0,
        start_offline_ok: bool = False,
        health_every_s: float = 2.0,
        backoff_max_s: float = 5.0,
        console_id: str = "",
        legacy_outbox: Path | None = None,
    ) -> None:
        self.dsn = dsn
        self.timeout_s = timeout_s
        self.start_offline_ok = start_offline_ok
        self.health_every_s = health_every_s
        self.backoff_max_s = backoff_max_s
        self.console_id = console_id or uuid.uuid4().hex
        self.outbox = SqliteLog(
            outbox_path or sql.default_outbox_path(dsn, console_id=self.console_id), timeout_s
        )
        self.legacy_outbox = legacy_outbox  # the one outbox all consoles shared before ids
        self._conn: Any = None  # asyncpg.Connection
        self._conn_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()
        self._online = False
        self._queued = 0
        self._detail = ""
        self._closed = False
        self.live = Listener(self.console_id, timeout_s, self._with_conn)
        self._recover_task: asyncio.Task[None] | None = None
        self._health_task: asyncio.Task[None] | None = None
        self.server_synchronous_commit = ""  # the server's own default, once connected
        self._unsaved: dict[str, Entry] = {}  # the outbox's disk was full / read-only
        self._outbox_problem = ""

    # ------------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        await asyncio.to_thread(self.outbox.open)
        if self.legacy_outbox is not None:
            await asyncio.to_thread(adopt_legacy_outbox, self.legacy_outbox, self.outbox)
        self._queued = await asyncio.to_thread(self.outbox.count)
        try:
            await self._connect()
        except Exception as exc:
            if not self.start_offline_ok:
                await asyncio.to_thread(self.outbox.close)
                raise StoreError(
                    f"cannot reach incident store {redact_dsn(self.dsn)}: {sql.why(exc)}"
                ) from exc
            self._go_offline(exc)
        else:
            if self._queued:
                self._go_offline(None)
            else:
                self._online = True
        self._health_task = asyncio.create_task(self._health_loop())

    async def close(self) -> None:
        self._closed = True
        await self.live.close()
        for task in [self._recover_task, self._health_task]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self._drop_connection()
        await asyncio.to_thread(self.outbox.close)

    async def _connect(self) -> None:
        conn = await asyncpg.connect(self.dsn, timeout=self.timeout_s)
        try:
            self.server_synchronous_commit = await sql.durable_session(conn, self.timeout_s)
            await sql.migrate(conn, self.timeout_s)
            await conn.add_listener(CHANNEL, self.live.on_notify)
            conn.add_termination_listener(self._on_terminated)
            if not self.live.started:
                self.live.start_at(
                    int(
                        await conn.fetchval(
                            "SELECT coalesce(max(seq), 0) FROM warroom_entries",
                            timeout=self.timeout_s,
                        )
                    )
                )
        except BaseException:
            with contextlib.suppress(Exception):
                conn.terminate()
            raise
        self._conn = conn

    async def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await asyncio.wait_for(conn.close(), timeout=1.0)
            except Exception:
                conn.terminate()

    # ------------------------------------------------------------------ writing

    async def append(self, entry: Entry) -> Entry:
        async with self._write_lock:
            if self._online and not self._queued:
                try:
                    return (await self._insert([entry]))[0]
                except Exception as exc:
                    self._go_offline(exc)
            await self._queue_locally(entry)
            return entry

    async def _queue_locally(self, entry: Entry) -> None:
        """Into the durable outbox; when its disk is full or read-only, into memory (shown,
        marked not saved in `status.unsaved`) until the database or the disk takes them."""
        batch = [*self._unsaved.values(), entry]
        try:
            await asyncio.to_thread(self.outbox.append_many, batch)
        except StoreError as exc:
            problem = storage_problem(exc)
            if problem is None:
                raise
            self._outbox_problem = problem
            self._unsaved[entry.id] = entry
        else:
            self._unsaved.clear()
            self._outbox_problem = ""
        self._queued = await asyncio.to_thread(self.outbox.count) + len(self._unsaved)

    async def _insert(self, entries: Sequence[Entry]) -> list[Entry]:
        """Insert (idempotent) and notify, in one transaction; raises on any failure. Returns
        the entries with their sequence numbers (an entry already there keeps its own)."""

        async def work(conn: Any) -> list[Entry]:
            out = []
            async with conn.transaction():
                for entry in entries:
                    body = entry_to_json(entry)
                    row = await conn.fetchrow(
                        sql.INSERT,
                        entry.id,
                        entry.incident_id,
                        entry.kind.value,
                        entry.at,
                        entry.recorded_at,
                        self.console_id,
                        body,
                        CHANNEL,
                        sql.notify_tail(entry, body),
                        timeout=self.timeout_s,
                    )
                    if row is not None:
                        seq = int(row["seq"])
                    else:  # written before (a flush cut short): the number it got then
                        seq = int(
                            await conn.fetchval(
                                "SELECT seq FROM warroom_entries WHERE id = $1",
                                entry.id,
                                timeout=self.timeout_s,
                            )
                        )
                    out.append(replace(entry, seq=seq))
            self.live.seen.update(e.id for e in entries)
            return out

        return await self._with_conn(work)

    async def _with_conn(self, work: Callable[[Any], Awaitable[T]]) -> T:
        async with self._conn_lock:
            conn = self._conn
            if conn is None or conn.is_closed():
                raise StoreError("not connected")
            return await asyncio.wait_for(work(conn), timeout=self.timeout_s * 2)

    # ------------------------------------------------------------------ offline / recovery

    def _go_offline(self, exc: BaseException | None) -> None:
        if exc is not None:
            self._detail = sql.why(exc)
            log.warning("incident store offline: %s", self._detail)
        self._online = False
        if self._closed:
            return
        if self._recover_task is None or self._recover_task.done():
            self._recover_task = asyncio.create_task(self._recover())

    def _on_terminated(self, conn: Any) -> None:
        if conn is self._conn and not self._closed:
            self._go_offline(ConnectionError("connection to the database was lost"))

    async def _recover(self) -> None:
        delay = 0.1
        while not self._closed:
            try:
                if self._conn is None or self._conn.is_closed():
                    await self._drop_connection()
                    await self._connect()
                if await self._flush():
                    await self.live.catch_up()
                    self._detail = ""
                    return
                continue  # flushed a batch, more arrived: go again at once
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._detail = sql.why(exc)
                await self._drop_connection()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_max_s)

    async def _flush(self) -> bool:
        """Send queued entries; True (and online again) once the outbox is empty."""
        pending = await asyncio.to_thread(self.outbox.all_entries)
        for start in range(0, len(pending), 200):
            batch = pending[start : start + 200]
            committed = await self._insert(batch)
            await asyncio.to_thread(self.outbox.remove, [e.id for e in batch])
            self.live.tell(committed)
        async with self._write_lock:
            if self._unsaved:  # held in memory (the outbox's disk was full): straight in
                self.live.tell(await self._insert(list(self._unsaved.values())))
                self._unsaved.clear()
                self._outbox_problem = ""
            self._queued = await asyncio.to_thread(self.outbox.count)
            if self._queued == 0:
                self._online = True
                return True
        return False

    async def _health_loop(self) -> None:
        while not self._closed:
            await asyncio.sleep(self.health_every_s)
            if not self._online:
                continue
            try:
                await self._with_conn(lambda c: c.fetchval("SELECT 1", timeout=self.timeout_s))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._go_offline(exc)

    # ------------------------------------------------------------------ live updates

    def subscribe(self, callback: Callable[[Entry], None]) -> None:
        self.live.subscribe(callback)

    # ------------------------------------------------------------------ reading

    async def _read(self, work: Callable[[Any], Awaitable[T]]) -> T:
        if not self._online and self._conn is None:
            raise StoreError(
                f"incident store {redact_dsn(self.dsn)} is offline ({self._detail or 'reconnecting'})"
            )
        try:
            return await self._with_conn(work)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"incident store {redact_dsn(self.dsn)}: {sql.why(exc)}") from exc

    async def entries(self, incident_id: str) -> list[Entry]:
        timeout = self.timeout_s
        rows = await self._read(lambda c: sql.fetch_entries(c, incident_id, timeout))
        found = {
            e.id: e for e in (replace(entry_from_json(r["body"]), seq=int(r["seq"])) for r in rows)
        }
        if self._queued:  # queued here: not committed, no number yet
            for entry in await asyncio.to_thread(self.outbox.entries, incident_id):
                found.setdefault(entry.id, replace(entry, seq=None))
            for entry in list(self._unsaved.values()):
                if entry.incident_id == incident_id:
                    found.setdefault(entry.id, entry)
        return timeline(found.values())

    async def heartbeat(self, presence: Presence) -> None:
        await self._read(lambda c: shared.heartbeat(c, presence, self.timeout_s))

    async def consoles(self, since: datetime) -> list[Presence]:
        return await self._read(lambda c: shared.consoles(c, since, self.timeout_s))

    async def claim_lease(
        self, key: str, holder: str, now: datetime, until: datetime, note: str | None = None
    ) -> Lease:
        timeout = self.timeout_s
        return await self._read(
            lambda c: shared.claim_lease(c, key, holder, now, until, note, timeout)
        )

    async def incidents(self) -> list[IncidentSummary]:
        timeout = self.timeout_s
        return await self._read(lambda c: sql.fetch_summaries(c, timeout))

    async def open_incident_id(self) -> str | None:
        return open_incident(await self.incidents())

    async def count(self) -> int:
        """Rows in the database (tests and benchmarks check for loss and duplicates)."""
        return int(
            await self._read(
                lambda c: c.fetchval("SELECT count(*) FROM warroom_entries", timeout=self.timeout_s)
            )
        )

    @property
    def status(self) -> StoreStatus:
        detail = redact_dsn(self.dsn)
        if self.server_synchronous_commit:
            detail += " · synchronous_commit=on"
            if self.server_synchronous_commit != "on":
                detail += f" (server default {self.server_synchronous_commit})"
        if not self._online and self._detail:
            detail = f"{detail}: {self._detail}"
        if self.outbox.notice:
            detail += f" · outbox: {self.outbox.notice}"
        if self._unsaved:
            n = len(self._unsaved)
            detail = (
                f"{self._outbox_problem}: local outbox {self.outbox.path}: {n} "
                f"{'entry' if n == 1 else 'entries'} NOT SAVED (kept in memory only) · {detail}"
            )
        return StoreStatus(
            online=self._online,
            queued=self._queued,
            detail=detail,
            unsaved=frozenset(self._unsaved),
            problem=self._outbox_problem if self._unsaved else "",
            notice=self.outbox.notice,
        )
