"""Alert answers decoded item by item: malformed alerts skipped and counted, never the whole
answer lost; garbage of any shape a one-line SourceBadResponse; a cancelled parse stops and
never runs beside the next one. Served by small real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import warroom.sources.alertmanager as am_module
from benchmarks.bench_alert_storm import storm_alerts
from tests.sources.servers import Answer, Server, wait_until
from warroom.config import ServerConfig
from warroom.domain.alerts import AlertState
from warroom.domain.errors import SourceBadResponse
from warroom.sources import alert_decoding
from warroom.sources.alertmanager import AlertmanagerSource, decode_alerts
from warroom.sources.prometheus import PrometheusAlertSource


def _body(items: list[Any]) -> bytes:
    return json.dumps(items).encode()


def test_malformed_alerts_are_skipped_and_counted(server: Server) -> None:
    good = storm_alerts(10)
    broken: list[Any] = [
        {"labels": {"alertname": "X", "replicas": 3}},  # a label that is not a string
        {"annotations": {}},  # no labels at all
        {"labels": {"alertname": "Y"}, "startsAt": "yesterday"},
        "not an object",
        None,
        {"labels": {"alertname": "Z"}, "status": {"silencedBy": "s1"}},
    ]
    server.answers["/api/v2/alerts"] = Answer(_body(good[:5] + broken + good[5:]))
    source = AlertmanagerSource(ServerConfig(url=server.url, name="am"))
    alerts = source.fetch_alerts_blocking()
    assert [a.fingerprint for a in alerts] == [a["fingerprint"] for a in good]
    assert source.warning == "6 malformed alerts skipped"
    server.answers["/api/v2/alerts"] = Answer(_body(good))
    source.fetch_alerts_blocking()
    assert source.warning == ""


def test_an_alert_keeps_what_alertmanager_said(server: Server) -> None:
    item = {
        "labels": {"alertname": "Disk", "severity": "critical", "service": "db"},
        "annotations": {"summary": "full"},
        "startsAt": "2025-03-01T12:00:00.123456789+02:00",
        "fingerprint": "abc",
        "status": {"state": "suppressed", "silencedBy": ["s1"], "inhibitedBy": None},
        "generatorURL": None,
        "receivers": [{"name": "x"}],
    }
    server.answers["/api/v2/alerts"] = Answer(_body([item]))
    (alert,) = AlertmanagerSource(ServerConfig(url=server.url, name="am")).fetch_alerts_blocking()
    assert (alert.name, dict(alert.labels), dict(alert.annotations)) == (
        "Disk",
        {"severity": "critical", "service": "db"},
        {"summary": "full"},
    )
    assert alert.starts_at.isoformat() == "2025-03-01T10:00:00.123457+00:00"
    assert (alert.state, alert.silenced_by, alert.inhibited_by) == (
        AlertState.SUPPRESSED,
        ("s1",),
        (),
    )
    assert alert.is_silenced and alert.origins == ("am",) and alert.generator_url == ""


def test_prometheus_alerts_skip_malformed_and_pending(server: Server) -> None:
    alerts = [
        {"labels": {"alertname": "A", "job": "x"}, "state": "firing", "activeAt": None},
        {"labels": {"alertname": "B"}, "state": "pending"},
        {"labels": {"alertname": "C", "n": 1}, "state": "firing"},
    ]
    answer = {"status": "success", "data": {"alerts": alerts}}
    server.answers["/api/v1/alerts"] = Answer(json.dumps(answer).encode())
    source = PrometheusAlertSource(ServerConfig(url=server.url, name="prom"))
    got = source.fetch_alerts_blocking()
    assert [(a.name, dict(a.labels)) for a in got] == [("A", {"job": "x"})]
    assert source.warning == "1 malformed alerts skipped"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
ALERTISH = st.fixed_dictionaries(
    {"labels": st.dictionaries(st.text(max_size=6), st.text(max_size=6) | JSON, max_size=3)},
    optional={
        "annotations": JSON,
        "startsAt": st.text(max_size=30) | JSON,
        "status": st.fixed_dictionaries({}, optional={"state": JSON, "silencedBy": JSON}),
        "fingerprint": JSON,
    },
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALERTISH | JSON, max_size=6) | JSON, st.binary(max_size=4))
def test_any_answer_decodes_or_fails_in_one_line(answer: Any, tail: bytes) -> None:
    """Whatever the server sends: alerts plus a count of the skipped, or one line."""
    for body in (json.dumps(answer).encode(), json.dumps(answer).encode()[:-1] + tail):
        try:
            decoded = decode_alerts(body, "am")
        except SourceBadResponse as exc:
            assert "\n" not in str(exc) and str(exc).startswith("am: ")
            continue
        assert isinstance(answer, list) or body != json.dumps(answer).encode()
        assert len(decoded.items) + decoded.skipped == len(msgspec.json.decode(body))


async def test_a_cancelled_parse_stops_and_never_overlaps_the_next(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first poll is cancelled mid-parse (as `r`, a silence or an ack cancel it); the
    next one starts at once. The first stops at its next slice, and the two parses never
    run at the same time."""
    n = 2_000
    server.answers["/api/v2/alerts"] = Answer(_body(storm_alerts(n)))
    monkeypatch.setattr(alert_decoding, "SLICE", 50)
    lock = threading.Lock()
    running, overlaps, built = [0], [0], [0]
    started = threading.Event()
    convert = am_module._alert

    def slow_alert(wire: Any, origins: tuple[str, ...]) -> Any:
        started.set()
        threading.Event().wait(0.0005)  # a slow machine: the cancel lands mid-parse
        built[0] += 1
        return convert(wire, origins)

    decode = am_module.decode_items

    def watched(*args: Any, **kwargs: Any) -> Any:
        with lock:
            running[0] += 1
            overlaps[0] = max(overlaps[0], running[0])
        try:
            return decode(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(am_module, "_alert", slow_alert)
    monkeypatch.setattr(am_module, "decode_items", watched)
    source = AlertmanagerSource(ServerConfig(url=server.url, name="am", timeout_s=30))
    first = asyncio.create_task(source.fetch_alerts())
    assert await asyncio.to_thread(started.wait, 30)
    first.cancel()
    second = await source.fetch_alerts()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert len(second) == n
    assert overlaps[0] == 1
    assert built[0] < 2 * n  # the first parse stopped early
    assert wait_until(lambda: running[0] == 0)


def test_a_big_answer_is_split_in_chunks_to_the_same_alerts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Split a few KB at a time (msgspec holds the GIL while it splits), even where `},{"`
    occurs inside an item (a nested array, a string): the alerts are those of one decode."""
    items = storm_alerts(400)
    for i, item in enumerate(items):
        item["receivers"] = [{"name": "a"}, {"name": "b"}, {"name": f"c{i}"}]
        item["annotations"]["description"] = 'odd "},{" text'
        item["annotations"]["summary"] = "ends like a break },{"
    body = json.dumps(items, separators=(",", ":")).encode()
    whole = decode_alerts(body, "am")
    monkeypatch.setattr(alert_decoding, "CHUNK_BYTES", 2048)
    chunks = list(alert_decoding.raw_chunks(body, "am", "/api/v2/alerts"))
    assert len(chunks) > 20 and sum(len(c) for c in chunks) == 400
    assert decode_alerts(body, "am") == whole and len(whole.items) == 400
    with pytest.raises(SourceBadResponse, match="am: malformed JSON"):
        decode_alerts(body[: len(body) // 2] + b"]", "am")
