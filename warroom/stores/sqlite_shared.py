"""The SQLite store's presence and lease tables: the same shape as PostgreSQL's, for one
console (a file on one machine), so the header and the ack keeper work the same on both."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

from warroom.domain.ports import Lease, Presence

SCHEMA = """
CREATE TABLE IF NOT EXISTS consoles (
    console    TEXT PRIMARY KEY,
    person     TEXT NOT NULL,
    roles      TEXT NOT NULL DEFAULT '[]',
    viewer     INTEGER NOT NULL DEFAULT 0,
    last_seen  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS leases (
    key        TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at REAL NOT NULL,
    note       TEXT NOT NULL DEFAULT ''
);
"""


def _when(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def heartbeat(conn: sqlite3.Connection, p: Presence) -> None:
    conn.execute(
        "INSERT INTO consoles (console, person, roles, viewer, last_seen) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (console) DO UPDATE SET person = excluded.person, roles = excluded.roles,"
        " viewer = excluded.viewer, last_seen = excluded.last_seen",
        (p.console, p.person, json.dumps(list(p.roles)), int(p.viewer), p.last_seen.timestamp()),
    )


def consoles(conn: sqlite3.Connection, since: datetime) -> list[Presence]:
    rows = conn.execute(
        "SELECT console, person, roles, viewer, last_seen FROM consoles WHERE last_seen >= ?"
        " ORDER BY person, console",
        (since.timestamp(),),
    ).fetchall()
    return [
        Presence(c, person, _when(seen), tuple(json.loads(roles)), bool(viewer))
        for c, person, roles, viewer, seen in rows
    ]


def claim_lease(
    conn: sqlite3.Connection,
    key: str,
    holder: str,
    now: datetime,
    until: datetime,
    note: str | None,
) -> Lease:
    conn.execute(
        "INSERT INTO leases AS l (key, holder, expires_at, note) VALUES (?1, ?2, ?3, coalesce(?4, ''))"
        " ON CONFLICT (key) DO UPDATE SET holder = excluded.holder,"
        " expires_at = excluded.expires_at, note = coalesce(?4, l.note)"
        " WHERE l.expires_at < ?5 OR l.holder = ?2",
        (key, holder, until.timestamp(), note, now.timestamp()),
    )
    row = conn.execute(
        "SELECT key, holder, expires_at, note FROM leases WHERE key = ?", (key,)
    ).fetchone()
    return Lease(row[0], row[1], _when(row[2]), row[3])
