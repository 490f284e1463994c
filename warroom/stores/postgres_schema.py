"""The PostgreSQL store's SQL (schema, session settings, insert, reads) and small helpers.

Migrations are append-only: a new one is added at the end of `MIGRATIONS`, never edited.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from warroom.domain.errors import StoreError
from warroom.domain.incident import Entry
from warroom.domain.ports import IncidentSummary
from warroom.domain.redaction import redact
from warroom.stores import postgres_shared
from warroom.stores.codec import SUMMARY_KINDS, entry_from_json, summarize

NOTIFY_LIMIT = 8000  # bytes; PostgreSQL refuses longer NOTIFY payloads
_LOCK_KEY = 0x5741_5252  # advisory lock for migrations ("WARR")

MIGRATIONS: tuple[str, ...] = (
    # 1: the append-only entry table
    """
    CREATE TABLE IF NOT EXISTS warroom_entries (
        seq          BIGSERIAL PRIMARY KEY,
        id           TEXT NOT NULL UNIQUE,
        incident_id  TEXT NOT NULL,
        kind         TEXT NOT NULL,
        at           TIMESTAMPTZ NOT NULL,
        recorded_at  TIMESTAMPTZ NOT NULL,
        origin       TEXT NOT NULL DEFAULT '',
        body         TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS warroom_entries_incident_at
        ON warroom_entries (incident_id, at);
    """,
    # 2: listing incidents reads only declared/status/severity rows
    """
    CREATE INDEX IF NOT EXISTS warroom_entries_kind ON warroom_entries (kind, incident_id);
    """,
    # 3: presence (a heartbeat per console) and leases (one console extends each ack)
    postgres_shared.SCHEMA,
)


async def durable_session(conn: Any, timeout_s: float) -> str:
    """`synchronous_commit = on` for this session whatever the server's default: with `off`
    a COMMIT returns before its WAL is written, and a database crash loses entries the
    console already showed. Read back; returns the server's own default, for the status."""
    await conn.execute("SET synchronous_commit TO on", timeout=timeout_s)
    row = await conn.fetchrow(
        "SELECT current_setting('synchronous_commit') AS now, reset_val AS server"
        " FROM pg_settings WHERE name = 'synchronous_commit'",
        timeout=timeout_s,
    )
    if row is None or row["now"] != "on":
        raise StoreError("the database would not turn synchronous_commit on for the session")
    return str(row["server"])


async def migrate(conn: Any, timeout_s: float) -> None:
    """Create or upgrade the schema, under an advisory lock (two consoles may start at once)."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY, timeout=timeout_s)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS warroom_schema_version (version INTEGER NOT NULL)"
        )
        current = await conn.fetchval(
            "SELECT coalesce(max(version), 0) FROM warroom_schema_version"
        )
        for version, sql in enumerate(MIGRATIONS, start=1):
            if version > current:
                await conn.execute(sql, timeout=timeout_s)
                await conn.execute("INSERT INTO warroom_schema_version VALUES ($1)", version)


# Insert (idempotent) and, only when a row was really inserted, notify in the same transaction.
INSERT = """
WITH ins AS (
    INSERT INTO warroom_entries (id, incident_id, kind, at, recorded_at, origin, body)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (id) DO NOTHING
    RETURNING seq
)
SELECT seq, pg_notify($8::text, '{"o":"' || $6::text || '","s":' || seq::text || ',' || $9::text || '}')
FROM ins
"""


async def fetch_entries(conn: Any, incident_id: str, timeout_s: float) -> list[Any]:
    return list(
        await conn.fetch(
            "SELECT seq, body FROM warroom_entries WHERE incident_id = $1 ORDER BY seq",
            incident_id,
            timeout=timeout_s,
        )
    )


async def fetch_summaries(conn: Any, timeout_s: float) -> list[IncidentSummary]:
    """Every incident's summary, newest first, from its declared/status/severity rows only."""
    counts = await conn.fetch(
        "SELECT incident_id, count(*) AS n FROM warroom_entries GROUP BY incident_id",
        timeout=timeout_s,
    )
    rows = await conn.fetch(
        "SELECT incident_id, body FROM warroom_entries WHERE kind = ANY($1::text[])"
        " ORDER BY at, seq",
        [k.value for k in SUMMARY_KINDS],
        timeout=timeout_s,
    )
    by_incident: dict[str, list[Entry]] = {}
    for row in rows:
        by_incident.setdefault(row["incident_id"], []).append(entry_from_json(row["body"]))
    out = [
        s
        for row in counts
        if (s := summarize(by_incident.get(row["incident_id"], []), int(row["n"]))) is not None
    ]
    out.sort(key=lambda s: s.declared_at, reverse=True)
    return out


def _outbox_identity(dsn: str) -> str:
    """What names the outbox file: the DSN without its `user:password@` password (hashed, never
    shown). Kept exactly as it always was, so entries queued by an older console are found."""
    if "@" not in dsn or "://" not in dsn:
        return dsn
    scheme, rest = dsn.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    return f"{scheme}://{creds.split(':', 1)[0]}@{host}"


def default_outbox_path(dsn: str, data_dir: Path | None = None, console_id: str = "") -> Path:
    """One outbox per database and console: two consoles never share (nor flush) a queue.
    Without a console id, the name every console used before ids (see `legacy_outbox`)."""
    if data_dir is None:
        from warroom.paths import user_data_dir

        data_dir = user_data_dir()
    digest = hashlib.sha256(_outbox_identity(dsn).encode()).hexdigest()[:12]
    own = f"-{console_id[:12]}" if console_id else ""
    return Path(data_dir) / f"outbox-{digest}{own}.db"


def notify_tail(entry: Entry, body: str) -> str:
    tail = f'"e":{body}'
    if len(tail.encode()) + 120 < NOTIFY_LIMIT:
        return tail
    return f'"id":{json.dumps(entry.id)}'


def why(exc: BaseException) -> str:
    """One line naming the failure; redacted, since driver messages may quote a DSN."""
    text = redact(str(exc).strip().splitlines()[0]) if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
