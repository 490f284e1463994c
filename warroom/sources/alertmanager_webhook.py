"""`warroom receive`'s server: Alertmanager's webhook (payload version 4) into alert history.

Alertmanager keeps no history, but it can push every notification to a `webhook_configs` URL.
Each alert in a notification becomes a FIRED event (at its startsAt) and, once `status` is
"resolved", a RESOLVED event (at its endsAt), under the same key the console's polls use
(fingerprint + startsAt), so the store counts one fire once whoever saw it first.

The server is deliberately small and strict, because whoever can reach the port chooses the
bytes: it listens on a local address by default, reads a bounded request (line, headers and
body sizes capped, each read under a timeout), takes only POST with a JSON body of version
"4", optionally requires a bearer token (compared in constant time), and answers 4xx in one
line for anything else; at most `MAX_CONNECTIONS` are served at once. Label text is stored
as given and shown elsewhere through `inert`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from warroom.domain.alert_history import AlertEvent, EventKind
from warroom.domain.errors import StoreError
from warroom.domain.history_ports import AlertHistoryStore
from warroom.sources.alertmanager import parse_time

log = logging.getLogger(__name__)

MAX_BODY = 8 * 1024 * 1024
MAX_HEADER_LINE = 8 * 1024
MAX_HEADERS = 100
MAX_CONNECTIONS = 64  # Alertmanager sends a few at a time; more is someone else
_OFFSET = 0xCBF29CE484222325
_PRIME = 0x100000001B3
_MASK = (1 << 64) - 1


class PayloadError(ValueError):
    """The body is not an Alertmanager version 4 webhook payload (the message says why)."""


def am_fingerprint(labels: Mapping[str, str]) -> str:
    """Alertmanager's fingerprint of a label set (FNV-1a 64 over sorted name/value pairs,
    each followed by 0xff), for payloads from senders that do not include it."""
    h = _OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode():
                h = ((h ^ byte) * _PRIME) & _MASK
            h = ((h ^ 0xFF) * _PRIME) & _MASK
    return f"{h:016x}"


def events_from_payload(body: bytes, source: str = "webhook") -> list[AlertEvent]:
    """The events in one notification. Raises PayloadError on a wrong shape or version."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise PayloadError("not a JSON object")
    if str(payload.get("version", "")) != "4":
        raise PayloadError(f"webhook payload version {payload.get('version')!r}, expected '4'")
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("no 'alerts' list")
    events: list[AlertEvent] = []
    for raw in alerts:
        if not isinstance(raw, dict) or not isinstance(raw.get("labels"), dict):
            raise PayloadError("an alert without labels")
        labels = {str(k): str(v) for k, v in raw["labels"].items()}
        fingerprint = str(raw.get("fingerprint") or "") or am_fingerprint(labels)
        starts_at = parse_time(raw.get("startsAt"))
        if starts_at.year < 1971:
            raise PayloadError(f"alert {fingerprint} has no startsAt")
        name = labels.get("alertname", "")
        service = labels.get("service") or labels.get("job") or ""
        events.append(
            AlertEvent(fingerprint, name, service, EventKind.FIRED, starts_at, starts_at, source)
        )
        if raw.get("status") == "resolved":
            ends_at = parse_time(raw.get("endsAt"))
            if ends_at >= starts_at:
                events.append(
                    AlertEvent(
                        fingerprint, name, service, EventKind.RESOLVED, starts_at, ends_at, source
                    )
                )
    return events


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    text: str

    def encode(self) -> bytes:
        reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
                  405: "Method Not Allowed", 408: "Request Timeout", 411: "Length Required",
                  413: "Content Too Large", 431: "Request Header Fields Too Large",
                  503: "Service Unavailable"}.get(self.status, "Error")  # fmt: skip
        body = (self.text + "\n").encode()
        head = (
            f"HTTP/1.1 {self.status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        return head.encode() + body


class WebhookReceiver:
    """An asyncio HTTP server writing each notification's events to `store`."""

    def __init__(
        self,
        store: AlertHistoryStore,
        host: str = "127.0.0.1",
        port: int = 9099,
        *,
        token: str = "",
        read_timeout_s: float = 10.0,
        max_body: int = MAX_BODY,
    ) -> None:
        self.store = store
        self.host = host
        self.port = port
        self.token = token
        self.read_timeout_s = read_timeout_s
        self.max_body = max_body
        self.received = 0  # notifications stored (for the CLI's status line and tests)
        self._open = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._handle, self.host, self.port, limit=MAX_HEADER_LINE
        )
        sockets = self._server.sockets or ()
        if sockets:
            self.port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), self.read_timeout_s)
            self._server = None

    async def serve_forever(self) -> None:
        if self._server is None:
            await self.start()
        assert self._server is not None
        await self._server.serve_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._open += 1
        try:
            await self._serve(reader, writer)
        finally:
            self._open -= 1

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self._open > MAX_CONNECTIONS:
                response = _Response(503, "too many connections")
            else:
                response = await asyncio.wait_for(self._respond(reader), self.read_timeout_s)
        except TimeoutError:
            response = _Response(408, "request not read in time")
        except (ValueError, asyncio.LimitOverrunError, asyncio.IncompleteReadError):
            response = _Response(400, "malformed request")
        except ConnectionError:
            writer.close()
            return
        with contextlib.suppress(ConnectionError, OSError):
            writer.write(response.encode())
            await asyncio.wait_for(writer.drain(), self.read_timeout_s)
        writer.close()

    async def _read_head(self, reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str]]:
        request = (await reader.readuntil(b"\n")).decode("latin-1").strip()
        parts = request.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise ValueError("bad request line")
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS + 1):
            line = (await reader.readuntil(b"\n")).decode("latin-1").strip()
            if not line:
                return parts[0], parts[1], headers
            name, sep, value = line.partition(":")
            if not sep:
                raise ValueError("bad header")
            headers[name.strip().lower()] = value.strip()
        raise asyncio.LimitOverrunError("too many headers", 0)

    async def _respond(self, reader: asyncio.StreamReader) -> _Response:
        try:
            method, _path, headers = await self._read_head(reader)
        except asyncio.LimitOverrunError:
            return _Response(431, "request headers too large")
        if method == "GET":
            return _Response(200, f"warroom receive: {self.received} notifications stored")
        if method != "POST":
            return _Response(405, "only POST (Alertmanager webhook) and GET (health)")
        if self.token and not hmac.compare_digest(
            headers.get("authorization", "").encode(), f"Bearer {self.token}".encode()
        ):
            return _Response(401, "missing or wrong bearer token")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return _Response(411, "send a Content-Length")
        try:
            length = int(headers.get("content-length", ""))
        except ValueError:
            return _Response(411, "send a Content-Length")
        if length < 0 or length > self.max_body:
            return _Response(413, f"body over {self.max_body} bytes")
        body = await reader.readexactly(length)
        try:
            events = events_from_payload(body)
        except PayloadError as exc:
            return _Response(400, str(exc))
        try:
            await self.store.record(events)
        except StoreError as exc:
            log.warning("alert history not written: %s", exc)
            return _Response(503, "history store unavailable; Alertmanager will retry")
        self.received += 1
        return _Response(200, f"{len(events)} events")


def parse_listen(text: str, default_port: int = 9099) -> tuple[str, int]:
    """`host:port`, `:port` or `host` (IPv6 in brackets) -> (host, port); ValueError if not."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest.removeprefix(":")
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host, port_text = text, ""
    port = int(port_text) if port_text else default_port
    if not 0 <= port <= 65535:
        raise ValueError(f"port out of range in {text!r}")
    return host or "127.0.0.1", port
