"""Alert history in PostgreSQL (asyncpg), for consoles that share a store: one table,
`warroom_alert_events`, created if missing. Imported only when a postgresql:// store is used.

Writes are `ON CONFLICT DO UPDATE` keeping the earliest `at`, so consoles and the webhook
receiver writing the same fire leave one row. Failures raise StoreError: the recorder's caller
shows the store as offline and the next poll writes again (a fire is not lost by waiting, the
alert is still in Alertmanager, and its key makes the late write harmless).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from warroom.domain.alert_history import AlertEvent, EventKind, firing_key
from warroom.domain.errors import StoreError
from warroom.domain.history_ports import DEFAULT_MAX_EVENTS, DEFAULT_RETENTION

_SCHEMA = """
CREATE TABLE IF NOT EXISTS warroom_alert_events (
    fingerprint TEXT NOT NULL,
    starts_at   TIMESTAMPTZ NOT NULL,
    kind        TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    name        TEXT NOT NULL,
    service     TEXT NOT NULL,
    source      TEXT NOT NULL,
    PRIMARY KEY (fingerprint, starts_at, kind)
);
CREATE INDEX IF NOT EXISTS warroom_alert_events_at ON warroom_alert_events (at);
"""
_LOCK_KEY = 0x5741_5248  # advisory lock for creating the table ("WARH")

_UPSERT = """
INSERT INTO warroom_alert_events AS e (fingerprint, starts_at, kind, at, name, service, source)
SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::timestamptz[],
                     $5::text[], $6::text[], $7::text[])
ON CONFLICT (fingerprint, starts_at, kind) DO UPDATE SET at = excluded.at
    WHERE excluded.at < e.at
RETURNING (xmax = 0) AS inserted
"""


class PostgresHistoryStore:
    """`AlertHistoryStore` on a shared PostgreSQL (one connection, calls serialised)."""

    def __init__(
        self,
        dsn: str,
        *,
        retention: timedelta = DEFAULT_RETENTION,
        max_events: int = DEFAULT_MAX_EVENTS,
        timeout_s: float = 5.0,
    ) -> None:
        self.dsn = dsn
        self.retention = retention
        self.max_events = max_events
        self.timeout_s = timeout_s
        self._conn: Any = None
        self._lock = asyncio.Lock()

    async def _connection(self) -> Any:
        if self._conn is None or self._conn.is_closed():
            conn = await asyncpg.connect(self.dsn, timeout=self.timeout_s)
            async with conn.transaction():
                await conn.execute(
                    "SELECT pg_advisory_xact_lock($1)", _LOCK_KEY, timeout=self.timeout_s
                )
                await conn.execute(_SCHEMA, timeout=self.timeout_s)
            self._conn = conn
        return self._conn

    async def _call(self, what: str, method: str, *args: Any) -> Any:
        async with self._lock:
            try:
                conn = await self._connection()
                return await getattr(conn, method)(*args, timeout=self.timeout_s)
            except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                await self._drop()
                raise StoreError(f"alert history (PostgreSQL) {what}: {exc}") from exc

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await asyncio.wait_for(conn.close(), self.timeout_s)
            except Exception:
                conn.terminate()

    async def open(self) -> None:
        async with self._lock:
            try:
                await self._connection()
            except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
                raise StoreError(f"cannot open alert history (PostgreSQL): {exc}") from exc

    async def close(self) -> None:
        async with self._lock:
            await self._drop()

    async def record(self, events: Sequence[AlertEvent]) -> int:
        if not events:
            return 0
        columns: list[list[Any]] = [[] for _ in range(7)]
        for e in events:
            row = (
                e.fingerprint,
                firing_key(e.starts_at),
                e.kind.value,
                e.at,
                e.name,
                e.service,
                e.source,
            )
            for column, value in zip(columns, row, strict=True):
                column.append(value)
        rows = await self._call("write", "fetch", _UPSERT, *columns)
        return sum(1 for r in rows if r["inserted"])

    async def events(self, since: datetime, until: datetime | None = None) -> list[AlertEvent]:
        query = (
            "SELECT fingerprint, starts_at, kind, at, name, service, source FROM warroom_alert_events"
            " WHERE at >= $1 AND ($2::timestamptz IS NULL OR at <= $2) ORDER BY at, kind"
        )
        rows = await self._call("read", "fetch", query, since, until)
        return [AlertEvent(r[0], r[4], r[5], EventKind(r[2]), r[1], r[3], r[6]) for r in rows]

    async def prune(self, now: datetime) -> int:
        old = await self._call(
            "prune",
            "execute",
            "DELETE FROM warroom_alert_events WHERE at < $1",
            now - self.retention,
        )
        excess = await self._call(
            "prune",
            "execute",
            "DELETE FROM warroom_alert_events WHERE ctid IN (SELECT ctid FROM warroom_alert_events"
            " ORDER BY at DESC OFFSET $1)",
            self.max_events,
        )
        return sum(int(str(status).rsplit(" ", 1)[-1]) for status in (old, excess))
