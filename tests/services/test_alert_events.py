"""Alert events for the log: one entry each while few, one summary for a storm."""

from __future__ import annotations

from datetime import UTC, datetime

from warroom.domain.alerts import Alert
from warroom.domain.incident import EntryKind
from warroom.services.alert_events import alert_events

T = datetime(2026, 11, 24, tzinfo=UTC)


def _alerts(n: int, name: str = "HighErrorRate") -> list[Alert]:
    return [
        Alert(f"{name}{i}", name, {"severity": "critical", "instance": str(i)}, {"summary": "s"}, T)
        for i in range(n)
    ]


def test_few_alerts_get_an_entry_each() -> None:
    events = alert_events(_alerts(3), _alerts(1, "QueueBacklog"))
    assert [e.kind for e in events] == [EntryKind.ALERT_FIRED] * 3 + [EntryKind.ALERT_RESOLVED]
    assert (
        events[0].text == "CRIT HighErrorRate firing: s"
        and events[0].data["fingerprint"] == "HighErrorRate0"
    )
    assert events[-1].text == "QueueBacklog resolved"


def test_a_storm_is_one_summary_entry() -> None:
    storm = _alerts(10_000) + _alerts(30, "ServiceDown")
    (event,) = alert_events(storm, [])
    assert event.kind is EntryKind.ALERT_FIRED
    assert event.text.startswith("10,030 alerts firing: HighErrorRate ×10000, ServiceDown ×30")
    assert event.data["by_name"] == {"HighErrorRate": 10_000, "ServiceDown": 30}
