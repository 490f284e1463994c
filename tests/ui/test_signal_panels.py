"""The golden-signal panels under a commander's hands: the trend speaks for the last minute
(and says so), the panels take the focus (tab, a click, `2`, then j/k), `p` pins the focused
one, and the sparkline carries its thresholds and its scale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from tests.ui.factory import FIXED_TIME, build_test_app, screen_text
from tests.ui.fakes import FakeAlertSource, make_alert
from tests.ui.pane_helpers import settle, started
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import EntryKind
from warroom.domain.ports import Sources
from warroom.domain.signals import Sample, Series, SignalSpec
from warroom.ui.regions.signals.signal_panel import SignalPanel
from warroom.ui.regions.signals.spark_chart import LINE


class ScriptedSignals:
    """History and samples from a function of the time (injected clock: no wall time)."""

    name = "scripted-prom"

    def __init__(self, shapes: dict[str, Callable[[float], float]], clock: FrozenClock) -> None:
        self.shapes = shapes
        self.clock = clock

    def _value(self, key: str, at: datetime) -> float:
        shape = self.shapes.get(key, lambda _ago: 1.0)
        return shape((FIXED_TIME - at).total_seconds())

    async def sample(self, spec: SignalSpec, service: str | None) -> Sample:
        now = self.clock.now()
        return Sample(now, self._value(spec.key, now))

    async def history(self, spec: SignalSpec, service: str | None, end: datetime) -> list[Sample]:
        times = [end - timedelta(seconds=30 * i) for i in range(60, -1, -1)]
        return [Sample(t, self._value(spec.key, t)) for t in times]

    async def aclose(self) -> None:
        return None


def falling_error_rate(ago: float) -> float:
    """Quiet for 25 minutes, then 11.7 % at five minutes ago, falling to 0.4 % now."""
    if ago > 300:
        return 0.5
    return 0.4 + (11.7 - 0.4) * ago / 300


def _app(tmp_path: Path, shapes: dict[str, Callable[[float], float]]):  # type: ignore[no-untyped-def]
    clock = FrozenClock(FIXED_TIME)
    alert = make_alert(
        "HighErrorRate", "critical", FIXED_TIME - timedelta(minutes=6), service="api"
    )
    sources = Sources(
        environment="test",
        alert_sources=[FakeAlertSource([alert])],
        signal_sources={"prometheus": ScriptedSignals(shapes, clock)},
    )
    return build_test_app(tmp_path, sources, clock, refresh_s=600.0)


def _entries(app):  # type: ignore[no-untyped-def]
    incident = app.screen.incident_log.incident
    return list(incident.entries) if incident else []


def _panel_text(app, key: str) -> str:  # type: ignore[no-untyped-def]
    panel = app.screen.query_one(f"#signal-{key}", SignalPanel)
    return "\n".join(panel.texts)


async def test_the_trend_speaks_for_the_last_minute_and_says_so(tmp_path: Path) -> None:
    app = _app(tmp_path, {"error_rate": falling_error_rate, "latency_p95": lambda ago: 0.4})
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        await pilot.pause(1.1)  # the regions start once the alerts are drawn (or after 1 s)
        await settle(pilot, app)
        # the last ten minutes average far above the ten before: the old arrow said ↑
        error = _panel_text(app, "error_rate")
        assert "0.4 %" in error and "↓ 1m" in error and "↑" not in error.splitlines()[0]
        assert "→ 1m" in _panel_text(app, "latency_p95")
        assert "↓ 1m" in screen_text(app)


def test_the_trend_window_is_the_minute_before_the_latest_sample() -> None:
    spec = SignalSpec("x", "X", "q")
    series = Series(spec)
    for i, value in enumerate([1, 1, 1, 1, 1, 1, 9, 9, 9, 2, 3]):
        series.add(Sample(FIXED_TIME + timedelta(seconds=30 * i), float(value)))
    assert series.trend().label == "↓ 1m"  # 9 a minute ago, 3 now (the 2 between ignored)
    gap = Series(spec)
    gap.add(Sample(FIXED_TIME, 10.0))
    assert gap.trend().label.startswith("·")  # one sample: no arrow, not a guess
    gap.add(Sample(FIXED_TIME + timedelta(seconds=20), 50.0))
    assert gap.trend().arrow == "·"  # twenty seconds of data do not cover a minute
    gap.add(Sample(FIXED_TIME + timedelta(minutes=5), 20.0))
    assert gap.trend().label == "↓ 5m"  # after a gap the span is said as it is (280 s)


async def test_panels_take_the_focus_move_with_j_k_and_p_pins_the_focused(
    tmp_path: Path,
) -> None:
    app = _app(tmp_path, {"error_rate": falling_error_rate})
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        await pilot.press("d")  # pins are entries of an incident
        await pilot.click("#declare-ok")
        await settle(pilot, app)
        await pilot.press("2")  # the signals region, its first panel
        assert isinstance(app.focused, SignalPanel)
        assert app.focused.id == "signal-error_rate"
        await pilot.press("k")  # the first stays first
        assert app.focused.id == "signal-error_rate"
        await pilot.press("j", "j")
        assert app.focused.id == "signal-connections"
        await pilot.press("end", "j")
        assert app.focused.id == "signal-queue_depth"
        await pilot.press("k")
        assert app.focused.id == "signal-connections"
        await pilot.press("p")
        await settle(pilot, app)
        pinned = [e for e in _entries(app) if e.kind is EntryKind.SNAPSHOT]
        assert [e.data["signal"] for e in pinned] == ["Connections"]
        # a click focuses a panel too, and p pins that one
        await pilot.click("#signal-latency_p95")
        assert app.focused.id == "signal-latency_p95"
        await pilot.press("p")
        await settle(pilot, app)
        pinned = [e for e in _entries(app) if e.kind is EntryKind.SNAPSHOT]
        assert [e.data["signal"] for e in pinned] == ["Connections", "p95 latency"]
        assert "pinned" in screen_text(app) and "p95 latency:" in screen_text(app)


async def test_the_sparkline_draws_its_thresholds_and_its_scale(tmp_path: Path) -> None:
    # error rate: warn 5 %, critical 10 %; a signal at 7 % sits between the two lines
    app = _app(tmp_path, {"error_rate": lambda ago: 7.0})
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        lines = _panel_text(app, "error_rate").splitlines()
        chart = lines[1:-1]
        assert chart[0].rstrip().endswith("│10%")  # the top of the scale is critical: 10 %
        assert chart[-1].rstrip().endswith("│0%")  # and the bottom 0
        warn_rows = [row for row in chart if row.rstrip().endswith("│5%")]
        # 7 % fills the warn row (the line shows only where no sample is yet, on the left)
        assert len(warn_rows) == 1 and warn_rows[0].count("█") > 10 * warn_rows[0].count(LINE)
        lines_only = [row for row in chart if set(row.split("│")[0]) == {LINE}]
        assert lines_only == [chart[0]]  # 7 % stays under the critical line
    (tmp_path / "q").mkdir()
    quiet = _app(tmp_path / "q", {"error_rate": lambda ago: 0.5})
    async with quiet.run_test(size=(160, 48)) as pilot:
        await started(pilot, quiet)
        chart = _panel_text(quiet, "error_rate").splitlines()[1:-1]
        lined = [row for row in chart if set(row.split("│")[0]) == {LINE}]
        assert len(lined) == 2  # a quiet signal: both lines drawn whole, above its bars
        assert lined[0].rstrip().endswith("│10%") and lined[1].rstrip().endswith("│5%")


def test_chart_lines_for_a_lower_is_worse_signal_and_a_narrow_panel() -> None:
    from rich.style import Style

    from warroom.ui.regions.signals.spark_chart import AXIS, ChartStyles, chart_lines

    styles = ChartStyles(Style(), Style(color="yellow"), Style(color="red"), Style(dim=True))
    spec = SignalSpec("rps", "Requests/s", "q", warn=50.0, critical=20.0, higher_is_worse=False)
    rows = chart_lines([100.0] * 20, 20 + AXIS, 10, spec, styles)
    plain = [line.plain for line in rows]
    assert all(len(line) == 20 + AXIS for line in plain)
    assert plain[0].endswith("│100  ")  # the scale's top: the peak, rounded
    assert plain[-1].endswith("│0    ")
    assert [line.rstrip()[-3:] for line in plain if line.rstrip().endswith(("│50", "│20"))] == [
        "│50",
        "│20",
    ]  # warn above critical: lower is worse
    assert all(LINE not in line for line in plain)  # the bars fill both rows: above them
    narrow = chart_lines([1.0, 2.0, 3.0], 8, 3, spec, styles)
    assert all(len(line.plain) == 8 and "│" not in line.plain for line in narrow)  # bars only
