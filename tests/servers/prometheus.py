"""Real Prometheus and Alertmanager on 127.0.0.1 with temp dirs, for the live tests.

Started as the shared notes on real servers (real-servers.md) describes (Debian packages; Alertmanager with an
empty `--cluster.listen-address=` so it binds no gossip port). Scrape and rule evaluation run
every second with alert rules modeled on the reference runbooks. Anything that cannot start
raises RuntimeError: the fixtures fail, never skip. When the binaries are missing and we are
root with apt, `.ci/install-servers` installs them first.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.servers.ports import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = os.environ.get("WARROOM_PROMETHEUS_BIN", "prometheus")
ALERTMANAGER = os.environ.get("WARROOM_ALERTMANAGER_BIN", "prometheus-alertmanager")

RULES = """\
groups:
- name: warroom-test
  interval: 1s
  rules:
  - alert: HighErrorRate
    expr: >
      100 * sum by (job) (rate(http_requests_total{status=~"5.."}[5s]))
      / sum by (job) (rate(http_requests_total[5s])) > 5
    for: 1s
    labels: {severity: warning}
    annotations:
      summary: "{{ $labels.job }} error rate above 5%"
      description: "Error rate is {{ $value | printf \\"%.1f\\" }}%"
      runbook_url: "https://runbooks.example/HighErrorRate"
  - alert: HighErrorRateCritical
    expr: >
      100 * sum by (job) (rate(http_requests_total{status=~"5.."}[5s]))
      / sum by (job) (rate(http_requests_total[5s])) > 10
    for: 1s
    labels: {severity: critical}
    annotations:
      summary: "{{ $labels.job }} error rate above 10%"
      runbook_url: "https://runbooks.example/HighErrorRate"
  - alert: HighLatencyP95
    expr: >
      histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket[5s]))) > 2
    for: 1s
    labels: {severity: warning}
    annotations:
      summary: "{{ $labels.job }} p95 latency above 2s"
  - alert: ServiceDown
    expr: up == 0
    for: 1s
    labels: {severity: critical}
    annotations:
      summary: "{{ $labels.job }} is down"
  - alert: DatabaseConnectionsHigh
    expr: >
      sum by (job) (pg_stat_activity_count) / sum by (job) (pg_settings_max_connections) > 0.8
    for: 1s
    labels: {severity: warning}
    annotations:
      summary: "{{ $labels.job }} database connections near the limit"
  - alert: QueueBacklog
    expr: sum by (job) (queue_depth) > 1000
    for: 1s
    labels: {severity: warning}
    annotations:
      summary: "{{ $labels.job }} work queue backlog"
"""

ALERTMANAGER_CONFIG = """\
route:
  receiver: blackhole
  group_by: [alertname, job]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
- name: blackhole
inhibit_rules:
- source_matchers: [alertname="HighErrorRateCritical"]
  target_matchers: [alertname="HighErrorRate"]
  equal: [job]
"""


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["bash", str(ROOT / ".ci" / "install-servers")], check=False)
        path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} not found (run `make servers` to install it)")
    return path


def http_json(url: str, method: str = "GET", body: Any = None, timeout: float = 5.0) -> Any:
    """A tiny JSON client for fixtures and oracles (independent of the code under test)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


class _Process:
    def __init__(self, name: str, port: int, workdir: Path) -> None:
        self.name = name
        self.port = port
        self.dir = workdir
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = workdir / f"{name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, argv: list[str]) -> None:
        log = open(self.log, "ab")  # noqa: SIM115 - handed to the child
        try:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        finally:
            log.close()
        try:
            wait_for_port(self.port, timeout_s=20)
        except RuntimeError:
            tail = self.log.read_text(errors="replace")[-800:]
            self.stop()
            raise RuntimeError(f"{self.name} did not start on port {self.port}: {tail}") from None
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited: {self.log.read_text(errors='replace')[-800:]}")

    def _wait_ready(self, path: str, timeout_s: float = 20.0) -> None:
        """Until `path` answers at all (a plain-text answer counts); fail after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                http_json(f"{self.url}{path}", timeout=1)
                return
            except ValueError:
                return  # it answered, just not with JSON
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready on {self.url}{path}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL, for tests of a server dying under the console."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


class Alertmanager(_Process):
    def __init__(self, workdir: Path, name: str = "am", config: str = ALERTMANAGER_CONFIG) -> None:
        super().__init__(name, free_port(), workdir)
        self.config = config

    def start(self) -> None:
        cfg = self.dir / f"{self.name}.yml"
        cfg.write_text(self.config)
        (self.dir / self.name).mkdir(exist_ok=True)
        self._spawn(
            [
                _binary(ALERTMANAGER),
                f"--config.file={cfg}",
                f"--storage.path={self.dir / self.name}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                *self.cluster_args(),
                "--log.level=warn",
            ]
        )
        self._wait_ready("/api/v2/status")

    def cluster_args(self) -> list[str]:
        """No gossip: an empty listen address binds no cluster port."""
        return ["--cluster.listen-address="]

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        http_json(f"{self.url}/api/v2/alerts", "POST", alerts)

    def alerts(self) -> list[dict[str, Any]]:
        return http_json(f"{self.url}/api/v2/alerts")  # type: ignore[no-any-return]

    def silence(self, silence_id: str) -> dict[str, Any]:
        return http_json(f"{self.url}/api/v2/silence/{silence_id}")  # type: ignore[no-any-return]


class Prometheus(_Process):
    def __init__(
        self,
        workdir: Path,
        targets: list[str],
        alertmanagers: list[str],
        name: str = "prom",
        port: int | None = None,
    ) -> None:
        super().__init__(name, port or free_port(), workdir)
        self.targets = targets
        self.alertmanagers = alertmanagers

    def write_config(self) -> Path:
        rules = self.dir / f"{self.name}-rules.yml"
        rules.write_text(RULES)
        alerting = ""
        if self.alertmanagers:
            alerting = (
                "alerting:\n  alertmanagers:\n  - static_configs:\n"
                f"    - targets: {json.dumps(self.alertmanagers)}\n"
            )
        cfg = self.dir / f"{self.name}.yml"
        cfg.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"rule_files: [{json.dumps(str(rules))}]\n"
            f"{alerting}"
            "scrape_configs:\n"
            "- job_name: checkout\n"
            f"  static_configs:\n  - targets: {json.dumps(self.targets)}\n"
            "    labels: {service: checkout}\n"
        )
        return cfg

    def start(self) -> None:
        cfg = self.write_config()
        (self.dir / self.name).mkdir(exist_ok=True)
        self._spawn(
            [
                _binary(PROMETHEUS),
                f"--config.file={cfg}",
                f"--storage.tsdb.path={self.dir / self.name}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--web.enable-lifecycle",
                "--log.level=warn",
            ]
        )
        self._wait_ready("/-/ready")

    def query(self, promql: str, at: float | None = None) -> dict[str, Any]:
        from urllib.parse import urlencode

        params = {"query": promql}
        if at is not None:
            params["time"] = str(at)
        return http_json(f"{self.url}/api/v1/query?{urlencode(params)}")  # type: ignore[no-any-return]

    def wait_until_scraping(self, timeout_s: float = 40.0, scrapes: int = 6) -> None:
        """Prometheus discovers targets and Alertmanagers on a 5 s tick: wait for both, and for
        a few scrapes so rate() and short ranges have data."""
        deadline = time.monotonic() + timeout_s
        query = f'count_over_time(up{{job="checkout"}}[1m]) >= {scrapes}'
        while time.monotonic() < deadline:
            try:
                up = self.query(query)["data"]["result"]
                ams = http_json(f"{self.url}/api/v1/alertmanagers")["data"]["activeAlertmanagers"]
            except (OSError, ValueError, KeyError):
                up, ams = [], []
            if up and (len(ams) >= len(self.alertmanagers)):
                return
            time.sleep(0.25)
        raise RuntimeError(f"{self.name}: no scrape of the exporter within {timeout_s}s")


class MonitoringStack:
    """Exporter + Prometheus + two Alertmanagers (an HA pair without gossip), one temp dir."""

    def __init__(self) -> None:
        from tests.servers.exporter import Exporter

        self.dir = Path(tempfile.mkdtemp(prefix="warroom-mon-"))
        self.exporter = Exporter()
        self.am = Alertmanager(self.dir, "am1")
        self.am2 = Alertmanager(self.dir, "am2")
        self.prom = Prometheus(
            self.dir,
            targets=[self.exporter.target],
            alertmanagers=[f"127.0.0.1:{self.am.port}", f"127.0.0.1:{self.am2.port}"],
        )

    def start(self) -> None:
        try:
            self.exporter.start()
            self.am.start()
            self.am2.start()
            self.prom.start()
            self.prom.wait_until_scraping()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for proc in (self.prom, self.am, self.am2):
            proc.stop()
        self.exporter.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
