"""The signals' first queries begin before the UI exists (`live_wiring.prefetch`), through the
standard library, in the scope of the alert the list selects first; the first `history` and
`sample` in that scope take those answers. Against the real Prometheus of the suite (the
exporter's gauges, exact once scraped) and a small Alertmanager-shaped stub on 127.0.0.1.

Each case runs in a fresh interpreter: whether `requests` (behind prometheus-api-client) was
imported tells whether a call was answered by the prefetch or asked again."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.live.stub import Reply, StubServer
from tests.servers.exporter import Exporter
from tests.servers.prometheus import MonitoringStack, http_json

pytestmark = pytest.mark.integration

CODE = """
import asyncio, json, sys
from datetime import UTC, datetime
from warroom.cli.live_wiring import build_live_sources
from warroom.config import EnvironmentConfig, ServerConfig, Settings
from warroom.domain.errors import SourceError
from warroom.domain.scope import service_scope
from warroom.domain.signals import DEFAULT_SIGNALS

env = EnvironmentConfig(
    name="x",
    prometheus=ServerConfig(url=PROM, name="prom"),
    alertmanagers=(ServerConfig(url=AM, name="am"),),
)
(spec,) = [s for s in DEFAULT_SIGNALS if s.key == "queue_depth"]
settings = Settings(environments={"x": env}, environment="x", signals=(spec,))
sources = build_live_sources(settings, prefetch=True)
prom = sources.signal_sources["prometheus"]

async def main():
    out = {}
    await asyncio.to_thread(sources.alert_sources[0].prefetched, 10)
    await asyncio.sleep(0.5)  # the console asks once the alerts are drawn
    for name, labels in SCOPES:
        scope = service_scope(labels)
        history = await prom.history(spec, scope, datetime.now(UTC))
        try:
            value = (await prom.sample(spec, scope)).value
        except SourceError:
            value = None
        out[name] = [value, len(history) > 0, "requests" in sys.modules]
    await prom.aclose()
    return out

print(json.dumps(asyncio.run(main())))
"""


def _alert(service: str, severity: str, minutes: int) -> dict[str, object]:
    starts = (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()
    return {
        "labels": {"alertname": "QueueBacklog", "service": service, "severity": severity},
        "annotations": {"summary": "s"},
        "startsAt": starts,
        "fingerprint": f"fp-{service}",
        "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
    }


def _scraped(stack: MonitoringStack, service: str, depth: int) -> None:
    query = f'sum(queue_depth{{job="{service}"}})'
    for _ in range(150):
        result = http_json(f"{stack.prom.url}/api/v1/query?query={query}")["data"]["result"]
        if result and float(result[0]["value"][1]) == depth:
            return
        time.sleep(0.2)
    raise AssertionError(f"Prometheus never scraped queue_depth={depth}")


def _run(stack: MonitoringStack, am: StubServer, scopes: list[tuple[str, dict[str, str]]]) -> dict:
    code = f"PROM = {stack.prom.url!r}\nAM = {am.url!r}\nSCOPES = {scopes!r}\n" + CODE
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-800:]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_the_first_queries_are_answered_in_the_first_alerts_scope(
    stack: MonitoringStack, exporter: Exporter, stub: StubServer
) -> None:
    """The critical alert is listed first (most severe before older): its service is the
    signals' first scope, prefetched; another service is asked for again, through requests."""
    exporter.set(queue_depth=321)
    _scraped(stack, "checkout", 321)
    alerts = [_alert("payments", "warning", 30), _alert("checkout", "critical", 5)]
    stub.reply("/api/v2/alerts", Reply(body=json.dumps(alerts).encode()))
    got = _run(
        stack,
        stub,
        [("first", {"service": "checkout"}), ("other", {"service": "payments"})],
    )
    assert got["first"] == [321, True, False]  # the exporter's value, without requests
    assert got["other"] == [None, False, True]  # asked again, through prometheus-api-client


def test_without_alerts_the_first_scope_is_every_service(
    stack: MonitoringStack, exporter: Exporter, stub: StubServer
) -> None:
    exporter.set(queue_depth=77)
    _scraped(stack, "checkout", 77)
    stub.reply("/api/v2/alerts", Reply(body=b"[]"))
    got = _run(stack, stub, [("all", {})])
    assert got["all"][1:] == [True, False]
