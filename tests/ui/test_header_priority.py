"""The header shrinks by priority: at any width the incident's severity and status, OVERDUE,
the commander and the store's trouble stay; the title and the other roles give way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.app import App, ComposeResult

from warroom.ui.themes import theme_variable_defaults
from warroom.ui.widgets.war_header import HeaderState, WarHeader

STATE = HeaderState(
    environment="prod",
    mode="PRODUCTION",
    now=datetime(2026, 12, 2, 3, 0, tzinfo=UTC),
    incident="P1 MITIGATING",
    incident_id="INC-20261202-0300-ab12",
    elapsed="42m",
    title="Checkout API returns 5xx for every EU customer since the 02:58 deploy " * 2,
    commander="IC: alice",
    roles="TL: bob Comms: carol Scribe: dave",
    cadence="UPDATE OVERDUE by 7m",
    overdue=True,
    store="store offline · 3 queued",
)


class HeaderApp(App[None]):
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return theme_variable_defaults(self.current_theme)  # as the console does

    def compose(self) -> ComposeResult:
        yield WarHeader(STATE, id="header")


@pytest.mark.parametrize("width", [80, 100, 160, 250])
async def test_what_matters_first_is_always_on_the_line(width: int) -> None:
    app = HeaderApp()
    async with app.run_test(size=(width, 10)) as pilot:
        await pilot.pause()
        second = app.query_one(WarHeader).texts[1]
        assert len(second) <= width
        for must in ("P1 MITIGATING", "UPDATE OVERDUE by 7m", "IC: alice", "store offline"):
            assert must in second, (width, second)
        assert second.rstrip().endswith("store offline · 3 queued")  # its fixed place
        if width >= 160:
            assert "Checkout API" in second
        if width <= 100:
            assert "Scribe: dave" not in second  # the other roles give way first
