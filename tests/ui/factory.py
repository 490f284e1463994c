"""One way to build the real app for tests: injected sources, a temp store, shipped runbooks."""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual import events
from textual.widgets import OptionList

from warroom.config import Settings
from warroom.domain.clock import Clock, FrozenClock
from warroom.domain.history_ports import AlertHistoryStore
from warroom.domain.ports import Sources
from warroom.paths import default_runbooks_dir
from warroom.services.runbook_library import load_library
from warroom.stores import open_store
from warroom.ui.app import WarRoomApp, build_app
from warroom.ui.context import ConsoleContext

FIXED_TIME = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def build_test_app(
    tmp_path: Path,
    sources: Sources,
    clock: Clock | None = None,
    runbooks: list[Path] | None = None,
    history: AlertHistoryStore | None = None,
    **settings: Any,
) -> WarRoomApp:
    ctx = ConsoleContext(
        settings=Settings(**settings),
        sources=sources,
        clock=clock or FrozenClock(FIXED_TIME),
        library=load_library(runbooks or [default_runbooks_dir()]),
        store=open_store(str(tmp_path / "incidents.db")),
        author="tester@bastion",
        viewer=bool(settings.get("viewer", False)),
        scenario="error-rate" if sources.is_drill else "",
        history=history,
    )
    return build_app(ctx, boot=False)


async def key_latency(
    app: WarRoomApp, key: str, changed: Callable[[], bool], limit_s: float = 2.0
) -> float:
    """Send a key as the terminal would and time until the screen's state has changed."""
    event = events.Key(key, None)
    event.set_sender(app)
    start = time.perf_counter()
    app._driver.send_message(event)  # type: ignore[union-attr]
    while not changed():
        if time.perf_counter() - start > limit_s:
            raise AssertionError(f"{key!r} changed nothing within {limit_s} s")
        await asyncio.sleep(0.001)
    return time.perf_counter() - start


def screen_text(app: WarRoomApp) -> str:
    """The screen as text, read from Textual's own screenshot (one line per row)."""
    svg = app.export_screenshot()
    rows: dict[float, list[tuple[float, str]]] = {}
    for m in re.finditer(r'<text [^>]*x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows.setdefault(float(m.group(2)), []).append((float(m.group(1)), m.group(3)))
    lines = ("".join(t for _x, t in sorted(row)) for _y, row in sorted(rows.items()))
    return "\n".join(html.unescape(line).replace("\xa0", " ") for line in lines)


async def choose(pilot: Any, app: WarRoomApp, value: str) -> None:
    """Pick `value` in the open Choose dialog as a commander would: arrows, then enter."""
    from warroom.ui.dialogs.prompts import Choose

    assert isinstance(app.screen, Choose)
    options = app.screen.query_one("#choose-list", OptionList)
    ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
    options.focus()
    await pilot.press("home", *["down"] * ids.index(value), "enter")
    await pilot.pause()


async def settle(pilot: Any, app: WarRoomApp) -> None:
    """Until the workers a key press started are done and their answers drawn."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def alert_sources(source: Any) -> Any:
    """`Sources` with this alert source and a quiet signal source (the regions need one)."""
    from tests.ui.fakes import FakeSignalSource
    from warroom.domain.ports import Sources

    signals = FakeSignalSource({"error_rate": 1.0})
    return Sources(
        environment="test", alert_sources=[source], signal_sources={"prometheus": signals}
    )
