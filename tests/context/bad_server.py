"""An HTTP server on 127.0.0.1 that fails the way real servers do: a 500, garbage instead of
JSON, or no answer at all (it reads the request and holds the connection)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LocalServer:
    """A threaded HTTP server on a free 127.0.0.1 port; subclasses give `_handler()`."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class BadServer(LocalServer):
    def __init__(self) -> None:
        self.mode = "500"  # "500", "garbage" or "hang"
        self.released = threading.Event()
        super().__init__()

    def stop(self) -> None:
        self.released.set()
        super().stop()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if owner.mode == "hang":
                    owner.released.wait(30)
                    return
                if owner.mode == "garbage":
                    body = b'{"kind": "PodList", "items": [{"metadata": '
                    code = 200
                else:
                    body = b'{"message": "internal error: etcd cluster is unavailable"}'
                    code = 500
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
