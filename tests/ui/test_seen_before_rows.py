""" "Seen before" on an alert line (pure: the row text the list draws): a column when the list
is wide and there is any history, before the summary when narrow, nothing for a first fire,
siblings' fires marked "≈", and the line unchanged while there is no history at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from warroom.domain.alert_history import AlertEvent, EventKind, HistoryIndex
from warroom.domain.alert_view import AlertRow
from warroom.domain.alerts import Alert
from warroom.ui.regions.alerts.row_text import row_text, seen_text

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _alert(fp: str, instance: str) -> Alert:
    labels = {"alertname": "DiskFull", "service": "db", "instance": instance, "severity": "warning"}
    return Alert(fp, "DiskFull", labels, {"summary": "disk 95%"}, NOW - timedelta(minutes=3))


def _fires(fp: str, times: int) -> list[AlertEvent]:
    events = []
    for k in range(times):
        start = NOW - timedelta(hours=20 * k + 1)
        events.append(AlertEvent(fp, "DiskFull", "db", EventKind.FIRED, start, start))
        end = start + timedelta(minutes=10)
        events.append(AlertEvent(fp, "DiskFull", "db", EventKind.RESOLVED, start, end))
    return events


def test_own_fires_siblings_fires_and_a_first_fire() -> None:
    index = HistoryIndex.build([*_fires("a", 5), *_fires("b", 1), *_fires("c", 1)], NOW)
    assert seen_text(index, _alert("a", "db1")) == "5× / 7d · flapping"
    assert seen_text(index, _alert("b", "db2")) == "≈7× / 7d · flapping"  # its siblings'
    lone = HistoryIndex.build(_fires("d", 1), NOW)
    assert seen_text(lone, _alert("d", "db4")) == ""  # this firing only: nothing to say
    assert seen_text(HistoryIndex.build([], NOW), _alert("a", "db1")) is None
    assert seen_text(None, _alert("a", "db1")) is None


def test_wide_lines_get_a_column_narrow_ones_a_prefix_and_no_history_no_change() -> None:
    row = AlertRow(_alert("a", "db1"))
    wide = row_text(row, "3m", 140, NOW, False, "5× / 7d · flapping").plain
    assert "5× / 7d · flapping  disk 95%" in wide and len(wide) == 140
    narrow = row_text(row, "3m", 100, NOW, False, "5× / 7d · flapping").plain
    assert "(5× / 7d · flapping) disk 95%" in narrow and len(narrow) == 100
    blank = row_text(row, "3m", 140, NOW, False, "").plain
    assert blank.index("disk 95%") == wide.index("disk 95%")  # columns stay aligned
    assert row_text(row, "3m", 140, NOW, False).plain.index("disk 95%") < wide.index("disk")
