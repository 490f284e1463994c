"""A loopback HTTP proxy in front of a real Alertmanager that forwards a silence POST, lets the
Alertmanager make the silence, and then loses the answer: the connection is closed unanswered
(`drop`) or held unanswered until the client gives up (`hold`). Every other request is passed
through. This is the member that "made it, then failed" which a real network produces at
random and a test needs on cue.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tests.servers.ports import free_port


class AnswerDropper:
    def __init__(self, upstream: str, mode: str = "drop") -> None:
        assert mode in ("drop", "hold")
        self.upstream = urlsplit(upstream)
        self.mode = mode
        self.port = free_port()
        self.made: list[bytes] = []  # the answers Alertmanager gave and the client never saw
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                upstream = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port, timeout=10
                )
                headers = {"Content-Type": self.headers.get("Content-Type", "application/json")}
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                upstream.close()
                if self.command == "POST" and self.path.startswith("/api/v2/silences"):
                    proxy.made.append(data)
                    if proxy.mode == "hold":
                        proxy._released.wait(30)
                    self.close_connection = True
                    return  # the silence is made; its answer never leaves here
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.getheader("Content-Type") or "")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _forward

        return Handler

    def start(self) -> AnswerDropper:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
