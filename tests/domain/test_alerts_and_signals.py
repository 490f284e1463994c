"""Pure tests of the alert and signal model: ordering, grouping, filtering, thresholds."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from warroom.domain.alerts import (
    Alert,
    AlertFilter,
    AlertState,
    Matcher,
    Severity,
    group_by_name,
    matching_alerts,
    merge_alerts,
    sort_alerts,
)
from warroom.domain.signals import (
    DEFAULT_SIGNALS,
    Level,
    Sample,
    Series,
    SignalSpec,
    downsample,
    format_value,
    sparkline_rows,
    sparkline_text,
    trend_arrow,
)

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def alert(name: str, sev: str, minutes_ago: int, fp: str | None = None, **labels: str) -> Alert:
    return Alert(
        fp or f"{name}-{minutes_ago}",
        name,
        {"severity": sev, **labels},
        {"summary": f"{name} summary"},
        T0 - timedelta(minutes=minutes_ago),
    )


def test_sort_critical_first_then_oldest() -> None:
    alerts = [
        alert("A", "warning", 50),
        alert("B", "critical", 5),
        alert("C", "critical", 30),
        alert("D", "info", 99),
    ]
    assert [a.name for a in sort_alerts(alerts)] == ["C", "B", "A", "D"]


@pytest.mark.parametrize(
    ("word", "sev"),
    [
        ("critical", Severity.CRITICAL),
        ("WARNING", Severity.WARNING),
        ("page", Severity.CRITICAL),
        ("", Severity.NONE),
        ("weird", Severity.NONE),
    ],
)
def test_severity_words_and_symbols(word: str, sev: Severity) -> None:
    assert Severity.parse(word) is sev
    assert sev.word and sev.symbol  # never colour alone


def test_group_by_name_counts_and_orders_by_worst() -> None:
    groups = group_by_name(
        [alert("X", "warning", 1), alert("Y", "critical", 2), alert("X", "critical", 3)]
    )
    assert [(g.name, g.count, g.severity) for g in groups] == [
        ("X", 2, Severity.CRITICAL),
        ("Y", 1, Severity.CRITICAL),
    ]


def test_filter_words_and_matchers() -> None:
    alerts = [
        alert("HighErrorRate", "critical", 1, service="api"),
        alert("QueueBacklog", "warning", 2, service="worker"),
    ]
    assert [a.name for a in AlertFilter.parse("error").apply(alerts)] == ["HighErrorRate"]
    assert [a.name for a in AlertFilter.parse("service=worker").apply(alerts)] == ["QueueBacklog"]
    assert [a.name for a in AlertFilter.parse("service!=worker crit").apply(alerts)] == [
        "HighErrorRate"
    ]
    assert [a.name for a in AlertFilter.parse('alertname=~"High.*"').apply(alerts)] == [
        "HighErrorRate"
    ]
    assert AlertFilter.parse("").apply(alerts) == alerts


def test_matcher_parse_errors_are_one_line() -> None:
    with pytest.raises(ValueError, match="bad regex"):
        Matcher.parse("a=~(")
    with pytest.raises(ValueError, match="not a matcher"):
        Matcher.parse("=x")


def test_silence_preview_counts_matching_alerts() -> None:
    alerts = [
        alert("Down", "critical", 1, service="api"),
        alert("Down", "critical", 2, service="db"),
    ]
    assert len(matching_alerts([Matcher("alertname", "Down")], alerts)) == 2
    assert (
        len(matching_alerts([Matcher("alertname", "Down"), Matcher("service", "db")], alerts)) == 1
    )
    assert matching_alerts([], alerts) == []


def test_merge_deduplicates_by_fingerprint_and_keeps_active() -> None:
    a = alert("Down", "critical", 1, fp="f1")
    silenced = Alert(
        "f1", "Down", a.labels, a.annotations, a.starts_at, AlertState.SUPPRESSED, ("s1",)
    )
    merged = merge_alerts({"am-a": [a], "am-b": [silenced, alert("Other", "warning", 3, fp="f2")]})
    by_fp = {m.fingerprint: m for m in merged}
    assert set(by_fp) == {"f1", "f2"}
    assert by_fp["f1"].origins == ("am-a", "am-b") and by_fp["f1"].state is AlertState.ACTIVE


def test_levels_follow_reference_thresholds() -> None:
    error_rate, p95 = DEFAULT_SIGNALS[0], DEFAULT_SIGNALS[1]
    assert (error_rate.warn, error_rate.critical, p95.warn, p95.critical) == (5.0, 10.0, 2.0, 5.0)
    assert [error_rate.level(v) for v in (1, 5, 9.9, 10, math.nan)] == [
        Level.OK,
        Level.WARN,
        Level.WARN,
        Level.CRIT,
        Level.UNKNOWN,
    ]
    lower = SignalSpec("workers", "Workers", "q", warn=2, critical=0, higher_is_worse=False)
    assert [lower.level(v) for v in (5, 2, 0)] == [Level.OK, Level.WARN, Level.CRIT]


def test_series_keeps_last_range_and_reports_failure() -> None:
    spec = SignalSpec("x", "X", "q", range_s=60)
    series = Series(spec)
    for i in range(10):
        series.add(Sample(T0 + timedelta(seconds=15 * i), float(i)))
    assert series.values()[0] == 5.0 and series.latest.value == 9.0
    series.add(Sample(T0, 100.0))  # out of order: ignored
    assert series.latest.value == 9.0
    series.fail("timeout")
    assert series.is_stale and series.latest.value == 9.0  # the last good value stays


def test_trend_sparkline_and_formatting() -> None:
    assert trend_arrow([1, 1, 1, 1, 5, 5]) == "↑"
    assert trend_arrow([5, 5, 5, 1, 1, 1]) == "↓"
    assert trend_arrow([3, 3, 3, 3]) == "→"
    assert downsample([1, 9, 1, 1], 2) == [9, 1]  # a spike never vanishes
    assert sparkline_text([0, 1, 2, 3], 4) == "▁▃▆█"
    rows = sparkline_rows([0, 4, 8], 3, rows=2)
    assert len(rows) == 2 and rows[0][0] == " " and rows[1][2] == "█"
    assert format_value(0.25, "s") == "250 ms" and format_value(2.5, "s") == "2.50 s"
    assert format_value(7.25, "%") == "7.2 %" and format_value(None, "%") == "—"


def test_time_buckets_are_clock_aligned_and_stable() -> None:
    from warroom.domain.signals import nice_ceiling, time_buckets

    samples = [Sample(T0 + timedelta(seconds=10 * i), float(i)) for i in range(60)]  # 10 min
    end = T0 + timedelta(minutes=10)
    cols = time_buckets(samples, 10, 600, end)
    assert len(cols) == 10 and cols[-1] == 59.0
    # five seconds later (same slot): nothing moves
    assert time_buckets(samples, 10, 600, end + timedelta(seconds=5)) == cols
    # slots before the first sample are empty, empty slots after data repeat the last value
    sparse = [Sample(end - timedelta(seconds=200), 3.0)]
    out = time_buckets(sparse, 10, 600, end)
    assert math.isnan(out[0]) and out[-1] == 3.0
    assert [nice_ceiling(v) for v in (0.3, 1.01, 7.6, 95, 2001)] == [0.5, 2.0, 10.0, 100.0, 2500.0]


def test_a_trend_label_stays_put_while_samples_shift_within_the_minute() -> None:
    """65 s and 105 s both speak for "the last minute": one label, so the panel is not
    repainted on every refresh just because the samples' alignment moved."""
    from warroom.domain.signals import Trend

    assert {Trend("↑", s).label for s in (60, 65, 75, 90, 105, 119)} == {"↑ 1m"}
    assert Trend("↓", 45).label == "↓ 45s" and Trend("↓", 280).label == "↓ 5m"
