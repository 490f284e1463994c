"""The war room's start-up order (issue 11, the full console's time): the golden signals start
once the first alerts are drawn; the other regions show with the signals' first values and
only then start their own work (reading the runbooks here); signals that never answer hold
none of that up for longer than the wait."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from tests.ui.factory import FIXED_TIME, build_test_app
from tests.ui.fakes import FakeAlertSource, FakeSignalSource, make_alert
from warroom.domain.ports import Sources
from warroom.domain.signals import Sample, SignalSpec
from warroom.paths import default_runbooks_dir
from warroom.ui.app import WarRoomApp, build_app
from warroom.ui.regions.alerts.alert_list import AlertList
from warroom.ui.regions.signals.signal_panel import SignalPanel
from warroom.ui.screens import war_room

CONTENTS = "#runbook-region > *, #log-region > *, #signals-region > *"


class _GatedSignals(FakeSignalSource):
    """Answers only once `gate` is set; `waited` is the service of every call held there."""

    def __init__(self) -> None:
        super().__init__({"error_rate": 1.0})
        self.gate = threading.Event()
        self.waited: list[str | None] = []

    async def _opened(self, service: str | None) -> None:
        self.waited.append(service)
        while not self.gate.is_set():
            await asyncio.sleep(0.01)

    async def sample(self, spec: SignalSpec, service: str | None) -> Sample:
        await self._opened(service)
        return await super().sample(spec, service)

    async def history(self, spec: SignalSpec, service: str | None, end: datetime) -> list[Sample]:
        await self._opened(service)
        return await super().history(spec, service, end)


def _app(tmp_path: Path, signals: FakeSignalSource) -> WarRoomApp:
    alerts = [make_alert("ServiceDown", "critical", FIXED_TIME, service="api")]
    sources = Sources(
        environment="test",
        alert_sources=[FakeAlertSource(alerts)],
        signal_sources={"prometheus": signals},
    )
    tested = build_test_app(tmp_path, sources)
    # as the CLI does: the app reads the runbooks itself, once it is its turn
    ctx = replace(tested.ctx, library=None, runbook_paths=(default_runbooks_dir(),))
    return build_app(ctx, boot=False)


async def test_the_other_regions_start_once_the_signals_have_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(war_room, "SIGNALS_WAIT_S", 60.0)  # only the signals' answer here
    signals = _GatedSignals()
    app = _app(tmp_path, signals)
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if app.screen.query_one(AlertList).row_count and signals.waited:
                break
        assert set(signals.waited) == {"api"}  # the signals started with the alerts drawn
        await pilot.pause(0.3)
        runbook = app.screen.region_named("runbook")
        assert runbook is not None
        assert not runbook.library.runbooks  # not read while the signals wait
        assert not any(w.display for w in app.screen.query(CONTENTS))
        signals.gate.set()
        for _ in range(250):
            await pilot.pause(0.02)
            if runbook.library.runbooks:
                break
        assert runbook.library.runbooks
        assert all(w.display for w in app.screen.query(CONTENTS))
        assert all(p.series.latest is not None for p in app.screen.query(SignalPanel))


async def test_signals_that_never_answer_hold_the_rest_up_only_for_the_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(war_room, "SIGNALS_WAIT_S", 0.3)
    app = _app(tmp_path, FakeSignalSource({"error_rate": 1.0}, hang_s=30))
    async with app.run_test(size=(160, 48)) as pilot:
        runbook = app.screen.region_named("runbook")
        assert runbook is not None
        for _ in range(250):
            await pilot.pause(0.02)
            if runbook.library.runbooks:
                break
        assert runbook.library.runbooks
        assert app.screen.query_one(AlertList).row_count == 1
        assert all(w.display for w in app.screen.query(CONTENTS))
        assert all(p.series.latest is None for p in app.screen.query(SignalPanel))
