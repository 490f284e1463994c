"""Reading one HTTP answer within bounds: a size cap counted after decompression, a total
deadline, and cancellation from the event loop.

A read timeout alone lets a server that sends one byte a second hold a thread for ever, and
an answer of 2 MB of gzip can inflate to gigabytes. So every call here:
- ends at `deadline_s` after it began, whatever the server does: a watchdog timer shuts the
  call's own sockets down (found through httpcore's `trace` extension; the client keeps no
  idle connections, so every call opens its own), which wakes the blocked read;
- decompresses gzip/deflate itself, never producing more than the cap allows
  (`zlib.decompressobj().decompress(data, max_length)`), so a bomb is refused within the cap;
- stops once `cancel` is set (a cancelled poll): setting it fires the watchdog at once, so a
  read blocked on the socket ends too.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from warroom.domain.errors import SourceBadResponse, SourceError, SourceTimeout

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")
ERROR_BODY_BYTES = 64 * 1024  # of a non-2xx answer, enough for its reason


class Cancelled(SourceError):
    """The call was cancelled by its caller (nobody waits for this error)."""


class Cancel:
    """Set from the event loop when a call's awaiting task is cancelled; read in its thread
    between chunks and slices. Setting it also runs the callbacks registered (a call's
    watchdog), so a read blocked on the socket ends at once too."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        with self._lock:
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_set(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run `callback` when set (at once if already set); returns its unregistering."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return lambda: self._forget(callback)
        callback()
        return lambda: None

    def _forget(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)


async def run_cancellable(work: Callable[[Cancel], T]) -> T:
    """`work(cancel)` in a thread; when the awaiting task is cancelled (a poll replaced by the
    next, `r`, a silence, a timeout), `cancel` is set so the thread stops at its next check."""
    cancel = Cancel()
    try:
        return await asyncio.to_thread(work, cancel)
    except asyncio.CancelledError:
        cancel.set()
        raise


class Watch:
    """The sockets of one call, shut down when its deadline passes or it is cancelled."""

    def __init__(self, cancel: Cancel | None) -> None:
        self.cancel = cancel
        self.why = ""  # "deadline" or "cancelled" once fired
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            self.add(stream.get_extra_info("socket") if stream is not None else None)

    def add(self, sock: object) -> None:
        """A socket of this call (shut at once if the watch already fired)."""
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                fired = bool(self.why)
            if fired:
                self._shut(sock)

    def fire(self, why: str) -> None:
        with self._lock:
            if self.why:
                return
            self.why = why
            sockets = list(self._sockets)
        for sock in sockets:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


class Inflate:
    """Content-Encoding undone chunk by chunk, never giving more bytes than asked for."""

    def __init__(self, encoding: str, label: str) -> None:
        enc = encoding.strip().lower()
        self._raw_deflate_tried = enc != "deflate"
        if enc in ("", "identity"):
            self._z: Any = None
        elif enc in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self._z = zlib.decompressobj()
        else:
            raise SourceBadResponse(f"{label}: unsupported Content-Encoding {enc[:40]!r}")
        self._label = label

    def feed(self, data: bytes, room: int) -> bytes:
        """At most `room` bytes of output from `data` (more input is then irrelevant)."""
        if self._z is None:
            return data[:room]
        try:
            return bytes(self._z.decompress(data, room))
        except zlib.error:
            if not self._raw_deflate_tried:  # "deflate" without its zlib header, as some send
                self._raw_deflate_tried = True
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                return bytes(self._z.decompress(data, room))
            raise SourceBadResponse(f"{self._label}: corrupt compressed answer") from None


def read_bounded(
    client: httpx.Client,
    method: str,
    path: str,
    *,
    label: str,
    max_bytes: int,
    deadline_s: float,
    cancel: Cancel | None = None,
    on_error: Callable[[int, bytes], SourceError],
    **kwargs: Any,
) -> bytes:
    """The decoded body of one call, within `max_bytes` and `deadline_s`. A non-2xx answer
    raises `on_error(status, first bytes of its body)`. Library exceptions propagate (the
    caller maps them), except when the watchdog caused them: then SourceTimeout/Cancelled."""
    watch = Watch(cancel)
    began = time.monotonic()
    timer = threading.Timer(deadline_s, watch.fire, args=("deadline",))
    timer.daemon = True
    timer.start()
    stop_on_cancel = cancel.on_set(lambda: watch.fire("cancelled")) if cancel else _nothing
    try:
        request = client.build_request(method, path, extensions={"trace": watch.trace}, **kwargs)
        response = client.send(request, stream=True)
        try:
            if not response.is_success:
                body = _drain(response, ERROR_BODY_BYTES, label, watch, began, deadline_s)
                raise on_error(response.status_code, body)
            length = response.headers.get("content-length", "")
            encoding = response.headers.get("content-encoding", "")
            if length.isdigit() and not encoding and int(length) > max_bytes:
                raise too_big(label, max_bytes)
            body = _drain(response, max_bytes + 1, label, watch, began, deadline_s)
            if len(body) > max_bytes:
                raise too_big(label, max_bytes)
            return body
        finally:
            response.close()
    except SourceError:
        raise
    except Exception:
        if watch.why == "deadline":
            raise late(label, deadline_s) from None
        if watch.why == "cancelled":
            raise Cancelled(f"{label}: cancelled") from None
        raise
    finally:
        timer.cancel()
        stop_on_cancel()


def _drain(
    response: httpx.Response,
    limit: int,
    label: str,
    watch: Watch,
    began: float,
    deadline_s: float,
) -> bytes:
    """Up to `limit` decoded bytes of the body (stops reading there)."""
    inflate = Inflate(response.headers.get("content-encoding", ""), label)
    chunks: list[bytes] = []
    total = 0
    for raw in response.iter_raw():
        if watch.cancel is not None and watch.cancel.is_set():
            raise Cancelled(f"{label}: cancelled")
        if time.monotonic() - began > deadline_s:
            raise late(label, deadline_s)
        data = inflate.feed(raw, limit - total)
        chunks.append(data)
        total += len(data)
        if total >= limit:
            break
    return b"".join(chunks)


def _nothing() -> None:
    pass


def too_big(label: str, max_bytes: int) -> SourceBadResponse:
    return SourceBadResponse(
        f"{label}: answer larger than {max_bytes / 1e6:g} MB decoded (max_answer_mb); refused"
    )


def late(label: str, deadline_s: float) -> SourceTimeout:
    return SourceTimeout(f"{label}: no complete answer within {deadline_s:g}s (deadline_s)")
