"""Answers are bounded: a size cap counted after decompression, gzip bombs refused within it,
a total deadline however slowly a server trickles, and a cancelled call ends its thread.
Against small real HTTP servers on 127.0.0.1 (tests/sources/servers.py). Each holds for both
ways a fetch is made: through httpx, and the CLI's first fetch through the standard library
(`early`, begun before the UI is imported)."""

from __future__ import annotations

import gzip
import json
import threading
import tracemalloc
import zlib

import pytest

from benchmarks.bench_alert_storm import storm_alerts
from tests.sources.servers import Answer, Server, wait_until
from warroom.config import ServerConfig
from warroom.domain.errors import SourceBadResponse, SourceTimeout
from warroom.sources.alertmanager import AlertmanagerSource
from warroom.sources.http_body import Cancel, Cancelled
from warroom.sources.prometheus import PrometheusAlertSource

ALERTS = "/api/v2/alerts"


def source(server: Server, **options: float) -> AlertmanagerSource:
    return AlertmanagerSource(ServerConfig(url=server.url, name="am", **options))  # type: ignore[arg-type]


@pytest.fixture(params=[False, True], ids=["httpx", "early"])
def early(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def storm_body(n: int) -> bytes:
    return json.dumps(storm_alerts(n), separators=(",", ":")).encode()


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("deflate", lambda b: _raw_deflate(b))],
    ids=["gzip", "deflate", "raw-deflate"],
)
def test_compressed_answers_are_decoded(
    server: Server, early: bool, encoding: str, encode: object
) -> None:
    body = storm_body(500)
    server.answers[ALERTS] = Answer(encode(body), headers={"Content-Encoding": encoding})  # type: ignore[operator]
    alerts = source(server).fetch_alerts_blocking(early=early)
    assert [a.fingerprint for a in alerts] == [a["fingerprint"] for a in storm_alerts(500)]
    assert "gzip" in server.seen[0][1]["accept-encoding"]


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def test_an_answer_over_the_cap_is_refused_with_one_line(server: Server, early: bool) -> None:
    server.answers[ALERTS] = Answer(storm_body(200))  # ~140 KB
    with pytest.raises(SourceBadResponse) as info:
        source(server, max_answer_mb=0.05).fetch_alerts_blocking(early=early)
    assert str(info.value) == ("am: answer larger than 0.05 MB decoded (max_answer_mb); refused")


def test_a_gzip_bomb_is_refused_within_the_cap(server: Server, early: bool) -> None:
    """200 MB of zeros in ~200 KB of gzip, against a 2 MB cap: refused, and this process never
    holds much more than the cap (traced allocations), not the 200 MB it would inflate to."""
    bomb = gzip.compress(b"0" * 200_000_000, compresslevel=9)
    assert len(bomb) < 1_000_000
    server.answers[ALERTS] = Answer(bomb, headers={"Content-Encoding": "gzip"})
    am = source(server, max_answer_mb=2)
    tracemalloc.start()
    try:
        with pytest.raises(SourceBadResponse, match="larger than 2 MB decoded"):
            am.fetch_alerts_blocking(early=early)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000


def test_an_unknown_content_encoding_is_refused(server: Server, early: bool) -> None:
    server.answers[ALERTS] = Answer(b"xx", headers={"Content-Encoding": "br"})
    with pytest.raises(SourceBadResponse, match="unsupported Content-Encoding 'br'"):
        source(server).fetch_alerts_blocking(early=early)


@pytest.mark.parametrize("phase", ["body", "headers"])
def test_a_trickling_server_ends_at_the_deadline(server: Server, early: bool, phase: str) -> None:
    """One byte every 0.2 s never trips the 5 s read timeout; the 1 s deadline ends the call
    (the call returning at all is what frees the thread)."""
    trickle = {"trickle_s": 0.2} if phase == "body" else {"trickle_head_s": 0.2}
    server.answers[ALERTS] = Answer(storm_body(5), **trickle)
    with pytest.raises(SourceTimeout) as info:
        source(server, timeout_s=5, deadline_s=1).fetch_alerts_blocking(early=early)
    assert str(info.value) == "am: no complete answer within 1s (deadline_s)"
    assert wait_until(server.closed.is_set)  # the connection was dropped, not left open


def test_a_cancelled_call_ends_its_thread_and_its_connection(server: Server, early: bool) -> None:
    server.answers[ALERTS] = Answer(storm_body(5), trickle_s=0.2)
    am = source(server, timeout_s=5, deadline_s=120)
    cancel = Cancel()
    raised: list[BaseException] = []

    def call() -> None:
        try:
            am.fetch_alerts_blocking(cancel, early=early)
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    assert wait_until(lambda: bool(server.seen))
    cancel.set()
    thread.join(30)
    assert not thread.is_alive()
    assert [type(e) for e in raised] == [Cancelled]
    assert wait_until(server.closed.is_set)


async def test_cancelling_the_await_stops_the_fetch(server: Server) -> None:
    import asyncio

    server.answers[ALERTS] = Answer(storm_body(5), trickle_s=0.2)
    am = source(server, timeout_s=5, deadline_s=120)
    task = asyncio.create_task(am.fetch_alerts())
    await asyncio.to_thread(wait_until, lambda: bool(server.seen))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(wait_until, server.closed.is_set)


def test_the_prometheus_fallback_is_bounded_too(server: Server, early: bool) -> None:
    body = json.dumps({"status": "success", "data": {"alerts": []}}).encode()
    server.answers["/api/v1/alerts"] = Answer(body * 1)
    prom = PrometheusAlertSource(ServerConfig(url=server.url, name="prom", max_answer_mb=1e-5))
    with pytest.raises(SourceBadResponse, match="prom: answer larger than"):
        prom.fetch_alerts_blocking(early=early)
