"""Snapshots of the console on a fixed drill (scenario, seed, frozen time), built by the one
factory (`build_app` through `make_app`): every shipped theme at 80x24 and 160x48, the wide and
compact layouts, production mode and the main dialogs.

After a change to what the console draws: `pytest tests/ui/test_snapshots.py
--snapshot-update`, then open the changed SVGs (or the report a failed run writes) and read them
before committing.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest

from warroom.paths import default_themes_dir
from warroom.ui.app import WarRoomApp

THEMES = sorted(p.stem for p in default_themes_dir().glob("*.toml"))
SIZES = {"80x24": (80, 24), "160x48": (160, 48)}


@pytest.fixture(autouse=True)
def numbered_entry_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entry ids are random (uuid4) and the log shows their first characters: number them, so
    a snapshot shows the same ids on every run (the count in the first six hex digits)."""
    import itertools
    import uuid

    counter = itertools.count(1)
    monkeypatch.setattr(
        "warroom.domain.incident.uuid.uuid4", lambda: uuid.UUID(int=next(counter) << 104)
    )


@pytest.fixture(autouse=True)
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("NO_COLOR", raising=False)
    time.tzset()


@pytest.fixture
def drill_app(make_app, drill_sources) -> Callable[..., WarRoomApp]:  # type: ignore[no-untyped-def]
    """The app on the error-rate drill, seed 7, its clock frozen; `production=True` presents
    the same world as a production environment (no drill banner, the production frame)."""

    def build(*, production: bool = False, **settings: Any) -> WarRoomApp:
        sources, clock = drill_sources("error-rate", seed=7)
        if production:
            sources = dataclasses.replace(
                sources, environment="production", is_drill=False, is_production=True
            )
        return make_app(sources, clock, **settings)

    return build


def settled(*keys: str) -> Callable[[Any], Awaitable[None]]:
    """Wait for the first poll and the workers, then press `keys` one by one, settling after
    each (a dialog's answer is written by a worker before the next key)."""

    async def run(pilot: Any) -> None:
        await _settle(pilot)
        for key in keys:
            await pilot.press(key)
            await _settle(pilot)

    return run


async def _settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("theme", THEMES)
def test_main_screen(snap_compare, drill_app, theme: str, size: str) -> None:  # type: ignore[no-untyped-def]
    app = drill_app(theme=theme)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=settled())


@pytest.mark.parametrize(
    "layout, size", [("wide", (240, 60)), ("compact", (100, 30))], ids=["wide", "compact"]
)
def test_layouts(snap_compare, drill_app, layout: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(drill_app(), terminal_size=size, run_before=settled())


def test_service_tab_compact(snap_compare, drill_app) -> None:  # type: ignore[no-untyped-def]
    """At 80x24 the Service region is the fifth tab (shift+tab from the alerts): pods, the
    rollout and the changes stacked, still readable."""
    assert snap_compare(drill_app(), terminal_size=(80, 24), run_before=settled("shift+tab"))


def test_production_mode(snap_compare, drill_app) -> None:  # type: ignore[no-untyped-def]
    app = drill_app(production=True)
    assert snap_compare(app, terminal_size=(160, 48), run_before=settled())


DIALOGS: dict[str, Sequence[str]] = {
    "declare": ("d",),
    "silence": ("s",),
    "silences-view": ("x",),
    "help": ("question_mark",),
    # the runbook pane (two panes on), its destructive step 5: type the target to run it
    "confirm-destructive-step": ("tab", "tab", "down", "down", "down", "down", "enter"),
}


@pytest.mark.parametrize("dialog", list(DIALOGS))
def test_dialogs(snap_compare, drill_app, dialog: str) -> None:  # type: ignore[no-untyped-def]
    app = drill_app()
    assert snap_compare(app, terminal_size=(120, 36), run_before=settled(*DIALOGS[dialog]))
