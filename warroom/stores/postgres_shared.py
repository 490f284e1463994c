"""The PostgreSQL store's presence and lease SQL: the consoles' small shared state beside the
log. Times are the callers' (their injected clocks), so a simulated incident behaves as a real
one; a lease is taken in one statement, so two consoles asking at once cannot both win."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from warroom.domain.ports import Lease, Presence

SCHEMA = """
CREATE TABLE IF NOT EXISTS warroom_consoles (
    console    TEXT PRIMARY KEY,
    person     TEXT NOT NULL,
    roles      TEXT NOT NULL DEFAULT '[]',
    viewer     BOOLEAN NOT NULL DEFAULT false,
    last_seen  TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS warroom_leases (
    key        TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    note       TEXT NOT NULL DEFAULT ''
);
"""

_CLAIM = """
INSERT INTO warroom_leases AS l (key, holder, expires_at, note)
VALUES ($1, $2, $4, coalesce($5::text, ''))
ON CONFLICT (key) DO UPDATE
    SET holder = excluded.holder, expires_at = excluded.expires_at,
        note = coalesce($5::text, l.note)
    WHERE l.expires_at < $3 OR l.holder = $2
RETURNING key, holder, expires_at, note
"""


async def heartbeat(conn: Any, p: Presence, timeout_s: float) -> None:
    await conn.execute(
        "INSERT INTO warroom_consoles (console, person, roles, viewer, last_seen)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (console) DO UPDATE SET"
        " person = excluded.person, roles = excluded.roles, viewer = excluded.viewer,"
        " last_seen = excluded.last_seen",
        p.console,
        p.person,
        json.dumps(list(p.roles)),
        p.viewer,
        p.last_seen,
        timeout=timeout_s,
    )


async def consoles(conn: Any, since: datetime, timeout_s: float) -> list[Presence]:
    rows = await conn.fetch(
        "SELECT console, person, roles, viewer, last_seen FROM warroom_consoles"
        " WHERE last_seen >= $1 ORDER BY person, console",
        since,
        timeout=timeout_s,
    )
    return [
        Presence(
            r["console"], r["person"], r["last_seen"], tuple(json.loads(r["roles"])), r["viewer"]
        )
        for r in rows
    ]


async def claim_lease(
    conn: Any,
    key: str,
    holder: str,
    now: datetime,
    until: datetime,
    note: str | None,
    timeout_s: float,
) -> Lease:
    row = await conn.fetchrow(_CLAIM, key, holder, now, until, note, timeout=timeout_s)
    if row is None:  # held by another console, not expired: as it stands
        row = await conn.fetchrow(
            "SELECT key, holder, expires_at, note FROM warroom_leases WHERE key = $1",
            key,
            timeout=timeout_s,
        )
    return Lease(row["key"], row["holder"], row["expires_at"], row["note"])
