"""Issue 5's end-to-end: a whole drill driven through the console's keys, exported.

Declare, assign a role, take notes, run a runbook step, acknowledge, send a status update,
mitigate, resolve and export: the post-mortem's timeline holds every entry in order and its
metrics are the times between them.
"""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import Input

from tests.ui.factory import FIXED_TIME, choose
from warroom.domain.clock import format_duration
from warroom.domain.incident import EntryKind, Role, Status
from warroom.ui.dialogs.prompts import Confirm
from warroom.ui.regions.runbook.pane import RunbookPane


async def _settle(pilot, app) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_drill_end_to_end_exports_a_complete_postmortem(make_app, tmp_path: Path) -> None:
    from warroom.domain.clock import FrozenClock
    from warroom.drill import DrillWorld, load_scenario

    real = FrozenClock(FIXED_TIME)
    world = DrillWorld(load_scenario("service-down"), seed=5, speed=1.0, clock=real)
    app = make_app(world.sources(), world.clock)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        await _settle(pilot, app)
        fired_at = world.clock.now()

        real.advance(60)
        await pilot.press("d")
        await pilot.click("#declare-ok")
        await _settle(pilot, app)
        log = screen.incident_log
        incident = log.incident
        assert incident is not None

        real.advance(20)
        await pilot.press("o")
        await choose(pilot, app, Role.TECH_LEAD.value)
        app.screen.query_one(Input).value = "bob@bastion"
        await pilot.press("enter")
        await _settle(pilot, app)

        real.advance(20)
        await pilot.press("n", *"api pods crash-looping since 02:58", "enter")
        await _settle(pilot, app)

        real.advance(40)
        acked_at = world.clock.now()
        await pilot.press("a")
        await _settle(pilot, app)

        real.advance(30)
        await pilot.press("enter")  # open the runbook for the selected alert
        pane = screen.query_one(RunbookPane)
        remedy = next(i for i, s in enumerate(pane.section.steps) if "restart" in s.command)
        pane.steps.highlighted = remedy
        await pilot.press("enter")
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await _settle(pilot, app)

        real.advance(10)
        mitigated_at = world.clock.now()
        await pilot.press("t")
        await choose(pilot, app, Status.MITIGATING.value)
        await _settle(pilot, app)

        real.advance(60)
        await pilot.press("u")
        await choose(pilot, app, "update")
        await pilot.press("ctrl+s")
        await _settle(pilot, app)

        real.advance(120)
        resolved_at = world.clock.now()
        await pilot.press("t")
        await choose(pilot, app, Status.RESOLVED.value)
        await _settle(pilot, app)

        out = tmp_path / "postmortem.md"
        await pilot.press("e")
        app.screen.query_one(Input).value = str(out)
        await pilot.press("enter")
        await _settle(pilot, app)

    text = out.read_text()
    entries = sorted(incident.entries, key=lambda e: (e.at, e.recorded_at))
    kinds = {e.kind for e in entries}
    for kind in (
        EntryKind.ALERT_FIRED,
        EntryKind.DECLARED,
        EntryKind.ROLE,
        EntryKind.NOTE,
        EntryKind.ALERT_ACKED,
        EntryKind.STEP_RUN,
        EntryKind.STATUS,
        EntryKind.STATUS_UPDATE,
    ):
        assert kind in kinds, kind
    timeline = text.split("## Timeline", 1)[1].split("## Key metrics", 1)[0]
    rows = [line for line in timeline.splitlines() if re.match(r"\| \d{2}:\d{2}:\d{2}", line)]
    assert len(rows) == len(entries)
    times = [row.split("|")[1].strip()[:8] for row in rows]
    assert times == sorted(times)
    assert "api pods crash-looping since 02:58" in timeline and "bob@bastion" in timeline

    def metric(name: str) -> str:
        return re.search(rf"\| {name} \| ([^|]+) \|", text).group(1).strip()  # type: ignore[union-attr]

    assert metric("Time to acknowledge") == format_duration((acked_at - fired_at).total_seconds())
    assert metric("Time to mitigate") == format_duration((mitigated_at - fired_at).total_seconds())
    assert metric("Time to resolve") == format_duration((resolved_at - fired_at).total_seconds())
    assert metric("Status updates sent / due").startswith("1 / ")
