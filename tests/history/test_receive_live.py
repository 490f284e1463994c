"""`warroom receive` and the poll recorder against a real Alertmanager whose config sends
webhooks (send_resolved) to the receiver: an alert posted with endsAt, fired and resolved six
times, reads "6× / 7d · flapping" with each fire counted once; with the receiver down the
polls alone still record every fire."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.history.conftest import running_alertmanager
from tests.servers.ports import free_port
from tests.servers.prometheus import Alertmanager, http_json
from warroom.config import ServerConfig
from warroom.domain.alert_history import AlertEvent, EventKind, firing_key, summarise
from warroom.domain.clock import SystemClock
from warroom.domain.history_ports import AlertHistoryStore
from warroom.services.alert_history import HistoryRecorder
from warroom.sources.alertmanager import AlertmanagerSource, format_time
from warroom.sources.alertmanager_webhook import WebhookReceiver, am_fingerprint
from warroom.stores.history_sqlite import SqliteHistoryStore

WEBHOOK_CONFIG = """\
route:
  receiver: history
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
- name: history
  webhook_configs:
  - url: http://127.0.0.1:{port}/
    send_resolved: true
"""


@pytest.fixture(scope="module")
def receiver_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def webhook_am(receiver_port: int) -> Iterator[Alertmanager]:
    """An Alertmanager that notifies a webhook on `receiver_port` (listening or not)."""
    with running_alertmanager("am-webhook", WEBHOOK_CONFIG.format(port=receiver_port)) as am:
        yield am


class SpyStore:
    """The real SQLite store, also remembering what the receiver handed it."""

    def __init__(self, store: AlertHistoryStore) -> None:
        self.store = store
        self.seen: list[AlertEvent] = []

    async def record(self, events: Sequence[AlertEvent]) -> int:
        self.seen.extend(events)
        return await self.store.record(events)


async def until(predicate: Any, what: str, timeout_s: float = 30.0) -> None:
    """Poll a condition; the timeout only guards against a hang."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not await predicate():
        if loop.time() > deadline:
            raise AssertionError(f"not reached: {what}")
        await asyncio.sleep(0.1)


async def poll_until(
    recorder: HistoryRecorder, source: AlertmanagerSource, name: str, key: datetime | None
) -> bool:
    """One poll recorded; True once the alert `name` fires with startsAt `key` (or, with key
    None, once it is gone)."""
    alerts = await source.fetch_alerts()
    await recorder.record_poll({"am": alerts})
    mine = [a for a in alerts if a.name == name]
    if key is None:
        return not mine
    return any(firing_key(a.starts_at) == key for a in mine)


async def fire_and_resolve_six_times(
    am: Alertmanager,
    recorder: HistoryRecorder,
    source: AlertmanagerSource,
    name: str,
    delivered: Callable[[datetime], Awaitable[bool]] | None = None,
) -> str:
    """Post the alert six times (each starting after the last one ended, as Alertmanager merges
    overlapping ones, and ending 1.5 s later), polling while it fires and after it ended, and
    (with `delivered`) waiting for the webhook's resolve before the next fire, as Alertmanager
    notifies only the latest state of one fingerprint."""
    labels = {"alertname": name, "service": "db", "severity": "critical"}
    for i in range(6):
        starts = datetime.now(UTC)
        ends = starts + timedelta(seconds=1.5)
        body = {"labels": labels, "startsAt": format_time(starts), "endsAt": format_time(ends)}
        am.post_alerts([body])
        key = firing_key(starts)
        await until(lambda k=key: poll_until(recorder, source, name, k), f"fire {i} polled")
        await until(lambda: poll_until(recorder, source, name, None), f"fire {i} resolved")
        if delivered is not None:
            await until(lambda k=key: delivered(k), f"fire {i}'s resolve delivered")
    return am_fingerprint(labels)


async def test_receiver_and_polls_count_each_fire_once(
    webhook_am: Alertmanager, receiver_port: int, tmp_path: Path
) -> None:
    store = SqliteHistoryStore(tmp_path / "history.db")
    await store.open()
    spy = SpyStore(store)
    receiver = WebhookReceiver(spy, "127.0.0.1", receiver_port)  # type: ignore[arg-type]
    await receiver.start()
    source = AlertmanagerSource(ServerConfig(url=webhook_am.url, name="am", timeout_s=5.0))
    recorder = HistoryRecorder(store, SystemClock(), "poll")
    name = f"Flappy{uuid.uuid4().hex[:6]}"
    try:

        async def delivered(key: datetime) -> bool:
            return any(
                e.kind is EventKind.RESOLVED and e.name == name and firing_key(e.starts_at) == key
                for e in spy.seen
            )

        fp = await fire_and_resolve_six_times(webhook_am, recorder, source, name, delivered)
        webhook_fires = {firing_key(e.starts_at) for e in spy.seen if e.name == name}
        assert len(webhook_fires) == 6  # the webhook saw every fire the polls saw
        events = [
            e for e in await store.events(datetime.now(UTC) - timedelta(days=7)) if e.name == name
        ]
        assert sorted(e.kind.value for e in events) == ["fired"] * 6 + ["resolved"] * 6
        assert {e.fingerprint for e in events} == {fp}  # the poll's and the webhook's agree
        assert {e.fingerprint for e in spy.seen if e.name == name} == {fp}
        assert summarise(events, datetime.now(UTC)).text == "6× / 7d · flapping"
        assert receiver.received > 0
    finally:
        await receiver.stop()
        await source.aclose()
        await store.close()


async def test_with_the_receiver_down_the_polls_still_record(
    webhook_am: Alertmanager, tmp_path: Path
) -> None:
    store = SqliteHistoryStore(tmp_path / "history.db")
    await store.open()
    source = AlertmanagerSource(ServerConfig(url=webhook_am.url, name="am", timeout_s=5.0))
    recorder = HistoryRecorder(store, SystemClock(), "poll")
    name = f"Flappy{uuid.uuid4().hex[:6]}"
    try:
        await fire_and_resolve_six_times(webhook_am, recorder, source, name)
        events = [
            e for e in await store.events(datetime.now(UTC) - timedelta(days=7)) if e.name == name
        ]
        assert sorted(e.kind.value for e in events) == ["fired"] * 6 + ["resolved"] * 6
        assert summarise(events, datetime.now(UTC)).text == "6× / 7d · flapping"
    finally:
        await source.aclose()
        await store.close()


def test_fingerprint_matches_alertmanagers(webhook_am: Alertmanager) -> None:
    labels = {"alertname": f"Fp{uuid.uuid4().hex[:6]}", "service": "dé\tb", "z": ""}
    labels.pop("z")
    webhook_am.post_alerts([{"labels": labels}])
    got = [a for a in http_json(f"{webhook_am.url}/api/v2/alerts") if a["labels"] == labels]
    assert got and got[0]["fingerprint"] == am_fingerprint(labels)
