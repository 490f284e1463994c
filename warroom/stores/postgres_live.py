"""What other consoles write, heard in the store's order: NOTIFY while connected, a catch-up by
sequence number after a reconnect, and this console's own queued entries once committed.

The mark (`last_seq`) moves only with what was heard (NOTIFY, catch-up), never with this
console's own inserts: after an outage our flushed entries get numbers above those another
console committed meanwhile, and the catch-up must still read those. Each entry is delivered
once (by id), except our own queued ones, which come again with their number to take their
place in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from warroom.domain.incident import Entry
from warroom.stores.codec import entry_from_json
from warroom.stores.postgres_schema import why

log = logging.getLogger(__name__)

# A catch-up reads this many sequence numbers below the last heard: a transaction that took its
# number before another's but committed after it is not skipped (ids already heard are).
CATCH_UP_OVERLAP = 1000

WithConn = Callable[[Callable[[Any], Awaitable[Any]]], Awaitable[Any]]


class Listener:
    def __init__(self, console_id: str, timeout_s: float, with_conn: WithConn) -> None:
        self.console_id = console_id
        self.timeout_s = timeout_s
        self._with_conn = with_conn
        self.last_seq = 0
        self.floor = 0  # the newest entry when we first connected: older ones are read, not heard
        self.started = False
        self.seen: set[str] = set()
        self._callbacks: list[Callable[[Entry], None]] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    def start_at(self, seq: int) -> None:
        """The first connection: what is in the store already is loaded (`entries`), not
        delivered; only what comes after is heard."""
        self.last_seq = self.floor = max(self.last_seq, seq)
        self.started = True

    def subscribe(self, callback: Callable[[Entry], None]) -> None:
        self._callbacks.append(callback)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def on_notify(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        try:  # anyone who may NOTIFY on the channel can send anything: ignore what is not ours
            msg = json.loads(payload)
            seq = int(msg.get("s") or 0)
            entry = Entry.from_dict(msg["e"]) if "e" in msg else None
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("ignored a malformed notification on the entries channel")
            return
        self.last_seq = max(self.last_seq, seq)
        if msg.get("o") == self.console_id:
            return
        if entry is not None:
            self.deliver(replace(entry, seq=seq or None))
        elif "id" in msg:
            task = asyncio.create_task(self._fetch_and_deliver(str(msg["id"])))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def catch_up(self) -> None:
        """Deliver what was committed while we could not hear it, in sequence order."""
        since = max(self.floor, self.last_seq - CATCH_UP_OVERLAP)

        async def work(conn: Any) -> list[Any]:
            return list(
                await conn.fetch(
                    "SELECT seq, id, body FROM warroom_entries WHERE seq > $1 ORDER BY seq",
                    since,
                    timeout=self.timeout_s,
                )
            )

        for row in await self._with_conn(work):
            self.last_seq = max(self.last_seq, int(row["seq"]))
            if row["id"] not in self.seen:
                self.deliver(replace(entry_from_json(row["body"]), seq=int(row["seq"])))

    async def _fetch_and_deliver(self, entry_id: str) -> None:
        async def work(conn: Any) -> Any:
            return await conn.fetchrow(
                "SELECT seq, body FROM warroom_entries WHERE id = $1",
                entry_id,
                timeout=self.timeout_s,
            )

        try:
            row = await self._with_conn(work)
        except Exception as exc:
            log.warning("could not fetch entry %s: %s", entry_id, why(exc))
            return
        if row is not None:
            self.deliver(replace(entry_from_json(row["body"]), seq=int(row["seq"])))

    def tell(self, committed: Sequence[Entry]) -> None:
        """Our own queued entries, committed at last: to the subscribers, with their numbers."""
        for entry in committed:
            self.deliver(entry, again=True)

    def deliver(self, entry: Entry, *, again: bool = False) -> None:
        if entry.id in self.seen and not again:
            return
        self.seen.add(entry.id)
        for callback in list(self._callbacks):
            try:
                callback(entry)
            except Exception:  # a broken subscriber must not stop the others
                log.exception("incident store subscriber failed")
