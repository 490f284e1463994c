"""A small service under watch, for the real Prometheus to scrape.

prometheus_client metrics with the names the defaults and the reference runbooks use:
`http_requests_total{status,route}`, the `http_request_duration_seconds` histogram,
`pg_stat_activity_count`, `pg_settings_max_connections` and `queue_depth`. A ticker thread makes
100 simulated requests a second; the error rate, latency, connections, queue depth and whether
/metrics answers at all are switchable from Python (`set`) or over HTTP
(`GET /set?error_rate=0.5&latency=3&connections=90&queue_depth=5000&down=1`).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from tests.servers.ports import free_port

REQUESTS_PER_TICK = 10
TICK_S = 0.1


class Exporter:
    def __init__(self, port: int | None = None, requests_per_tick: int = REQUESTS_PER_TICK) -> None:
        self.port = port or free_port()
        self.requests_per_tick = requests_per_tick  # more per tick: finer error rates (14 %)
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total", "Requests.", ["status", "route"], registry=self.registry
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Request latency.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
            registry=self.registry,
        )
        self.connections = Gauge(
            "pg_stat_activity_count", "DB connections.", registry=self.registry
        )
        self.max_connections = Gauge(
            "pg_settings_max_connections", "DB connection limit.", registry=self.registry
        )
        self.queue = Gauge("queue_depth", "Jobs due and not locked.", registry=self.registry)
        self.max_connections.set(100)
        self._lock = threading.Lock()
        self.state: dict[str, float] = {
            "error_rate": 0.0,
            "latency": 0.08,
            "connections": 12.0,
            "queue_depth": 3.0,
            "down": 0.0,
        }
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def set(self, **values: float) -> None:
        """Change behaviour: error_rate (0..1), latency (s), connections, queue_depth, down."""
        with self._lock:
            for key, value in values.items():
                if key not in self.state:
                    raise KeyError(key)
                self.state[key] = float(value)

    def reset(self) -> None:
        self.set(error_rate=0.0, latency=0.08, connections=12, queue_depth=3, down=0)

    def _tick(self) -> None:
        while not self._stop.wait(TICK_S):
            with self._lock:
                s = dict(self.state)
            errors = round(self.requests_per_tick * s["error_rate"])
            ok = self.requests_per_tick - errors
            if ok:
                self.requests.labels("200", "/api/orders").inc(ok)
            if errors:
                self.requests.labels("500", "/api/orders").inc(errors)
            for _ in range(self.requests_per_tick):
                self.duration.observe(s["latency"])
            self.connections.set(s["connections"])
            self.queue.set(s["queue_depth"])

    def start(self) -> None:
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/metrics":
                    if exporter.state["down"]:
                        self.send_error(503, "down")
                        return
                    body = generate_latest(exporter.registry)
                    self.send_response(200)
                    self.send_header("Content-Type", CONTENT_TYPE_LATEST)
                elif url.path == "/set":
                    query = {k: float(v[0]) for k, v in parse_qs(url.query).items()}
                    try:
                        exporter.set(**query)
                    except (KeyError, ValueError) as exc:
                        self.send_error(400, str(exc))
                        return
                    body = b"ok\n"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                else:
                    self.send_error(404)
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._threads = [
            threading.Thread(target=self._server.serve_forever, daemon=True, name="exporter-http"),
            threading.Thread(target=self._tick, daemon=True, name="exporter-tick"),
        ]
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
