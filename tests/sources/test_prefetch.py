"""The first fetch may begin before the UI exists (`prefetch`, called by the CLI): the first
poll then gets that answer instead of asking again, and a cancelled first poll stops it.
Against small real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

from benchmarks.bench_alert_storm import storm_alerts
from tests.sources.servers import Answer, Server, wait_until
from warroom.cli.live_wiring import build_live_sources, prefetch_alerts
from warroom.config import EnvironmentConfig, ServerConfig, Settings


def _settings(server: Server) -> Settings:
    env = EnvironmentConfig(name="x", alertmanagers=(ServerConfig(url=server.url, name="am"),))
    return Settings(environments={"x": env}, environment="x")


async def test_the_first_poll_gets_the_prefetched_answer(server: Server) -> None:
    server.answers["/api/v2/alerts"] = Answer(json.dumps(storm_alerts(20)).encode())
    sources = build_live_sources(_settings(server))
    prefetch_alerts(sources.alert_sources)
    assert await asyncio.to_thread(wait_until, lambda: len(server.seen) == 1)
    (source,) = sources.alert_sources
    first = await source.fetch_alerts()
    assert len(first) == 20 and len(server.seen) == 1  # not asked again
    assert len(await source.fetch_alerts()) == 20 and len(server.seen) == 2  # then polls
    await source.aclose()


async def test_a_cancelled_first_poll_stops_the_prefetch(server: Server) -> None:
    server.answers["/api/v2/alerts"] = Answer(b"[]", trickle_s=0.2)
    sources = build_live_sources(_settings(server))
    prefetch_alerts(sources.alert_sources)
    (source,) = sources.alert_sources
    task = asyncio.create_task(source.fetch_alerts())
    assert await asyncio.to_thread(wait_until, lambda: bool(server.seen))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(wait_until, server.closed.is_set)
    await source.aclose()


def test_the_prefetch_imports_neither_httpx_nor_requests(server: Server) -> None:
    """The first fetch runs beside Textual's import: it goes through the standard library, so
    httpx (~60 ms) and requests (~50 ms) are not imported then (a fresh interpreter tells)."""
    server.answers["/api/v2/alerts"] = Answer(json.dumps(storm_alerts(20)).encode())
    code = f"""
import asyncio, sys
from warroom.cli.live_wiring import build_live_sources, prefetch_alerts
from warroom.config import EnvironmentConfig, ServerConfig, Settings
env = EnvironmentConfig(name="x", alertmanagers=(ServerConfig(url={server.url!r}, name="am"),))
sources = build_live_sources(Settings(environments={{"x": env}}, environment="x"))
prefetch_alerts(sources.alert_sources)
alerts = asyncio.run(sources.alert_sources[0].fetch_alerts())
print(len(alerts), *sorted(m for m in ("httpx", "requests") if m in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["20"], done.stderr[-500:]
