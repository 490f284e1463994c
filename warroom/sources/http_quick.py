"""The first GETs without httpx: the CLI's prefetch (the alerts, every signal's first query)
through the standard library's `http.client`, begun before the UI is imported.

Importing httpx costs ~60 ms of CPU and requests ~50 ms; begun in a thread beside Textual's
import they hold the interpreter when the console most needs it (measured in
benchmarks/bench_real_alertmanager). This path keeps every guarantee of `HttpEndpoint.fetch`:
the same headers and credentials (`http_auth`), the same TLS (`http.ssl_context`), the same
bounds (`http_body`: `max_answer_mb` counted after decompression, a gzip bomb refused within
it, `deadline_s` for the whole call, cancellation), the same one-line errors with secrets
redacted. It never follows a redirect itself: it answers where to (`Redirect`) and the
caller follows it through httpx, whose guard drops every credential on the way to another
origin and refuses https from an http server.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlencode, urljoin, urlsplit

from warroom.config import ServerConfig
from warroom.domain.errors import SourceError, SourceTimeout, SourceUnavailable
from warroom.domain.redaction import redact
from warroom.domain.untrusted import clip, one_line
from warroom.sources.http_auth import auth_headers, basic_auth
from warroom.sources.http_body import (
    ERROR_BODY_BYTES,
    Cancel,
    Cancelled,
    Inflate,
    Watch,
    late,
    too_big,
)

_READ = 1 << 20  # bytes asked of the socket per read: a storm's answer in few reads
_REDIRECTS = frozenset({301, 302, 303, 307, 308})  # the ones httpx follows


@dataclass(frozen=True, slots=True)
class Redirect:
    """The server sent us elsewhere: `location`, absolute (follow it through httpx)."""

    location: str


def _headers(server: ServerConfig) -> dict[str, str]:
    """What `http.make_client` sends: custom headers, the bearer token, basic auth (from the
    config or the URL's user:password, as httpx takes it), gzip and deflate only."""
    headers = {**auth_headers(server), "Accept-Encoding": "gzip, deflate"}
    auth = basic_auth(server)
    if auth is None:
        userinfo = urlsplit(server.url).netloc.rpartition("@")[0]
        if userinfo:
            user, _, password = userinfo.partition(":")
            auth = (unquote(user), unquote(password))
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    return headers


def _connection(server: ServerConfig) -> http.client.HTTPConnection:
    from warroom.sources.http import ssl_context

    parts = urlsplit(server.url)
    host, port = parts.hostname or "", parts.port
    if parts.scheme != "https":
        return http.client.HTTPConnection(host, port, timeout=server.timeout_s)
    context = ssl_context(server)
    if context is False:  # insecure_skip_verify without a client certificate
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    assert isinstance(context, ssl.SSLContext)
    return http.client.HTTPSConnection(host, port, timeout=server.timeout_s, context=context)


def get_bounded(
    server: ServerConfig,
    path: str,
    params: Mapping[str, str] | None,
    *,
    label: str,
    max_bytes: int,
    cancel: Cancel | None,
    secrets: Iterable[str],
    on_error: Callable[[int, bytes], SourceError],
) -> bytes | Redirect:
    """The decoded body of `GET path?params`, within the server's bounds, or where the server
    redirects to. Raises only SourceError."""
    headers = _headers(server)  # (a secret that cannot be read is said before connecting)
    parts = urlsplit(server.url)
    target = parts.path.rstrip("/") + path + (f"?{urlencode(params)}" if params else "")
    watch = Watch(cancel)
    began = time.monotonic()
    timer = threading.Timer(server.deadline_s, watch.fire, args=("deadline",))
    timer.daemon = True
    timer.start()
    stop_on_cancel = cancel.on_set(lambda: watch.fire("cancelled")) if cancel else None
    conn = _connection(server)
    connected = False
    try:
        conn.connect()
        connected = True
        watch.add(conn.sock)
        conn.request("GET", target, headers=headers)
        response = conn.getresponse()
        status = response.status
        location = response.getheader("location")
        if status in _REDIRECTS and location:
            return Redirect(urljoin(f"{parts.scheme}://{parts.netloc}{target}", location))
        drain = _Drain(response, label, watch, began, server.deadline_s)
        if not 200 <= status < 300:
            raise on_error(status, drain.read(ERROR_BODY_BYTES))
        length = response.getheader("content-length") or ""
        encoding = response.getheader("content-encoding") or ""
        if length.isdigit() and not encoding and int(length) > max_bytes:
            raise too_big(label, max_bytes)
        body = drain.read(max_bytes + 1)
        if len(body) > max_bytes:
            raise too_big(label, max_bytes)
        return body
    except SourceError:
        raise
    except Exception as exc:
        if watch.why == "deadline":
            raise late(label, server.deadline_s) from None
        if watch.why == "cancelled":
            raise Cancelled(f"{label}: cancelled") from None
        raise _error(exc, label, server.timeout_s, secrets, connected) from None
    finally:
        timer.cancel()
        if stop_on_cancel is not None:
            stop_on_cancel()
        with contextlib.suppress(Exception):
            conn.close()


@dataclass(frozen=True, slots=True)
class _Drain:
    """Up to `limit` decoded bytes of a response body, checking the deadline and `cancel`
    between reads (the watchdog wakes a read blocked on the socket)."""

    response: http.client.HTTPResponse
    label: str
    watch: Watch
    began: float
    deadline_s: float

    def read(self, limit: int) -> bytes:
        inflate = Inflate(self.response.getheader("content-encoding") or "", self.label)
        cancel = self.watch.cancel
        chunks: list[bytes] = []
        total = 0
        while total < limit:
            raw = self.response.read1(_READ)
            if (cancel is not None and cancel.is_set()) or self.watch.why == "cancelled":
                raise Cancelled(f"{self.label}: cancelled")
            if self.watch.why or time.monotonic() - self.began > self.deadline_s:
                raise late(self.label, self.deadline_s)  # (the watchdog's shutdown ends a read)
            if not raw:
                if self.response.length:  # fewer bytes than Content-Length said
                    raise http.client.IncompleteRead(b"", self.response.length)
                break
            data = inflate.feed(raw, limit - total)
            chunks.append(data)
            total += len(data)
        return b"".join(chunks)


def _error(
    exc: Exception, label: str, timeout_s: float, secrets: Iterable[str], connected: bool
) -> SourceError:
    """A stdlib exception as the one-line SourceError `http.map_httpx_error` would give."""
    detail = clip(" ".join(one_line(redact(str(exc) or type(exc).__name__, secrets)).split()), 120)
    if isinstance(exc, TimeoutError):
        if not connected:
            return SourceTimeout(f"{label}: could not connect within {timeout_s:g}s")
        return SourceTimeout(f"{label}: no answer within {timeout_s:g}s")
    if isinstance(exc, ssl.SSLError):
        return SourceUnavailable(f"{label}: TLS error ({detail})")
    if not connected or isinstance(exc, ConnectionRefusedError):
        return SourceUnavailable(f"{label}: cannot connect ({detail})")
    if isinstance(exc, http.client.HTTPException):
        return SourceUnavailable(f"{label}: connection dropped ({detail})")
    return SourceUnavailable(f"{label}: {detail}")
