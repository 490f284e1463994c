"""Pilot, against a real PostgreSQL: during an outage the second console's header shows its own
queue ("store offline · 2 queued") and a failing Alertmanager in the fixed slot at the right of
the line, at 160 and at 80 columns, however long the incident's title; the other console's
queue is its own. Its own PostgreSQL (stopping the session's would hurt other tests)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from tests.incident.conftest import wait_until
from tests.servers.postgres import PostgresServer
from tests.ui.factory import FIXED_TIME
from tests.ui.fakes import FakeAlertSource
from warroom.domain.clock import FrozenClock
from warroom.domain.errors import SourceUnavailable
from warroom.services.incident_log import IncidentLog
from warroom.stores.postgres import PostgresStore
from warroom.ui.widgets.war_header import WarHeader

TITLE = "Checkout API returns 5xx for every EU customer since the 02:58 deploy " * 3


class DownSource(FakeAlertSource):
    async def fetch_alerts(self) -> list:  # type: ignore[type-arg]
        raise SourceUnavailable("am-us1-c: connection refused")


def _store(server: PostgresServer, outbox: Path) -> PostgresStore:
    return PostgresStore(
        server.dsn,
        outbox,
        timeout_s=1,
        health_every_s=0.2,
        backoff_max_s=0.3,
        console_id=uuid.uuid4().hex,
    )


async def test_second_console_shows_its_own_queue_and_failing_sources(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    from tests.incident.conftest import console_on

    a = _store(own_postgres, tmp_path / "a.db")
    b = _store(own_postgres, tmp_path / "b.db")
    await a.open()
    try:
        first = IncidentLog(a, FrozenClock(FIXED_TIME), "alice@one", console=a.console_id)
        await first.declare(TITLE, "P1")
        sources = [FakeAlertSource([], name="am-eu1-a"), DownSource([], name="am-us1-c")]
        app = console_on(b, console_id=b.console_id, alert_sources=sources)
        async with app.run_test(size=(160, 48)) as pilot:
            log = app.screen.incident_log
            for _ in range(200):  # hang guard: until the incident is resumed on this console
                await pilot.pause(0.05)
                if log.incident is not None:
                    break
            await asyncio.to_thread(own_postgres.stop)
            await log.note("rolling back")
            await log.note("paging the DBA")
            await wait_until(lambda: not b.status.online)
            assert b.status.queued == 2 and a.status.queued == 0  # each console its own queue
            header = app.screen.query_one(WarHeader)
            for width in (160, 80):
                await pilot.resize_terminal(width, 48)
                for _ in range(100):  # the header is rebuilt once a second
                    await pilot.pause(0.05)
                    if "queued" in header.texts[1] and len(header.texts[1]) <= width:
                        break
                second = header.texts[1]
                assert len(second) <= width
                assert "P1 INVESTIGATING" in second, (width, second)
                assert second.rstrip().endswith("am-us1-c" if width >= 160 else "DOWN")
                assert "store offline · 2 queued" in second, (width, second)
                if width >= 160:
                    assert "DOWN: am-us1-c" in second and "Checkout" in second  # the title, cut
                else:
                    assert second.rstrip().endswith(("1 source DOWN", "1 DOWN"))  # counted
            await asyncio.to_thread(own_postgres.start)
            await wait_until(lambda: b.status.online and not b.status.queued, timeout_s=60)
            for _ in range(100):
                await pilot.pause(0.05)
                if "queued" not in header.texts[1]:
                    break
            assert "store offline" not in header.texts[1]
    finally:
        await a.close()
