"""Signals named anything a person types start the console: each panel gets a safe id derived
from its name and shows the name as plain text (never read as markup)."""

from __future__ import annotations

import html
from pathlib import Path

from tests.ui.factory import FIXED_TIME, build_test_app
from warroom.config import parse_settings
from warroom.domain.clock import FrozenClock
from warroom.drill import DrillWorld, load_scenario
from warroom.ui.regions.signals.signal_panel import SignalPanel

NAMES = ["[/x]", "Backlog [SQL] (b)", "Req/s", "[bold red]x", "p99 ▲ latency\x1b[2J"]


async def test_any_signal_name_starts_the_console(tmp_path: Path) -> None:
    signals = parse_settings({"signals": [{"name": n, "query": "up"} for n in NAMES]}).signals
    world = DrillWorld(load_scenario("error-rate"), seed=7, clock=FrozenClock(FIXED_TIME))
    app = build_test_app(tmp_path, world.sources(), world.clock, signals=signals)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        panels = list(app.screen.query(SignalPanel))
        assert [p.id for p in panels] == [
            "signal-x", "signal-backlog_sql_b", "signal-req_s", "signal-bold_red_x",
            "signal-p99_latency_2j",
        ]  # fmt: skip
        # what the terminal shows (the `border_title` getter itself is lossy markup)
        screen = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        for title in [*NAMES[:4], "p99 ▲ latency␛[2J"]:
            assert title in screen, title
