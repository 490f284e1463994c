"""A big Alertmanager answer (parsed off the event loop) comes back whole and right."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks.bench_alert_storm import serve_alert_storm, storm_alerts
from warroom.config import ServerConfig
from warroom.domain.alerts import AlertState
from warroom.sources.alert_decoding import parse_time
from warroom.sources.alertmanager import AlertmanagerSource


@pytest.fixture
def storm_url() -> Iterator[str]:
    url, stop = serve_alert_storm(3000)  # ~2 MB: over the threshold for parsing in a thread
    try:
        yield url
    finally:
        stop()


async def test_storm_fetch_is_complete_and_faithful(storm_url: str) -> None:
    source = AlertmanagerSource(ServerConfig(url=storm_url, name="storm", timeout_s=30))
    try:
        alerts = await source.fetch_alerts()
    finally:
        await source.aclose()
    expected = storm_alerts(3000)
    assert len(alerts) == 3000
    for alert, raw in zip(alerts, expected, strict=True):
        assert alert.fingerprint == raw["fingerprint"]
        assert alert.name == raw["labels"]["alertname"]
        assert {"alertname": alert.name, **alert.labels} == raw["labels"]
        assert alert.starts_at == parse_time(raw["startsAt"])
        assert alert.state is AlertState(raw["status"]["state"])
        assert alert.silenced_by == tuple(raw["status"]["silencedBy"])
    assert sum(a.is_silenced for a in alerts) == 60


async def test_a_changing_storm_is_parsed_each_time_and_an_unchanged_one_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Answers as a real Alertmanager's (re-sent alerts, a few replaced; see storm_answers),
    then the same answer twice: the repeat is not decoded again, and nothing is lost."""
    import warroom.sources.alertmanager as am

    decoded: list[int] = []
    decode_items = am.decode_items

    def counting(body: bytes, *args: object, **kwargs: object) -> object:
        decoded.append(len(body))
        return decode_items(body, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(am, "decode_items", counting)
    url, stop = serve_alert_storm(3000, changing=True)
    source = AlertmanagerSource(ServerConfig(url=url, name="storm", timeout_s=30))
    try:
        base, resent, churned = [await source.fetch_alerts() for _ in range(3)]
    finally:
        await source.aclose()
        stop()
    assert len(decoded) == 3
    assert base == resent  # only updatedAt/endsAt moved, which an Alert does not keep
    new = {a.fingerprint for a in churned} - {a.fingerprint for a in base}
    assert len(new) == 3 and len(churned) == 3000 and all(fp.endswith("n") for fp in new)

    url, stop = serve_alert_storm(3000)
    source = AlertmanagerSource(ServerConfig(url=url, name="storm", timeout_s=30))
    decoded.clear()
    try:
        first, again = await source.fetch_alerts(), await source.fetch_alerts()
    finally:
        await source.aclose()
        stop()
    assert len(decoded) == 1 and first == again and first is not again
