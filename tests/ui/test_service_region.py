"""The Service region in the console, on fake `ServiceContextSource`s: it follows the
selected alert's scope, says a failing source in the region and keeps its last answer, scrolls
with the pane keys without wrapping, marks its changes on the golden signals at the same
times as its list, and takes no space at all when there is no context source."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tests.ui.factory import FIXED_TIME, build_test_app, screen_text
from tests.ui.fakes import FakeAlertSource, FakeContextSource, FakeSignalSource, make_alert
from warroom.domain.clock import FrozenClock
from warroom.domain.ports import Sources
from warroom.domain.service_context import Change, ChangeKind, Container, Pod, Rollout
from warroom.ui.messages import ServiceChanges
from warroom.ui.regions.signals.signal_panel import SignalPanel

T = FIXED_TIME


def _deploy(minutes_ago: float, revision: int) -> Change:
    return Change(
        T - timedelta(minutes=minutes_ago),
        ChangeKind.DEPLOY,
        f"revision {revision} rolled out",
        "kubernetes",
        f"rev-{revision}",
        "deployment/api",
    )


def _context(clock: FrozenClock) -> FakeContextSource:
    return FakeContextSource(
        clock,
        "kubernetes",
        api={
            "pods": [Pod("api-7f9c-2xkqp", "prod", "Running", 1, 1, restarts=3, node="node-a")],
            "rollouts": [Rollout("deployment", "api", "prod", "14", "13", 3, 3, 3, "complete")],
            "changes": [
                _deploy(12, 14),
                Change(
                    T - timedelta(minutes=4),
                    ChangeKind.OOM,
                    "OOMKilled",
                    "kubernetes",
                    "oom-1",
                    "api-7f9c-2xkqp",
                ),
            ],
        },
        worker={
            "containers": [
                Container(
                    "worker-1",
                    "restarting",
                    "ops/worker",
                    "3.2",
                    restarts=7,
                    exit_code=137,
                    oom_killed=True,
                ),
            ],
        },
    )


def _sources(context: FakeContextSource | None, alerts: list | None = None) -> Sources:  # type: ignore[type-arg]
    alerts = alerts or [
        make_alert("HighErrorRate", "critical", T - timedelta(minutes=3), service="api"),
        make_alert("WorkerDown", "warning", T - timedelta(minutes=2), service="worker"),
    ]
    return Sources(
        environment="test",
        alert_sources=[FakeAlertSource(alerts)],
        signal_sources={"prometheus": FakeSignalSource({"error_rate": 4.0})},
        context_sources=[context] if context else [],
    )


async def _settle(pilot, app) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _until(pilot, app, predicate: Callable[[], bool]) -> None:  # type: ignore[no-untyped-def]
    """Wait for a fact on screen (a guard against hanging, not a timing assertion)."""
    for _ in range(300):
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"never happened; the screen:\n{screen_text(app)}")


def _region_text(app) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(app.screen.query_one("#service-lines").texts)


async def test_the_region_shows_the_selected_alerts_service_and_follows_the_cursor(
    tmp_path: Path,
) -> None:
    clock = FrozenClock(T)
    context = _context(clock)
    app = build_test_app(tmp_path, _sources(context), clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        region = app.screen.query_one("#service-region")
        await _until(pilot, app, lambda: "api-7f9c-2xkqp" in _region_text(app))
        text = _region_text(app)
        assert "deployment/api  revision 14 (previous 13) · complete · 3/3 ready" in text
        assert "revision 14 rolled out" in text and "OOMKilled" in text
        assert "kubernetes · as of 03:00:00Z" in text  # the data's age
        assert "worker-1" not in text
        assert str(region.border_title) == "Service · api"
        assert context.asked[-1] == "api"

        await pilot.press("down")  # the next alert: the worker
        await _until(pilot, app, lambda: "worker-1" in _region_text(app))
        text = _region_text(app)
        assert "api-7f9c-2xkqp" not in text
        assert "restarting" in text and "137 OOM" in text
        assert str(region.border_title) == "Service · worker"
        assert context.asked[-1] == "worker"


async def test_a_failing_source_is_said_in_the_region_and_its_last_answer_kept(
    tmp_path: Path,
) -> None:
    clock = FrozenClock(T)
    context = _context(clock)
    app = build_test_app(tmp_path, _sources(context), clock, refresh_s=5.0)
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await _until(pilot, app, lambda: "api-7f9c-2xkqp" in _region_text(app))
        context.fail = "kubernetes API: connection refused"
        clock.advance(180)
        await pilot.press("r")
        await _until(pilot, app, lambda: "connection refused" in _region_text(app))
        text = _region_text(app)
        assert "⚠ kubernetes: kubernetes API: connection refused · last good 3m ago" in text
        assert "api-7f9c-2xkqp" in text  # the last good rows stay
        assert "as of" not in text  # no answer is fresh
        region = app.screen.query_one("#service-region")
        assert str(region.border_subtitle) == "kubernetes failing"


async def test_the_pane_scrolls_with_the_pane_keys_and_stops_at_the_ends(tmp_path: Path) -> None:
    clock = FrozenClock(T)
    context = _context(clock)
    many = [_deploy(30 - i * 0.5, 100 + i) for i in range(40)]
    context.by_service["api"]["changes"] = many
    app = build_test_app(tmp_path, _sources(context), clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await _until(pilot, app, lambda: "revision 139" in _region_text(app))
        view = app.screen.query_one("#service-view")
        view.focus()
        await pilot.pause()
        assert view.max_scroll_y > 5
        await pilot.press("k")  # at the top: stays (no wrap to the end)
        assert view.scroll_y == 0
        await pilot.press("j", "j", "down")
        await _settle(pilot, app)
        assert view.scroll_y == 3
        await pilot.press("end", "j", "pagedown")
        await _settle(pilot, app)
        assert view.scroll_y == view.max_scroll_y  # at the end: stays
        await pilot.press("home", "k", "pageup")
        await _settle(pilot, app)
        assert view.scroll_y == 0


async def test_the_marks_on_the_signals_are_the_regions_changes_at_their_times(
    tmp_path: Path,
) -> None:
    clock = FrozenClock(T)
    context = _context(clock)
    seen: list[ServiceChanges] = []

    def hook(message: object) -> None:
        if isinstance(message, ServiceChanges):
            seen.append(message)

    app = build_test_app(tmp_path, _sources(context), clock)
    async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
        await _settle(pilot, app)
        await _until(pilot, app, lambda: bool(seen) and bool(seen[-1].changes))
        await _settle(pilot, app)
        listed = [c for c in seen[-1].changes]
        text = _region_text(app)
        for change in listed:  # the list: each change with its time
            assert f"{change.at:%H:%M:%SZ} {change.kind.glyph}" in text
        panel = app.screen.query_one("#signal-error_rate", SignalPanel)
        marks = [line for line in panel.texts if line.strip() and set(line) <= set(" ▲✕↻!◆·")]
        assert len(marks) == 1, panel.texts
        row = marks[0]
        width = len(row)
        slot = panel.series.spec.range_s / width
        # older changes further left: the newest column is the slot a slot ago, and a change
        # `age` ago sits about `age / slot - 1` columns before it (slots are clock-aligned)
        for change in listed:
            age_columns = (T - change.at).total_seconds() / slot
            column = row.index(change.kind.glyph)
            assert abs((width - 1 - column) - (age_columns - 1)) <= 1, (row, change)
        assert row.index("▲") < row.index("✕")


async def test_no_context_source_no_region_and_the_four_regions_as_before(
    tmp_path: Path,
) -> None:
    app = build_test_app(tmp_path, _sources(None))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        assert [r.id for r in app.screen.query(".region")] == [
            "alerts-region", "signals-region", "runbook-region", "log-region",
        ]  # fmt: skip
        alerts = app.screen.query_one("#alerts-region")
        runbook = app.screen.query_one("#runbook-region")
        assert abs(alerts.region.height - runbook.region.height) <= 1
        assert runbook.region.bottom >= 46  # the two rows fill the screen, nothing below


@pytest.mark.parametrize("size", [(160, 48), (240, 60)])
async def test_with_a_source_the_region_takes_a_row_of_its_own(tmp_path: Path, size) -> None:  # type: ignore[no-untyped-def]
    clock = FrozenClock(T)
    app = build_test_app(tmp_path, _sources(_context(clock)), clock)
    async with app.run_test(size=size) as pilot:
        await _settle(pilot, app)
        screen = app.screen
        service = screen.query_one("#service-region")
        alerts = screen.query_one("#alerts-region")
        log = screen.query_one("#log-region")
        assert service.region.y >= log.region.bottom and service.region.y >= alerts.region.bottom
        assert service.region.width >= size[0] - 2  # the whole width
        assert service.region.height >= 8


async def test_compact_layout_has_a_fifth_tab(tmp_path: Path) -> None:
    clock = FrozenClock(T)
    app = build_test_app(tmp_path, _sources(_context(clock)), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot, app)
        tabs = str(app.screen.query_one("#region-tabs").render())
        assert "5 Service" in tabs and "tab: next" in tabs  # five tabs and the hint: 80 columns
        assert "1 Firing alerts" in tabs and "2 Golden signals" in tabs
        await pilot.press("shift+tab")  # from the alerts back to the last: the Service region
        await _settle(pilot, app)
        service = app.screen.query_one("#service-region")
        assert service.display and service.region.height > 10
        assert "revision 14 rolled out" in screen_text(app)


async def _open_incident(tmp_path: Path, clock: FrozenClock) -> None:
    """An incident already open in the store the console will resume."""
    from warroom.services.incident_log import IncidentLog
    from warroom.stores import open_store

    store = open_store(str(tmp_path / "incidents.db"))
    await store.open()
    await IncidentLog(store, clock, "dana@bastion").declare("api errors", "P2")
    await store.close()


async def _changes_in_store(tmp_path: Path) -> list[str]:
    from warroom.domain.incident import EntryKind
    from warroom.stores import open_store

    store = open_store(str(tmp_path / "incidents.db"))
    await store.open()
    try:
        (summary,) = await store.incidents()
        entries = await store.entries(summary.id)
    finally:
        await store.close()
    return [str(e.data["key"]) for e in entries if e.kind is EntryKind.CHANGE]


@pytest.mark.parametrize("viewer", [False, True], ids=["commander", "viewer"])
async def test_changes_in_the_window_are_recorded_once_and_never_by_a_viewer(
    tmp_path: Path, viewer: bool
) -> None:
    clock = FrozenClock(T)
    await _open_incident(tmp_path, clock)
    for _run in range(2):  # the second run is a restarted console on the same store
        app = build_test_app(tmp_path, _sources(_context(clock)), clock, viewer=viewer)
        async with app.run_test(size=(160, 48)) as pilot:
            await _settle(pilot, app)
            lines = app.screen.query_one("#service-lines")
            await _until(pilot, app, lambda: "revision 14 rolled out" in "\n".join(lines.texts))  # noqa: B023
            for _ in range(3):
                await pilot.press("r")
                await _settle(pilot, app)
    recorded = await _changes_in_store(tmp_path)
    assert recorded == ([] if viewer else ["rev-14", "oom-1"])
