"""Pilot: the header names who else is connected and what each holds (read from the store's
heartbeats in a worker), and the fixed slot keeps its place at 160 and 80 columns."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from tests.incident.conftest import console_on
from tests.ui.factory import FIXED_TIME
from tests.ui.test_header_priority import STATE as PRIORITY_STATE
from warroom.domain.incident import Role
from warroom.domain.ports import Presence
from warroom.stores.sqlite import SqliteStore
from warroom.ui.themes import theme_variable_defaults
from warroom.ui.widgets.war_header import WarHeader


async def test_the_header_shows_the_other_consoles_and_their_roles(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "incidents.db")
    await store.open()
    for person, roles, viewer in (
        ("carol@bastion-2", (Role.TECH_LEAD.value,), False),
        ("dave@home", (), True),
    ):
        await store.heartbeat(Presence(f"console-{person}", person, FIXED_TIME, roles, viewer))
    await store.close()
    app = console_on(store, console_id="mine")
    async with app.run_test(size=(160, 48)) as pilot:
        header = app.screen.query_one(WarHeader)
        for _ in range(200):  # hang guard: the store opens, then the first heartbeat
            await pilot.pause(0.05)
            if "with" in header.texts[0]:
                break
        assert "with carol TL, dave viewer" in header.texts[0]
        mine = await store.consoles(FIXED_TIME)
        assert {p.console for p in mine} >= {"mine"}  # this console's own heartbeat


STATE = replace(
    PRIORITY_STATE,
    title="Checkout API returns 5xx for every EU customer since the 02:58 deploy " * 4,
    roles="TL: bob",
    cadence="next update due in 7m",
    overdue=False,
    failing=("am-us1-c", "am-eu1-b"),
    present="carol TL, dave viewer, erin, frank Scribe",
)


class HeaderApp(App[None]):
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return theme_variable_defaults(self.current_theme)

    def compose(self) -> ComposeResult:
        yield WarHeader(STATE, id="header")


@pytest.mark.parametrize("width", [80, 160])
async def test_the_outage_slot_holds_its_place_beside_a_long_title(width: int) -> None:
    app = HeaderApp()
    async with app.run_test(size=(width, 10)) as pilot:
        await pilot.pause()
        first, second = app.query_one(WarHeader).texts
        assert len(first) <= width and len(second) <= width
        assert first.rstrip().endswith("UTC")  # the clock keeps its place too
        assert "P1 MITIGATING" in second
        assert "store offline · 3 queued · " in second  # the store's trouble, whole
        if width >= 160:
            assert second.rstrip().endswith("store offline · 3 queued · DOWN: am-us1-c, am-eu1-b")
            assert "IC: alice" in second and "Checkout API" in second
            assert "with carol TL" in first
        else:  # the sources counted, shortest: the incident's status keeps its place
            assert second.rstrip().endswith(" · 2 DOWN"), second
