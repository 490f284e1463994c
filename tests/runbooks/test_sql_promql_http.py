"""SQL steps against a real PostgreSQL; PromQL against a query object; HTTP to 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import asyncpg
import pytest

from tests.runbooks.helpers import Sink, rendered, step
from warroom.domain.errors import SourceUnavailable
from warroom.domain.placeholders import render_step
from warroom.domain.runbooks import Risk, StepKind
from warroom.services.steps import StepRunner
from warroom.sources.executors import build_executors
from warroom.sources.executors.http import HttpExecutor
from warroom.sources.executors.promql import PromqlExecutor
from warroom.sources.executors.sql import SqlExecutor


@pytest.fixture
async def jobs_dsn(postgres_dsn: str) -> str:
    conn = await asyncpg.connect(postgres_dsn)
    try:
        await conn.execute(
            "CREATE TABLE jobs (id int PRIMARY KEY, state text);"
            "INSERT INTO jobs VALUES (1, 'queued'), (2, 'running'), (3, 'done');"
        )
    finally:
        await conn.close()
    return postgres_dsn


async def _count(dsn: str, sql: str) -> Any:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def test_read_step_rows_and_table(jobs_dsn: str) -> None:
    sink = Sink()
    r = rendered("SELECT id, state FROM jobs ORDER BY id", StepKind.SQL)
    result = await SqlExecutor(jobs_dsn).execute(r, sink, 10)
    assert result.exit_code == 0 and result.columns == ["id", "state"]
    assert result.rows == [(1, "queued"), (2, "running"), (3, "done")]
    assert sink.lines[0].split() == ["id", "|", "state"]
    assert "(3 rows)" in sink.lines


async def test_read_step_cannot_write(jobs_dsn: str) -> None:
    # a step the runbook calls "read" that writes anyway is refused by PostgreSQL itself
    # (a classifier miss simulated: the rendered command's own risk said "read")
    r = replace(
        rendered("UPDATE jobs SET state = 'lost'", StepKind.SQL, risk=Risk.READ),
        rendered_risk=Risk.READ,
    )
    result = await SqlExecutor(jobs_dsn).execute(r, Sink(), 10)
    assert result.exit_code == 1 and "read-only transaction" in (result.error or "")
    assert await _count(jobs_dsn, "SELECT count(*) FROM jobs WHERE state = 'lost'") == 0


async def test_write_step_commits(jobs_dsn: str) -> None:
    r = rendered("UPDATE jobs SET state = 'queued' WHERE state = 'running'", StepKind.SQL)
    assert r.risk is Risk.WRITE
    result = await SqlExecutor(jobs_dsn).execute(r, Sink(), 10)
    assert result.exit_code == 0 and "UPDATE 1" in result.output
    assert await _count(jobs_dsn, "SELECT count(*) FROM jobs WHERE state = 'queued'") == 2


async def test_statement_timeout(jobs_dsn: str) -> None:
    r = rendered("SELECT pg_sleep(5)", StepKind.SQL)
    result = await SqlExecutor(jobs_dsn, statement_timeout_ms=200).execute(r, Sink(), 10)
    assert result.exit_code == 1 and result.timed_out
    assert "statement timeout" in (result.error or "")


async def test_placeholders_are_bound_not_spliced(jobs_dsn: str) -> None:
    hostile = "1; DROP TABLE jobs; --"
    s = step("SELECT state FROM jobs WHERE state = '<state>' OR id = <id>", StepKind.SQL)
    r = render_step(s, {"state": "x' OR '1'='1"}, {"id": "2"})
    result = await SqlExecutor(jobs_dsn).execute(r, Sink(), 10)
    assert result.rows == [("running",)]
    r = render_step(s, {"state": hostile}, {"id": "3"})
    result = await SqlExecutor(jobs_dsn).execute(r, Sink(), 10)
    assert result.rows == [("done",)]
    r = render_step(s, {"state": "q"}, {"id": hostile})
    result = await SqlExecutor(jobs_dsn).execute(r, Sink(), 10)
    assert result.exit_code == 1  # not an integer: refused before it reaches the server
    assert await _count(jobs_dsn, "SELECT count(*) FROM jobs") == 3


async def test_the_slow_query_remedy_runs(jobs_dsn: str) -> None:
    r = rendered(
        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE state = 'active' "
        "AND now() - query_start > interval '30 seconds'",
        StepKind.SQL,
    )
    runner = StepRunner(
        build_executors(
            postgres_dsn=jobs_dsn, statement_timeout_ms=2000, prometheus=None, docker_host_env=False
        ),
        viewer=False,
        default_timeout_s=10,
    )
    result = await runner.run(r, Sink(), confirmed=True)
    assert result.exit_code == 0 and result.executor == "sql" and result.rows == []


async def test_unreachable_database_is_a_result_with_an_error() -> None:
    runner = StepRunner([SqlExecutor("postgresql://postgres@127.0.0.1:1/x")], viewer=False)
    result = await runner.run(rendered("SELECT 1", StepKind.SQL), Sink())
    assert result.exit_code is None and "cannot connect" in (result.error or "")
    with pytest.raises(SourceUnavailable):
        await SqlExecutor("postgresql://postgres@127.0.0.1:1/x").execute(
            rendered("SELECT 1", StepKind.SQL), Sink(), 5
        )


class FakePrometheus:
    """The one method the promql executor needs, as the live Prometheus source provides it."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    async def query_vector(self, promql: str) -> list[tuple[dict[str, str], float]]:
        self.queries.append(promql)
        return [
            ({"__name__": "up", "job": "api", "instance": "api:8080"}, 0.0),
            ({"__name__": "up", "job": "worker", "instance": "worker:9000"}, 1.0),
        ]


async def test_promql_step() -> None:
    prom = FakePrometheus()
    sink = Sink()
    r = render_step(step('up{job=~"<job>"}', StepKind.PROMQL), {"job": "api"})
    result = await PromqlExecutor(prom).execute(r, sink, 5)
    assert prom.queries == ['up{job=~"api"}']
    assert result.columns == ["series", "value"]
    assert result.rows == [
        ('up{instance="api:8080", job="api"}', 0.0),
        ('up{instance="worker:9000", job="worker"}', 1.0),
    ]
    assert sink.lines[-1] == "(2 series)"


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            seen.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "auth": self.headers.get("Authorization"),
                    "body": self.rfile.read(length).decode(),
                }
            )
            code = 500 if self.path.startswith("/broken") else 200
            data = json.dumps({"status": "ok" if code == 200 else "down"}).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


async def test_http_steps(http_server: tuple[str, list[dict[str, Any]]]) -> None:
    base, seen = http_server
    s = step(f"GET {base}/health/<service>\nAuthorization: Bearer t0k\n", StepKind.HTTP)
    r = render_step(s, {"service": "a/b c"})
    sink = Sink()
    result = await HttpExecutor().execute(r, sink, 5)
    assert (
        result.exit_code == 0 and sink.lines[0] == "HTTP/1.0 200 OK"
    )  # BaseHTTPRequestHandler speaks 1.0
    assert seen[0] == {
        "method": "GET",
        "path": "/health/a%2Fb%20c",
        "auth": "Bearer t0k",
        "body": "",
    }
    post = rendered(
        f'POST {base}/reload\nContent-Type: application/json\n\n{{"a": 1}}', StepKind.HTTP
    )
    assert (await HttpExecutor().execute(post, Sink(), 5)).exit_code == 0
    assert seen[1]["body"] == '{"a": 1}'
    broken = await HttpExecutor().execute(rendered(f"GET {base}/broken", StepKind.HTTP), Sink(), 5)
    assert broken.exit_code == 22 and '"status": "down"' in broken.output
