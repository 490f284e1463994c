"""PostgresSignals against the real PostgreSQL the suite starts (`postgres_dsn`)."""

from __future__ import annotations

import asyncpg
import pytest

from tests.servers.ports import free_port
from warroom.config import PostgresConfig
from warroom.domain.errors import SourceBadResponse, SourceTimeout, SourceUnavailable
from warroom.domain.signals import SignalSpec
from warroom.sources.postgres_signals import PostgresSignals, bind_service

pytestmark = pytest.mark.integration

CONNECTIONS = SignalSpec(
    key="connections",
    name="Connections",
    query="SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()",
    source="postgres",
)
QUEUE = SignalSpec(
    key="queue",
    name="Queue depth",
    query=(
        "SELECT COUNT(*) FROM due_work WHERE queue = $service AND run_at <= now() "
        "AND (locked_until IS NULL OR locked_until < now())"
    ),
    source="postgres",
)


async def _setup_jobs(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE TABLE due_work (id serial primary key, queue text, run_at timestamptz,"
            " locked_until timestamptz)"
        )
        await conn.execute(
            "INSERT INTO due_work (queue, run_at, locked_until) SELECT 'billing', now() - interval '1 min', NULL"
            " FROM generate_series(1, 7)"
        )
        await conn.execute(
            "INSERT INTO due_work (queue, run_at, locked_until) VALUES"
            " ('billing', now() + interval '1 h', NULL),"
            " ('billing', now() - interval '1 min', now() + interval '5 min'),"
            " ('email', now() - interval '1 min', NULL)"
        )
    finally:
        await conn.close()


async def test_connections_and_queue_depth(postgres_dsn: str) -> None:
    await _setup_jobs(postgres_dsn)
    source = PostgresSignals(PostgresConfig(dsn=postgres_dsn))
    try:
        conns = await source.sample(CONNECTIONS, None)
        assert conns.value >= 1
        assert (await source.sample(QUEUE, "billing")).value == 7
        assert (await source.sample(QUEUE, "email")).value == 1
        # the service is a bind parameter, never spliced: this is just a queue name that matches nothing
        assert (await source.sample(QUEUE, "x' OR '1'='1")).value == 0
        assert await source.history(QUEUE, "billing", conns.at) == []
    finally:
        await source.aclose()


async def test_statement_timeout_gives_source_timeout(postgres_dsn: str) -> None:
    slow = SignalSpec(
        key="s", name="Slow", query="SELECT count(*) FROM pg_sleep(30)", source="postgres"
    )
    source = PostgresSignals(PostgresConfig(dsn=postgres_dsn, statement_timeout_ms=200))
    try:
        with pytest.raises(SourceTimeout, match=r"Slow exceeded statement_timeout \(200 ms\)"):
            await source.sample(slow, None)
        # the pool is still usable afterwards
        assert (await source.sample(CONNECTIONS, None)).value >= 1
    finally:
        await source.aclose()


async def test_signal_runs_read_only(postgres_dsn: str) -> None:
    await _setup_jobs(postgres_dsn)
    writer = SignalSpec(
        key="w",
        name="Sneaky",
        query="WITH d AS (DELETE FROM due_work RETURNING 1) SELECT count(*) FROM d",
        source="postgres",
    )
    source = PostgresSignals(PostgresConfig(dsn=postgres_dsn))
    try:
        with pytest.raises(SourceBadResponse, match="Sneaky tried to write"):
            await source.sample(writer, None)
    finally:
        await source.aclose()
    conn = await asyncpg.connect(postgres_dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM due_work") == 10
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT NULL::int", "no data for Odd"),
        ("SELECT 'many'", "Odd returned str, expected one number"),
        ("SELECT nope FROM nowhere", 'Odd: relation "nowhere" does not exist'),
    ],
)
async def test_bad_results_say_what_is_wrong(postgres_dsn: str, query: str, message: str) -> None:
    source = PostgresSignals(PostgresConfig(dsn=postgres_dsn))
    try:
        with pytest.raises(SourceBadResponse, match=message):
            await source.sample(
                SignalSpec(key="o", name="Odd", query=query, source="postgres"), None
            )
    finally:
        await source.aclose()


async def test_unreachable_database_is_unavailable_and_dsn_from_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dsn = f"postgresql://ops:pa55word-secret@127.0.0.1:{free_port()}/x"
    monkeypatch.setenv("WARROOM_TEST_DSN", dsn)
    source = PostgresSignals(PostgresConfig(dsn_env="WARROOM_TEST_DSN", statement_timeout_ms=1000))
    try:
        with pytest.raises(SourceUnavailable, match="cannot reach PostgreSQL") as info:
            await source.sample(CONNECTIONS, None)
        assert "pa55word-secret" not in str(info.value)
    finally:
        await source.aclose()
    empty = PostgresSignals(PostgresConfig(dsn_env="WARROOM_UNSET_DSN"))
    monkeypatch.delenv("WARROOM_UNSET_DSN", raising=False)
    with pytest.raises(SourceUnavailable, match="WARROOM_UNSET_DSN is empty"):
        await empty.sample(CONNECTIONS, None)


def test_bind_service() -> None:
    assert bind_service("SELECT 1", "x") == ("SELECT 1", ())
    assert bind_service("SELECT count(*) FROM t WHERE q = $service", None) == (
        "SELECT count(*) FROM t WHERE q = $1",
        ("",),
    )
