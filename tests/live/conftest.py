"""Fixtures for the live-source tests: the real monitoring stack (once per session) and stubs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.live.stub import StubServer
from tests.servers.alertmanager_cluster import AlertmanagerClusters
from tests.servers.prometheus import MonitoringStack
from warroom.config import ServerConfig


@pytest.fixture(scope="session")
def stack() -> Iterator[MonitoringStack]:
    """Exporter + real Prometheus + two real Alertmanagers. Fails, never skips, if any cannot start."""
    monitoring = MonitoringStack()
    monitoring.start()
    try:
        yield monitoring
    finally:
        monitoring.stop()


@pytest.fixture(scope="session")
def clusters() -> Iterator[AlertmanagerClusters]:
    """An HA pair of Alertmanagers gossiping over loopback and one separate Alertmanager.
    Fails, never skips, if any cannot start."""
    servers = AlertmanagerClusters()
    servers.start()
    try:
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def exporter(stack: MonitoringStack) -> Iterator[Any]:
    """The exporter, put back to healthy after the test."""
    yield stack.exporter
    stack.exporter.reset()


@pytest.fixture
def am_config(stack: MonitoringStack) -> ServerConfig:
    return ServerConfig(url=stack.am.url, name="am1", timeout_s=5.0)


@pytest.fixture
def am2_config(stack: MonitoringStack) -> ServerConfig:
    return ServerConfig(url=stack.am2.url, name="am2", timeout_s=5.0)


@pytest.fixture
def prom_config(stack: MonitoringStack) -> ServerConfig:
    return ServerConfig(url=stack.prom.url, name="prom", timeout_s=5.0)


@pytest.fixture
def stub() -> Iterator[StubServer]:
    server = StubServer().start()
    try:
        yield server
    finally:
        server.stop()


def unique_name(prefix: str = "TestAlert") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def am_alert(name: str, **labels: str) -> dict[str, Any]:
    """An alert in the shape Alertmanager's POST /api/v2/alerts takes."""
    return {
        "labels": {"alertname": name, "severity": "critical", "service": "checkout", **labels},
        "annotations": {
            "summary": f"{name} summary",
            "description": "posted by the test",
            "runbook_url": "https://runbooks.example/" + name,
        },
        "startsAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "generatorURL": "http://prometheus.example/graph",
    }


async def am_fetch(cfg: ServerConfig) -> Any:
    """One fetch of the alerts from an Alertmanager-shaped server, its client closed after."""
    from warroom.sources.alertmanager import AlertmanagerSource

    source = AlertmanagerSource(cfg)
    try:
        return await source.fetch_alerts()
    finally:
        await source.aclose()
