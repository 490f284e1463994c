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
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from warroom.domain.errors import StoreError
from warroom.domain.incident import Entry
from warroom.domain.log_order import timeline
from warroom.domain.ports import IncidentSummary, Lease, Presence, StoreStatus
from warroom.stores import sqlite_shared
from warroom.stores.codec import open_incident
from warroom.stores.sqlite_log import SqliteLog
from warroom.stores.trouble import READ_ONLY, storage_problem

__all__ = ["SqliteLog", "SqliteStore"]

T = TypeVar("T")
log = logging.getLogger(__name__)


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

    async def append(self, entry: Entry) -> Entry:
        return (await self.append_many([entry]))[0]

    async def append_many(self, entries: Sequence[Entry]) -> list[Entry]:
        """The entries as stored (with their `seq`), or as given while held in memory."""
        async with self._write_lock:
            new = [e for e in entries if e.id not in self._unsaved]
            for entry in new:
                self._unsaved[entry.id] = entry
            await self._write_unsaved(new)
            if all(e.id in self._unsaved for e in entries):
                return list(entries)
            seqs = await self._call(self._log.seqs, [e.id for e in entries])
        return [replace(e, seq=seqs[e.id]) if e.id in seqs else e for e in entries]

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
        held = [e for e in batch if e not in new]  # shown long ago: now in their place
        if held and self._callbacks:
            seqs = await self._call(self._log.seqs, [e.id for e in held])
            for entry in held:
                for callback in list(self._callbacks):
                    callback(replace(entry, seq=seqs.get(entry.id)))

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
        return timeline(saved + [e for e in extra if e.id not in known])

    async def heartbeat(self, presence: Presence) -> None:
        await self._call(self._log.run, lambda c: sqlite_shared.heartbeat(c, presence))

    async def consoles(self, since: datetime) -> list[Presence]:
        return await self._call(self._log.run, lambda c: sqlite_shared.consoles(c, since))

    async def claim_lease(
        self, key: str, holder: str, now: datetime, until: datetime, note: str | None = None
    ) -> Lease:
        def work(conn: sqlite3.Connection) -> Lease:
            return sqlite_shared.claim_lease(conn, key, holder, now, until, note)

        return await self._call(self._log.run, work)

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
