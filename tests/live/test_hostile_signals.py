"""Golden signals cannot be spoofed by label values, against a real Prometheus.

A Prometheus of this test's own scrapes three exporters of `tests/servers/exporter.py`:
`checkout` (14 % errors), a `hostile` job scraped once per hostile value with that value as its
`service` and `job` labels (50 % errors, 3 s latency) and a unique plain `case` label, and `payments`
(30 % errors, no `service` label, `app=pay-app`). The honest query for a hostile literal selects
the same series through the plain `case` label, so the oracle never depends on our escaping:
each panel must read what the honest query reads at the same instant; a literal no series
carries must read "no data" (never another service's value, never the payload's 0.01).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.servers.exporter import Exporter
from tests.servers.prometheus import Prometheus, http_json
from warroom.config import ServerConfig
from warroom.domain.errors import SourceBadResponse
from warroom.domain.scope import ServiceScope, service_scope
from warroom.domain.signals import DEFAULT_SIGNALS, SignalSpec
from warroom.sources.prometheus import PrometheusSignals

pytestmark = pytest.mark.integration

SPOOF = 'demo"}[5m])) * 0 or vector(0.01) #'
# Values a scrape target (or whoever writes alert labels) may carry. Each is a real `service`
# label value of one `hostile` target group.
CARRIED = (
    SPOOF,
    ".*",
    ".+",
    "a|b",
    "checkout|payments",
    "checkout.*",
    '"',
    '\\"',
    "\\",
    "back\\slash\\d+",
    "new\nline",
    "tab\there",
    "x'y`z",
    "${service}",
    '{job="checkout"}',
    "}) or vector(1) or up{",
    "ünï ☃ 🔥",
)
# Values no series carries: the honest answer is no data.
ABSENT = (
    'demo"}[5m])) * 0 or vector(0.01) # ',
    ".*.*",
    "checkout|hostile|payments",
    "(?s).*",
    "nope\\",
    'absent"} or vector(1) #',
)
BY_KEY = {spec.key: spec for spec in DEFAULT_SIGNALS}
SCOPED = '$service_label="$service"'


class _Prometheus(Prometheus):
    """The suite's Prometheus with this test's scrape jobs."""

    def __init__(self, workdir: Path, checkout: Exporter, hostile: Exporter, payments: Exporter):
        super().__init__(workdir, targets=[checkout.target], alertmanagers=[], name="hostile")
        self.hostile_target = hostile.target
        self.payments_target = payments.target
        self.query_log = workdir / "queries.log"  # every API query Prometheus ran

    def queries_logged(self) -> list[str]:
        lines = self.query_log.read_text().splitlines() if self.query_log.exists() else []
        return [json.loads(line)["params"]["query"] for line in lines]

    def write_config(self) -> Path:
        cfg = super().write_config()
        groups = [
            {
                "targets": [self.hostile_target],
                "labels": {"service": value, "job": value, "case": f"h{i}"},
            }
            for i, value in enumerate(CARRIED)
        ]
        jobs = [
            {"job_name": "hostile", "static_configs": groups},
            {
                "job_name": "payments",
                "static_configs": [
                    {"targets": [self.payments_target], "labels": {"app": "pay-app"}}
                ],
            },
        ]
        text = cfg.read_text().replace(
            "global:\n", f"global:\n  query_log_file: {json.dumps(str(self.query_log))}\n", 1
        )
        cfg.write_text(text + "".join(f"- {json.dumps(job, ensure_ascii=False)}\n" for job in jobs))
        return cfg


@dataclass
class Stack:
    prom: _Prometheus
    checkout: Exporter


@pytest.fixture(scope="module")
def hostile_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    checkout = Exporter(requests_per_tick=50)
    hostile = Exporter(requests_per_tick=50)
    payments = Exporter(requests_per_tick=50)
    checkout.set(error_rate=0.14)
    hostile.set(error_rate=0.5, latency=3.0, connections=77, queue_depth=4242)
    payments.set(error_rate=0.3, latency=0.4, connections=33, queue_depth=12)
    exporters = (checkout, hostile, payments)
    prom = _Prometheus(tmp_path_factory.mktemp("hostile-prom"), checkout, hostile, payments)
    try:
        for exporter in exporters:
            exporter.start()
        prom.start()
        prom.wait_until_scraping()
        _wait_for_every_group(prom)
        yield Stack(prom, checkout)
    finally:
        prom.stop()
        for exporter in exporters:
            exporter.stop()


def _wait_for_every_group(prom: Prometheus, timeout_s: float = 60.0) -> None:
    """Until every target group has been scraped often enough for rate() over its samples."""
    query = "count(count_over_time(up[1m]) >= 6)"
    want = len(CARRIED) + 2
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = prom.query(query)["data"]["result"]
        if result and int(float(result[0]["value"][1])) >= want:
            return
        time.sleep(0.25)
    raise RuntimeError(f"not every target group was scraped within {timeout_s} s")


def oracle(url: str, query: str, at: float) -> list[float]:
    """What Prometheus itself answers (urllib, not our code)."""
    data = http_json(f"{url}/api/v1/query?{urlencode({'query': query, 'time': str(at)})}")
    return [float(r["value"][1]) for r in data["data"]["result"]]


def honest(spec: SignalSpec, matcher: str) -> str:
    assert SCOPED in spec.query, "the default signals are templated on the scope label"
    return spec.query.replace(SCOPED, matcher)


def same(value: float, expected: list[float]) -> bool:
    assert len(expected) == 1, expected
    if math.isnan(expected[0]):
        return math.isnan(value)
    return value == pytest.approx(expected[0], rel=1e-9)


@pytest.fixture
async def signals(hostile_stack: Stack) -> AsyncIterator[PrometheusSignals]:
    source = PrometheusSignals(ServerConfig(url=hostile_stack.prom.url, name="prom"))
    yield source
    await source.aclose()


@pytest.mark.parametrize("case", range(len(CARRIED)), ids=[repr(v) for v in CARRIED])
async def test_a_carried_hostile_value_reads_its_own_series(
    hostile_stack: Stack, signals: PrometheusSignals, case: int
) -> None:
    value = CARRIED[case]
    for spec in DEFAULT_SIGNALS:
        for scope in (value, ServiceScope([("service", value)]), ServiceScope([("job", value)])):
            sample = await signals.sample(spec, scope)
            expected = oracle(
                hostile_stack.prom.url, honest(spec, f'case="h{case}"'), sample.at.timestamp()
            )
            assert same(sample.value, expected), (spec.key, value, sample.value, expected)
    error_rate = await signals.sample(BY_KEY["error_rate"], value)
    assert error_rate.value == pytest.approx(50.0, abs=1.0)  # the hostile group's own 50 %


@pytest.mark.parametrize("value", ABSENT, ids=repr)
async def test_a_value_no_series_carries_reads_no_data(
    hostile_stack: Stack, signals: PrometheusSignals, value: str
) -> None:
    for spec in DEFAULT_SIGNALS:
        with pytest.raises(SourceBadResponse, match="no data"):
            await signals.sample(spec, value)
        end = datetime.now(UTC) - timedelta(seconds=1)
        assert await signals.history(spec, value, end) == []


async def test_the_spoof_is_real_when_pasted_and_harmless_when_built(
    hostile_stack: Stack, signals: PrometheusSignals
) -> None:
    """The attack from the issue: pasted into the old template it makes the panel 0.0 %."""
    pasted_template = BY_KEY["error_rate"].query.replace("$service_label", "job")
    pasted = pasted_template.replace('"$service"', '"' + ABSENT[0] + '"')
    at = time.time()
    assert oracle(hostile_stack.prom.url, pasted, at) == [pytest.approx(0.01)]
    with pytest.raises(SourceBadResponse, match="no data"):
        await signals.sample(BY_KEY["error_rate"], ABSENT[0])
    checkout = await signals.sample(BY_KEY["error_rate"], "checkout")
    assert checkout.value == pytest.approx(14.0, abs=0.5)
    expected = oracle(
        hostile_stack.prom.url,
        honest(BY_KEY["error_rate"], 'job="checkout"'),
        checkout.at.timestamp(),
    )
    assert same(checkout.value, expected)


async def test_history_of_a_hostile_value_equals_the_honest_range(
    hostile_stack: Stack, signals: PrometheusSignals
) -> None:
    spec = SignalSpec(
        key="conns", name="Connections", query=BY_KEY["connections"].query, range_s=4, step_s=1
    )
    case = CARRIED.index(SPOOF)
    end = datetime.fromtimestamp(int(time.time()) - 1, UTC)
    history = await signals.history(spec, SPOOF, end)
    params = {
        "query": honest(spec, f'case="h{case}"'),
        "start": str(end.timestamp() - 4),
        "end": str(end.timestamp()),
        "step": "1s",
    }
    url = f"{hostile_stack.prom.url}/api/v1/query_range?{urlencode(params)}"
    raw = http_json(url)["data"]["result"]
    assert [(s.at.timestamp(), s.value) for s in history] == [
        (float(t), float(v)) for t, v in raw[0]["values"]
    ]
    assert {s.value for s in history} == {77.0}


async def test_the_alert_label_that_names_the_service_is_used(
    hostile_stack: Stack, signals: PrometheusSignals
) -> None:
    """`service=payments-api, job=payments` where the metrics carry only `job`: the panels
    fall through to `job` and show payments' 30 %, not empty panels."""
    url = hostile_stack.prom.url
    scope = service_scope({"service": "payments-api", "job": "payments", "severity": "page"})
    assert scope == "payments-api"  # shown as the service, queried by both labels
    sample = await signals.sample(BY_KEY["error_rate"], scope)
    assert sample.value == pytest.approx(30.0, abs=1.0)
    assert same(
        sample.value,
        oracle(url, honest(BY_KEY["error_rate"], 'job="payments"'), sample.at.timestamp()),
    )
    # the old behaviour, job=~"<service label>", had nothing to show
    assert oracle(url, honest(BY_KEY["error_rate"], 'job="payments-api"'), time.time()) == []
    # the label that had data is asked first from then on: one query per refresh, not two
    before = len(hostile_stack.prom.queries_logged())
    again = await signals.sample(BY_KEY["error_rate"], scope)
    assert again.value == pytest.approx(30.0, abs=1.0)
    asked = hostile_stack.prom.queries_logged()[before:]
    assert asked == [honest(BY_KEY["error_rate"], 'job="payments"')]


async def test_scope_labels_configured_per_environment(hostile_stack: Stack) -> None:
    """`scope_labels = ["app"]`: an alert's `app` label scopes the panels; a picked name is
    looked up under that label only."""
    source = PrometheusSignals(ServerConfig(url=hostile_stack.prom.url, name="prom"), ["app"])
    try:
        scope = service_scope({"app": "pay-app", "service": "checkout"}, ["app"])
        assert scope is not None and scope.matchers == (("app", "pay-app"),)
        for spec in DEFAULT_SIGNALS:
            sample = await source.sample(spec, scope)
            expected = oracle(
                hostile_stack.prom.url, honest(spec, 'job="payments"'), sample.at.timestamp()
            )
            assert same(sample.value, expected), spec.key
        picked = await source.sample(BY_KEY["queue_depth"], "pay-app")
        assert picked.value == 12
        with pytest.raises(SourceBadResponse, match="no data"):
            await source.sample(BY_KEY["queue_depth"], "checkout")  # not an `app` here
        assert "pay-app" in await source.services()
    finally:
        await source.aclose()


async def test_no_service_in_scope_reads_every_service(
    hostile_stack: Stack, signals: PrometheusSignals
) -> None:
    """The deliberate match-all: the panel shows the worst of every service, as the
    unscoped query written by hand does."""
    spec = BY_KEY["queue_depth"]
    sample = await signals.sample(spec, None)
    everything = oracle(hostile_stack.prom.url, "sum(queue_depth)", sample.at.timestamp())
    assert same(sample.value, everything)
    assert sample.value == 3 + 4242 * len(CARRIED) + 12
