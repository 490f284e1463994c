"""An alert storm through the real console: 10,000 alerts from a local HTTP server shaped like
Alertmanager API v2 (the benchmark's storm server, its own process) reach the alert list through
the live AlertmanagerSource, and filtering, grouping and the suppressed toggle give exactly the
rows the domain functions (sort_alerts, AlertFilter, group_by_name) say they should.

Correctness only: the timings live in benchmarks/bench_alert_storm_ui.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from benchmarks.bench_alert_storm import serve_alert_storm, storm_alerts
from tests.ui.factory import build_test_app
from warroom.cli.live_wiring import build_live_sources
from warroom.config import EnvironmentConfig, ServerConfig, Settings
from warroom.domain.alert_view import AlertIndex, View, build_rows
from warroom.domain.alerts import (
    Alert,
    AlertFilter,
    AlertState,
    group_by_label,
    group_by_name,
    sort_alerts,
)
from warroom.domain.clock import SystemClock
from warroom.sources.alertmanager import decode_alerts
from warroom.ui.app import WarRoomApp
from warroom.ui.regions.alerts.alert_list import AlertList

N = 10_000


@pytest.fixture(scope="module")
def storm_url() -> Iterator[str]:
    url, stop = serve_alert_storm(N)
    try:
        yield url
    finally:
        stop()


@pytest.fixture(scope="module")
def expected() -> list[Alert]:
    """The same storm, parsed here independently of the console."""
    return decode_alerts(json.dumps(storm_alerts(N)).encode(), "storm").items


def _app(tmp_path: Path, url: str) -> WarRoomApp:
    env = EnvironmentConfig(
        name="storm", alertmanagers=(ServerConfig(url=url, name="storm", timeout_s=30),)
    )
    settings = Settings(environments={"storm": env}, environment="storm")
    return build_test_app(
        tmp_path,
        build_live_sources(settings),
        SystemClock(),
        environments=settings.environments,
        environment="storm",
        refresh_s=1.0,
        bell=False,
    )


async def _until(pilot: Pilot[None], predicate: Callable[[], bool], what: str) -> None:
    """A guard against hanging, not a timing assertion."""
    deadline = time.monotonic() + 60
    while not predicate():
        assert time.monotonic() < deadline, f"never happened: {what}"
        await pilot.pause(0.05)


async def _shown_in_thread(
    pilot: Pilot[None], app: App[None], alerts: list[Alert], now: datetime
) -> AlertList:
    """The list with `alerts` shown through the storm path (a thread from 1,000 alerts on)."""
    alert_list = app.query_one(AlertList)
    alert_list.thread_at = 1_000
    alert_list.show(alerts, now)
    await _until(pilot, lambda: alert_list.row_count > 0, "the threaded sort lands")
    return alert_list


def _quiet(a: Alert) -> bool:
    return a.is_silenced or a.is_inhibited


def _alert_fps(alert_list: AlertList) -> list[str]:
    return [r.alert.fingerprint for r in alert_list.rows if r.alert is not None]


def _expected_fps(alerts: list[Alert], show_suppressed: bool = True) -> list[str]:
    active = sort_alerts(a for a in alerts if not _quiet(a))
    quiet = sort_alerts(a for a in alerts if _quiet(a)) if show_suppressed else []
    return [a.fingerprint for a in (*active, *quiet)]


async def test_storm_loads_sorted_and_filters_give_the_right_rows(
    tmp_path: Path, storm_url: str, expected: list[Alert]
) -> None:
    silenced = sum(1 for a in expected if a.is_silenced)
    assert silenced == N // 50
    app = _app(tmp_path, storm_url)
    async with app.run_test(size=(160, 48)) as pilot:
        alert_list = app.screen.query_one(AlertList)
        await _until(pilot, lambda: alert_list.row_count > 0, "the storm reaches the list")
        await pilot.pause()
        # every alert once, the active ones first in severity/age order, then a divider
        assert alert_list.row_count == N + 1
        assert _alert_fps(alert_list) == _expected_fps(expected)
        divider = alert_list.rows[N - silenced]
        assert divider.alert is None and divider.divider == f"silenced / inhibited ({silenced})"
        assert len(alert_list.filtered_alerts) == N
        assert alert_list.highlighted is not None
        assert alert_list.highlighted.fingerprint == _expected_fps(expected)[0]

        for text in (
            "service=payments",
            "payments",
            "service=payments severity=critical",
            "instance=~search-1.* pod",
            "alertname!=ServiceDown cluster=eu-1",
            "alertname=ServiceDown",
            "crit checkout",
            "severity!~warn.*",
            "no-such-thing",
        ):
            flt = AlertFilter.parse(text)
            alert_list.set_filter(flt)
            want = flt.apply(expected)
            assert _alert_fps(alert_list) == _expected_fps(want), text
            assert {a.fingerprint for a in alert_list.filtered_alerts} == {
                a.fingerprint for a in want
            }, text
            if not want:
                assert alert_list.row_count == 0 and alert_list.highlighted is None

        # typing a filter one key at a time (each prefix narrows or replaces the last)
        for typed in ("service=payments pod-1", "paym", "payments crit", "pay"):
            for end in range(1, len(typed) + 1):
                flt = AlertFilter.parse(typed[:end])
                alert_list.set_filter(flt)
                assert _alert_fps(alert_list) == _expected_fps(flt.apply(expected)), typed[:end]

        alert_list.set_filter(AlertFilter())
        assert alert_list.row_count == N + 1
        await pilot.pause()


async def test_storm_grouping_and_suppressed_toggle(
    tmp_path: Path, storm_url: str, expected: list[Alert]
) -> None:
    app = _app(tmp_path, storm_url)
    async with app.run_test(size=(160, 48)) as pilot:
        alert_list = app.screen.query_one(AlertList)
        await _until(pilot, lambda: alert_list.row_count > 0, "the storm reaches the list")

        alert_list.grouped = True
        await pilot.pause()
        groups = group_by_name(a for a in expected if not _quiet(a))
        quiet = sort_alerts(a for a in expected if _quiet(a))
        got = [(r.alert.name, r.count) for r in alert_list.rows[: len(groups)] if r.alert]
        assert got == [(g.name, g.count) for g in groups]
        assert alert_list.row_count == len(groups) + 1 + len(quiet)
        assert sum(r.count for r in alert_list.rows[: len(groups)]) == N - len(quiet)

        alert_list.set_filter(AlertFilter.parse("service=payments"))
        want = AlertFilter.parse("service=payments").apply(expected)
        groups = group_by_name(a for a in want if not _quiet(a))
        got = [(r.alert.name, r.count) for r in alert_list.rows[: len(groups)] if r.alert]
        assert got == [(g.name, g.count) for g in groups]

        alert_list.show_suppressed = False
        await pilot.pause()
        assert alert_list.row_count == len(groups)
        assert all(r.divider == "" for r in alert_list.rows)

        alert_list.grouped = False
        alert_list.set_filter(AlertFilter())
        assert _alert_fps(alert_list) == _expected_fps(expected, show_suppressed=False)
        assert alert_list.row_count == N - N // 50


async def test_cursor_stays_on_its_alert_through_refreshes(
    tmp_path: Path, storm_url: str, expected: list[Alert]
) -> None:
    from warroom.ui.messages import AlertsRefreshed

    app = _app(tmp_path, storm_url)
    refreshes: list[AlertsRefreshed] = []

    def hook(message: object) -> None:
        if isinstance(message, AlertsRefreshed):
            refreshes.append(message)

    async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
        alert_list = app.screen.query_one(AlertList)
        await _until(pilot, lambda: alert_list.row_count > 0, "the storm reaches the list")
        await pilot.press("down", "down", "down", "pagedown")
        chosen = alert_list.highlighted
        assert chosen is not None
        assert chosen.fingerprint == _expected_fps(expected)[alert_list.cursor]
        # the refresh (every second) brings the same storm back: nothing moves
        before = len(refreshes)
        await _until(pilot, lambda: len(refreshes) > before, "a refresh")
        await pilot.pause()
        assert alert_list.highlighted == chosen

        # a new critical alert sorts above the cursor: the cursor follows its alert
        newest = Alert(
            fingerprint="f" * 16,
            name="ServiceDown",
            labels={"severity": "critical", "service": "payments"},
            annotations={"summary": "payments down"},
            starts_at=datetime(2020, 1, 1, tzinfo=UTC),
        )
        current = app.screen.region_named("alerts").alerts  # type: ignore[attr-defined]
        alert_list.show([newest, *current], datetime.now(UTC))
        assert alert_list.rows[0].alert == newest
        assert alert_list.highlighted == chosen


class _ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield AlertList()


async def test_inhibited_alerts_fold_under_their_firing_inhibitor() -> None:
    """Folding, with and without a filter, on a small hand-made set (the storm has none)."""
    app = _ListApp()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def alert(fp: str, name: str, sev: str, minutes: int, **kw: object) -> Alert:
        return Alert(
            fingerprint=fp,
            name=name,
            labels={"severity": sev, "service": "db"},
            annotations={},
            starts_at=t0 + timedelta(minutes=minutes),
            **kw,  # type: ignore[arg-type]
        )

    down = alert("a1", "DatabaseDown", "critical", 0)
    slow = alert("a2", "HighLatencyP95", "warning", 1)
    inhibited = alert(
        "b1", "HighErrorRate", "warning", 2, state=AlertState.SUPPRESSED, inhibited_by=("a1",)
    )
    orphan = alert(
        "b2", "QueueBacklog", "warning", 3, state=AlertState.SUPPRESSED, inhibited_by=("zz",)
    )
    muted = alert("c1", "DiskSpaceLow", "info", 4, state=AlertState.SUPPRESSED, silenced_by=("s1",))
    async with app.run_test(size=(160, 48)) as pilot:
        alert_list = app.query_one(AlertList)
        alert_list.show([muted, orphan, inhibited, slow, down], t0)
        shape = [(r.alert.fingerprint if r.alert else "--", r.indent) for r in alert_list.rows]
        assert shape == [
            ("a1", False),
            ("b1", True),
            ("a2", False),
            ("--", False),
            ("b2", False),
            ("c1", False),
        ]
        alert_list.set_filter(AlertFilter.parse("severity=warning"))
        shape = [(r.alert.fingerprint if r.alert else "--", r.indent) for r in alert_list.rows]
        assert shape == [("a2", False), ("--", False), ("b1", False), ("b2", False)]
        await pilot.pause()


async def test_big_refreshes_are_sorted_in_a_thread_and_the_latest_wins(
    expected: list[Alert],
) -> None:
    """From `thread_at` alerts on, show() compares and sorts off the event loop; the rows are
    the same as the synchronous path's, and a stale result never replaces a newer one."""
    app = _ListApp()
    now = datetime.now(UTC)
    async with app.run_test(size=(160, 48)) as pilot:
        alert_list = await _shown_in_thread(pilot, app, expected, now)
        assert _alert_fps(alert_list) == _expected_fps(expected)

        await pilot.press("down", "down")
        chosen = alert_list.highlighted
        fewer = [a for a in expected if a.service != "payments"]
        stale = expected[:2_000]
        alert_list.show(stale, now)
        alert_list.show(fewer, now)  # the later call wins, whichever thread finishes first
        await _until(pilot, lambda: all(w.is_finished for w in app.workers), "threads done")
        await pilot.pause()
        assert _alert_fps(alert_list) == _expected_fps(fewer)
        if chosen is not None and chosen.service != "payments":
            assert alert_list.highlighted == chosen

        alert_list.set_filter(AlertFilter.parse("severity=critical"))
        want = AlertFilter.parse("severity=critical").apply(fewer)
        await _until(pilot, lambda: not alert_list.filter_pending, "the threaded filter lands")
        assert _alert_fps(alert_list) == _expected_fps(want)
        rows = alert_list.rows
        alert_list.show(list(fewer), now)  # equal alerts: nothing is rebuilt
        await _until(pilot, lambda: all(w.is_finished for w in app.workers), "threads done")
        await pilot.pause()
        assert alert_list.rows is rows
        assert _alert_fps(alert_list) == _expected_fps(want)


def test_the_sort_in_runs_orders_as_one_sort() -> None:
    import random

    from warroom.domain.alert_view import THREAD_AT, sorted_positions

    rnd = random.Random(5)
    # below THREAD_AT one sort; from it on, runs merged
    for n in (0, 1, 4_000, THREAD_AT - 1, THREAD_AT + 17):
        keys = [
            (rnd.randrange(4), rnd.randrange(50), f"n{rnd.randrange(9)}", str(i)) for i in range(n)
        ]
        assert sorted_positions(keys) == sorted(range(n), key=keys.__getitem__)


async def test_a_filter_set_while_the_storm_is_sorted_in_a_thread_wins(
    expected: list[Alert],
) -> None:
    """The index thread builds the rows too; a filter set before they land gives the rows of
    that filter, never the ones built for the old."""
    app = _ListApp()
    now = datetime.now(UTC)
    async with app.run_test(size=(160, 48)) as pilot:
        alert_list = app.query_one(AlertList)
        alert_list.thread_at = 1_000
        alert_list.show(list(expected), now)  # sorted and built in a thread, for no filter
        alert_list.set_filter(AlertFilter.parse("service=payments"))
        await _until(pilot, lambda: all(w.is_finished for w in app.workers), "threads done")
        await _until(pilot, lambda: not alert_list.filter_pending, "the threaded filter lands")
        want = AlertFilter.parse("service=payments").apply(expected)
        assert _alert_fps(alert_list) == _expected_fps(want)


def test_the_fast_rows_agree_with_the_domain_filter_and_grouping(expected: list[Alert]) -> None:
    """domain.alert_view (what the widget shows) against AlertFilter.apply, sort_alerts and
    group_by_name (the plain definitions), on the storm."""
    index = AlertIndex(list(expected))
    for text in ("", "service=payments", "crit checkout", "severity!~warn.*", "pod"):
        flt = AlertFilter.parse(text)
        want = flt.apply(expected)
        rows = build_rows(index, View(flt, grouped=False, show_suppressed=True))
        assert [r.alert.fingerprint for r in rows if r.alert] == _expected_fps(want), text
        grouped = build_rows(index, View(flt, grouped=True, show_suppressed=False))
        groups = group_by_name(a for a in want if not _quiet(a))
        assert [(r.alert.name, r.count) for r in grouped if r.alert] == [
            (g.name, g.count) for g in groups
        ], text
        for label in ("service", "pod", "severity"):  # grouping by any label, as group_by_label
            view = View(flt, grouped=True, show_suppressed=False, group_label=label)
            by_label = group_by_label((a for a in want if not _quiet(a)), label)
            assert [(r.alert.fingerprint, r.count) for r in build_rows(index, view) if r.alert] == [
                (g.alerts[0].fingerprint, g.count) for g in by_label
            ], (text, label)
    for text in ("@state=active", "@state=suppressed payments", "@state!=silenced"):
        flt = AlertFilter.parse(text)
        rows = build_rows(index, View(flt, show_suppressed=True))
        assert [r.alert.fingerprint for r in rows if r.alert] == _expected_fps(
            flt.apply(expected)
        ), text


def test_the_first_listed_alert_is_the_first_row(expected: list[Alert]) -> None:
    """`first_listed` (whose service the signals are prefetched for) is the alert on the
    list's first line, found without sorting; None when every alert is quiet (a divider)."""
    from warroom.domain.alert_view import first_listed

    quiet = [a for a in expected if _quiet(a)]
    for alerts in (expected, list(reversed(expected)), expected[:7], quiet, []):
        rows = build_rows(AlertIndex(list(alerts)), View())
        assert first_listed(alerts) is (rows[0].alert if rows else None)
    assert quiet and first_listed(quiet) is None


async def test_a_storm_is_filtered_in_a_thread_and_keys_answer_meanwhile(
    expected: list[Alert],
) -> None:
    """From `thread_at` alerts on, a new filter's rows are built off the event loop: the old
    rows stay until they land, the cursor moves meanwhile, and the latest filter wins."""
    app = _ListApp()
    now = datetime.now(UTC)
    async with app.run_test(size=(160, 48)) as pilot:
        alert_list = await _shown_in_thread(pilot, app, expected, now)
        everything = _alert_fps(alert_list)
        alert_list.set_filter(AlertFilter.parse("payments"))
        assert alert_list.filter_pending
        assert _alert_fps(alert_list) == everything  # the old rows, until the new land
        await pilot.press("down")
        alert_list.set_filter(AlertFilter.parse("payments critical"))  # typed on: this wins
        await _until(pilot, lambda: not alert_list.filter_pending, "the threaded filter lands")
        await _until(pilot, lambda: all(w.is_finished for w in app.workers), "threads done")
        want = AlertFilter.parse("payments critical").apply(expected)
        assert want and _alert_fps(alert_list) == _expected_fps(want)
        alert_list.grouped = True  # the toggles go the same way
        await _until(pilot, lambda: not alert_list.filter_pending, "the threaded grouping")
        assert alert_list.row_count < len(want)


def test_the_cursor_key_is_found_near_where_it_was_or_anywhere() -> None:
    from tests.ui.fakes import make_alert
    from warroom.domain.alert_view import AlertRow, find_key

    rows = [AlertRow(make_alert(f"A{i}", "warning", datetime.now(UTC))) for i in range(3_000)]
    keys = [r.key for r in rows]
    assert find_key(rows, keys[1_500], 1_497) == 1_500
    assert find_key(rows, keys[2], 2_900) == 2  # far away: the whole list is searched
    assert find_key(rows, "gone", 7) == 7
