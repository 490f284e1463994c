"""The webhook receiver on a real loopback socket: payload version 4 only, bearer token,
bounded bodies and headers, and a store outage answered 503 so Alertmanager retries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from warroom.domain.errors import StoreError
from warroom.sources.alertmanager_webhook import WebhookReceiver, events_from_payload, parse_listen
from warroom.stores.history_sqlite import SqliteHistoryStore

PAYLOAD = {
    "version": "4",
    "status": "resolved",
    "receiver": "history",
    "alerts": [
        {
            "status": "resolved",
            "labels": {"alertname": "DBDown", "service": "db"},
            "annotations": {},
            "startsAt": "2026-12-01T02:00:00.123456789Z",
            "endsAt": "2026-12-01T02:05:00.5Z",
            "fingerprint": "abcd",
        },
        {
            "status": "firing",
            "labels": {"alertname": "Other", "job": "web"},
            "startsAt": "2026-12-01T02:01:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
        },
    ],
}


@pytest.fixture
async def receiver(tmp_path: Path) -> AsyncIterator[WebhookReceiver]:
    store = SqliteHistoryStore(tmp_path / "h.db")
    await store.open()
    server = WebhookReceiver(store, "127.0.0.1", 0, token="s3cret", max_body=4096)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
        await store.close()


def test_payload_events_and_computed_fingerprint() -> None:
    events = events_from_payload(json.dumps(PAYLOAD).encode())
    assert [(e.fingerprint, e.kind.value, e.service) for e in events] == [
        ("abcd", "fired", "db"),
        ("abcd", "resolved", "db"),
        (events[2].fingerprint, "fired", "web"),
    ]
    assert len(events[2].fingerprint) == 16


async def test_posts_are_stored_once_and_checked(receiver: WebhookReceiver) -> None:
    url = f"http://127.0.0.1:{receiver.port}/"
    auth = {"Authorization": "Bearer s3cret"}
    async with httpx.AsyncClient(timeout=5) as client:
        assert (await client.post(url, json=PAYLOAD)).status_code == 401
        assert (
            await client.post(url, json=PAYLOAD, headers={"Authorization": "Bearer x"})
        ).status_code == 401
        for _ in range(2):
            assert (await client.post(url, json=PAYLOAD, headers=auth)).status_code == 200
        bad = await client.post(url, json={**PAYLOAD, "version": "3"}, headers=auth)
        assert bad.status_code == 400 and "version" in bad.text
        assert (await client.post(url, content=b"{", headers=auth)).status_code == 400
        big = await client.post(url, content=b" " * 5000, headers=auth)
        assert big.status_code == 413
        assert (await client.put(url, json=PAYLOAD, headers=auth)).status_code == 405
        assert (await client.get(url)).status_code == 200
    events = await receiver.store.events(
        events_from_payload(json.dumps(PAYLOAD).encode())[0].at.replace(year=2000)
    )
    assert len(events) == 3 and receiver.received == 2


async def test_huge_header_and_silent_client_get_answers(receiver: WebhookReceiver) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", receiver.port)
    writer.write(b"POST / HTTP/1.1\r\nX: " + b"a" * 20_000 + b"\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    assert answer.startswith(b"HTTP/1.1 4")
    writer.close()


async def test_store_down_answers_503(receiver: WebhookReceiver) -> None:
    class Down:
        async def record(self, events: object) -> int:
            raise StoreError("database unreachable")

    receiver.store = Down()  # type: ignore[assignment]
    async with httpx.AsyncClient(timeout=5) as client:
        answer = await client.post(
            f"http://127.0.0.1:{receiver.port}/",
            json=PAYLOAD,
            headers={"Authorization": "Bearer s3cret"},
        )
    assert answer.status_code == 503


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:9000", ("127.0.0.1", 9000)),
        (":9100", ("127.0.0.1", 9100)),
        ("[::1]:80", ("::1", 80)),
        ("localhost", ("localhost", 9099)),
    ],
)
def test_parse_listen(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text) == expected


async def test_connections_beyond_the_cap_are_turned_away(receiver: WebhookReceiver) -> None:
    from warroom.sources import alertmanager_webhook

    idle = []
    for _ in range(alertmanager_webhook.MAX_CONNECTIONS):
        idle.append(await asyncio.open_connection("127.0.0.1", receiver.port))
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", receiver.port)
        answer = await asyncio.wait_for(reader.read(), 10)
        assert answer.startswith(b"HTTP/1.1 503")
        writer.close()
    finally:
        for _, w in idle:
            w.close()
