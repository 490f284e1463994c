"""Live wiring from config, and the pure parts of the silence/ack services."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime

import msgspec
import pytest

from warroom.config import parse_settings
from warroom.domain.alerts import Alert, AlertFilter, AlertState, Matcher, Silence, ack_comment
from warroom.domain.errors import ConfigError, ReadOnlySource
from warroom.domain.ports import AlertSource, SignalSource
from warroom.services.acks import acks_by_fingerprint, parse_ack_comment
from warroom.services.silences import (
    bulk_request,
    identifying_matchers,
    pick_source,
    validate,
)
from warroom.sources.alertmanager import AlertmanagerSource
from warroom.sources.postgres_signals import PostgresSignals
from warroom.sources.prometheus import PrometheusAlertSource, PrometheusSignals

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_build_live_sources_two_environments() -> None:
    from warroom.cli.live_wiring import build_live_sources

    settings = parse_settings(
        {
            "environment": "prod",
            "environments": {
                "prod": {
                    "prometheus": {"url": "https://prom.example", "token_env": "PROM_TOKEN"},
                    "alertmanagers": [
                        {"url": "https://am-a.example", "name": "am-a"},
                        {"url": "https://am-b.example", "name": "am-b"},
                    ],
                    "postgres": {"dsn_env": "PG_DSN"},
                },
                "staging": {"prometheus": {"url": "http://prom.staging:9090"}},
            },
        }
    )
    sources = build_live_sources(settings)
    assert sources.environment == "prod" and sources.is_production and not sources.is_drill
    assert [type(s) for s in sources.alert_sources] == [AlertmanagerSource, AlertmanagerSource]
    assert [s.name for s in sources.alert_sources] == ["am-a", "am-b"]
    assert isinstance(sources.signal_sources["prometheus"], PrometheusSignals)
    assert isinstance(sources.signal_sources["postgres"], PostgresSignals)
    assert sources.catalog is sources.signal_sources["prometheus"]
    for s in sources.alert_sources:
        assert isinstance(s, AlertSource)
    for sig in sources.signal_sources.values():
        assert isinstance(sig, SignalSource)
    assert callable(sources.catalog.services)

    staging = build_live_sources(replace(settings, environment="staging"))
    assert not staging.is_production
    assert [type(s) for s in staging.alert_sources] == [PrometheusAlertSource]  # fallback
    assert staging.alert_sources[0].can_silence is False


def test_urls_alone_make_an_environment() -> None:
    from warroom.cli.live_wiring import build_live_sources, settings_from_urls
    from warroom.config import Settings

    settings = settings_from_urls(Settings(), "http://127.0.0.1:9090/", ["http://127.0.0.1:9093"])
    sources = build_live_sources(settings)
    assert sources.environment == "default"
    assert sources.alert_sources[0].name == "http://127.0.0.1:9093"
    assert "prometheus" in sources.signal_sources and "postgres" not in sources.signal_sources
    with pytest.raises(ConfigError, match="no environment configured"):
        build_live_sources(Settings())
    with pytest.raises(ConfigError, match="must start with http"):
        settings_from_urls(Settings(), "prom:9090")


def test_importing_live_wiring_loads_no_heavy_library() -> None:
    code = (
        "import sys, warroom.cli.live_wiring, warroom.sources.alertmanager, "
        "warroom.sources.prometheus, warroom.sources.postgres_signals\n"
        "heavy = [m for m in ('httpx', 'asyncpg', 'prometheus_api_client', 'requests') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _alert(name: str, **labels: str) -> Alert:
    return Alert(
        fingerprint=name + str(sorted(labels.items())),
        name=name,
        labels=labels,
        annotations={},
        starts_at=NOW,
    )


def test_identifying_matchers() -> None:
    a = _alert("HighErrorRate", severity="critical", job="api", instance="api-1", team="core")
    assert identifying_matchers(a) == (
        Matcher("alertname", "HighErrorRate"),
        Matcher("job", "api"),
        Matcher("instance", "api-1"),
    )
    b = _alert("Odd", severity="warning", shard="7")
    assert identifying_matchers(b) == (Matcher("alertname", "Odd"), Matcher("shard", "7"))
    # who is at the keyboard: one rule, config.person_at_keyboard (tests/incident/test_service.py)


def test_validate_and_bulk() -> None:
    flt = AlertFilter.parse("service=checkout severity=~crit.* db")
    req = bulk_request(flt, who="me", now=NOW, comment="maintenance")
    assert req.matchers == (
        Matcher("service", "checkout"),
        Matcher("severity", "crit.*", is_regex=True),
    )
    validate(req, NOW)
    with pytest.raises(ValueError, match="comment is required"):
        validate(replace(req, comment=" "), NOW)
    with pytest.raises(ValueError, match="at least one matcher"):
        validate(replace(req, matchers=()), NOW)
    with pytest.raises(ValueError, match="silence everything"):
        validate(replace(req, matchers=(Matcher("alertname", ".*", is_regex=True),)), NOW)
    with pytest.raises(ValueError, match="end in the future"):
        validate(replace(req, ends_at=NOW), NOW)


def test_pick_source_read_only() -> None:
    from warroom.config import ServerConfig

    prom = PrometheusAlertSource(ServerConfig(url="http://p", name="prom"))
    with pytest.raises(ReadOnlySource, match="prom is read-only"):
        pick_source([prom])


def test_acks_by_fingerprint() -> None:
    acked = _alert("A", job="x")
    acked = msgspec.structs.replace(acked, state=AlertState.SUPPRESSED, silenced_by=("s1",))
    unprocessed = _alert("B", job="y")
    other = _alert("C", job="z")
    silences = [
        Silence("s1", (Matcher("alertname", "A"),), NOW, NOW, "kim", ack_comment("kim@h", "INC-1")),
        Silence("s2", (Matcher("alertname", "B"),), NOW, NOW, "lee", ack_comment("lee@h", None)),
        Silence("s3", (Matcher("alertname", "C"),), NOW, NOW, "x", "plain maintenance"),
    ]
    got = acks_by_fingerprint([acked, unprocessed, other], silences)
    assert got == {acked.fingerprint: ("kim@h", NOW), unprocessed.fingerprint: ("lee@h", NOW)}
    assert parse_ack_comment(ack_comment("a b@c", "INC-9")) == ("a b@c", "INC-9")
    assert parse_ack_comment("hello") is None
