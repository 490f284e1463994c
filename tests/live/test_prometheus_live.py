"""PrometheusSignals against a real Prometheus: values equal its HTTP API's for the same query."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.servers.exporter import Exporter
from tests.servers.prometheus import MonitoringStack, Prometheus, http_json
from warroom.config import ServerConfig
from warroom.domain.errors import SourceBadResponse, SourceUnavailable
from warroom.domain.signals import DEFAULT_SIGNALS, SignalSpec
from warroom.sources.prometheus import PrometheusSignals

pytestmark = pytest.mark.integration


def oracle(prom_url: str, query: str, at: float) -> list[float]:
    """What Prometheus itself answers for this query at this instant (urllib, not our code)."""
    data = http_json(f"{prom_url}/api/v1/query?{urlencode({'query': query, 'time': str(at)})}")
    return [float(r["value"][1]) for r in data["data"]["result"]]


@pytest.mark.parametrize("spec", DEFAULT_SIGNALS, ids=[s.key for s in DEFAULT_SIGNALS])
async def test_sample_equals_prometheus_http_api(
    stack: MonitoringStack, prom_config: ServerConfig, spec: SignalSpec
) -> None:
    source = PrometheusSignals(prom_config)
    try:
        sample = await source.sample(spec, "checkout")
    finally:
        await source.aclose()
    expected = oracle(stack.prom.url, spec.query_for("checkout"), sample.at.timestamp())
    assert len(expected) == 1
    if math.isnan(expected[0]):
        assert math.isnan(sample.value)
    else:
        assert sample.value == pytest.approx(expected[0], rel=1e-12)


async def test_exporter_values_flow_through(
    stack: MonitoringStack, exporter: Exporter, prom_config: ServerConfig
) -> None:
    """Connections and queue depth are what the exporter says (gauges: exact), once scraped."""
    by_key = {s.key: s for s in DEFAULT_SIGNALS}
    exporter.set(connections=57, queue_depth=321)
    source = PrometheusSignals(prom_config)
    try:
        for _ in range(150):
            conns = await source.sample(by_key["connections"], "checkout")
            queue = await source.sample(by_key["queue_depth"], "checkout")
            if (conns.value, queue.value) == (57, 321):
                break
            await asyncio.sleep(0.2)
        assert (conns.value, queue.value) == (57, 321)
    finally:
        await source.aclose()


async def test_history_equals_query_range(
    stack: MonitoringStack, prom_config: ServerConfig
) -> None:
    spec = SignalSpec(
        key="req",
        name="Requests",
        query='sum(http_requests_total{job="$service"})',
        range_s=4,
        step_s=1,
    )
    end = datetime.fromtimestamp(int(datetime.now(UTC).timestamp()) - 1, UTC)
    source = PrometheusSignals(prom_config)
    try:
        history = await source.history(spec, "checkout", end)
    finally:
        await source.aclose()
    params = {
        "query": spec.query_for("checkout"),
        "start": str(end.timestamp() - 4),
        "end": str(end.timestamp()),
        "step": "1s",
    }
    raw = http_json(f"{stack.prom.url}/api/v1/query_range?{urlencode(params)}")["data"]["result"]
    expected = [(float(t), float(v)) for t, v in raw[0]["values"]]
    assert [(s.at.timestamp(), s.value) for s in history] == expected
    assert len(history) >= 3


async def test_services_and_query_vector(stack: MonitoringStack, prom_config: ServerConfig) -> None:
    source = PrometheusSignals(prom_config)
    try:
        assert "checkout" in await source.services()
        pairs = await source.query_vector('up{job="checkout"}')
        assert pairs == [
            (
                {
                    "__name__": "up",
                    "instance": stack.exporter.target,
                    "job": "checkout",
                    "service": "checkout",
                },
                1.0,
            )
        ]
        assert await source.query_vector("scalar(vector(7))") == [({}, 7.0)]
    finally:
        await source.aclose()


async def test_no_data_and_bad_query_say_what_is_wrong(prom_config: ServerConfig) -> None:
    source = PrometheusSignals(prom_config)
    try:
        empty = SignalSpec(key="x", name="Ghost", query='sum(nonexistent_metric{job="$service"})')
        with pytest.raises(SourceBadResponse, match="no data for Ghost for checkout"):
            await source.sample(empty, "checkout")
        assert await source.history(empty, "checkout", datetime.now(UTC)) == []
        broken = SignalSpec(key="y", name="Broken", query="sum(rate(")
        with pytest.raises(SourceBadResponse, match=r"HTTP 400: .*parse error"):
            await source.sample(broken, None)
    finally:
        await source.aclose()


@pytest.fixture
def lone_prometheus(stack: MonitoringStack, tmp_path: Path) -> Iterator[Prometheus]:
    """A second Prometheus of our own, to kill and restart without disturbing the others."""
    prom = Prometheus(tmp_path, targets=[stack.exporter.target], alertmanagers=[], name="lone")
    prom.start()
    try:
        yield prom
    finally:
        prom.stop()


async def test_killed_prometheus_raises_unavailable_then_recovers(
    lone_prometheus: Prometheus,
) -> None:
    spec = SignalSpec(key="k", name="Constant", query="vector(42)")
    source = PrometheusSignals(ServerConfig(url=lone_prometheus.url, name="lone", timeout_s=2))
    try:
        assert (await source.sample(spec, None)).value == 42
        lone_prometheus.kill()
        with pytest.raises(SourceUnavailable, match="lone: cannot connect"):
            await source.sample(spec, None)
        lone_prometheus.start()  # same port, same data dir
        assert (await source.sample(spec, None)).value == 42  # same source object recovers
    finally:
        await source.aclose()
