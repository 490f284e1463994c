"""Small real HTTP servers on 127.0.0.1 that misbehave in ways a real Alertmanager is never
asked to: answers gzip- or deflate-encoded, bombs, answers trickled a byte at a time (headers
or body), redirects to another port, and a record of the headers each request carried."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.servers.ports import free_port


@dataclass
class Answer:
    body: bytes = b"[]"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    trickle_s: float = 0.0  # seconds between two bytes of the body
    trickle_head_s: float = 0.0  # seconds between two bytes of the status line and headers


@dataclass
class Server:
    """Answers every path with `answers[path]` (or `answers["*"]`); records what came in."""

    answers: dict[str, Answer] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    closed: threading.Event = field(default_factory=threading.Event)  # a client hung up
    _httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.seen.append((path, {k.lower(): v for k, v in self.headers.items()}))
                answer = server.answers.get(path) or server.answers.get("*") or Answer()
                head = f"HTTP/1.1 {answer.status} X\r\nContent-Length: {len(answer.body)}\r\n"
                head += "".join(f"{k}: {v}\r\n" for k, v in answer.headers.items()) + "\r\n"
                try:
                    self._send(head.encode(), answer.trickle_head_s)
                    self._send(answer.body, answer.trickle_s)
                except OSError:
                    server.closed.set()

            def _send(self, data: bytes, every_s: float) -> None:
                if not every_s:
                    self.wfile.write(data)
                    return
                for i in range(len(data)):
                    if server.stopping.wait(every_s):
                        return
                    self.wfile.write(data[i : i + 1])
                    self.wfile.flush()

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                server.closed.set()  # the client hung up mid-request: what tests look for

        self._httpd = Quiet(("127.0.0.1", self.port), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()


def wait_until(check: Callable[[], bool], limit_s: float = 10.0) -> bool:
    """Poll `check` until true (False after `limit_s`: the assertion that follows fails)."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.01)
    return check()
