"""Issue 15's end-to-end: a whole drill driven through the console's keys, then every surface.

Alert, ack, declare, roles, a decoy step, the right step, a note, a decision, two status
updates, resolve, export. The quit summary, `incidents list --json`, `incidents show` and the
post-mortem then give the same TTA/TTM/TTR, equal to the times this test recorded for each
milestone (within one refresh: the console sees an alert clear at its next poll). The golden
post-mortem is this run's export (`WARROOM_UPDATE_GOLDEN=1` rewrites it).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.ui.factory import FIXED_TIME
from warroom.cli import main
from warroom.cli.drill import quit_summary
from warroom.cli.postmortem import render
from warroom.config import Settings
from warroom.domain.clock import FrozenClock, format_duration
from warroom.domain.incident import Incident
from warroom.drill import DrillWorld, load_scenario
from warroom.stores import open_store

GOLDEN = Path(__file__).parent / "golden" / "drill_postmortem.md"
REFRESH_S = 5.0
_ID = re.compile(r"INC-\d{8}-\d{4}-[0-9a-f]{4}")


async def _settle(pilot, app) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _choose(pilot, app, key: str) -> None:  # type: ignore[no-untyped-def]
    """Pick an option of the open Choose dialog by keys (home, down..., enter)."""
    keys = [k for k, _ in app.screen.options]
    await pilot.press("home", *["down"] * keys.index(key), "enter")
    await pilot.pause()


async def _run_step(pilot, app, screen, needle: str) -> None:  # type: ignore[no-untyped-def]
    """Highlight the runbook step whose command holds `needle`, run it, and confirm it as its
    risk asks: y for a write step, the target's name typed for a destructive one."""
    from warroom.ui.dialogs.prompts import Confirm, TextPrompt
    from warroom.ui.regions.runbook.pane import RunbookPane

    section = screen.query_one(RunbookPane).section
    index = next(i for i, s in enumerate(section.steps) if needle in s.command)
    await pilot.press("home", *["down"] * index, "enter")
    await pilot.pause()
    if isinstance(app.screen, Confirm):
        await pilot.press("y")
    elif isinstance(app.screen, TextPrompt) and app.screen.must_equal:
        await pilot.press(*app.screen.must_equal, "enter")
    await _settle(pilot, app)
    assert app.screen is screen, app.screen


async def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The real CLI in-process (in a thread: it runs its own event loop)."""
    capsys.readouterr()
    assert await asyncio.to_thread(main, list(args)) == 0
    return capsys.readouterr().out


def _metric(text: str, name: str) -> str:
    found = re.search(rf"\| {name} \| ([^|]+) \|", text)
    assert found, name
    return found.group(1).strip()


async def test_drill_to_postmortem_one_clock_on_every_surface(
    make_app, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = FrozenClock(FIXED_TIME)
    world = DrillWorld(load_scenario("error-rate"), seed=5, speed=1.0, clock=real)
    app = make_app(world.sources(), world.clock, refresh_s=REFRESH_S)
    out = tmp_path / "postmortem.md"
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        await _settle(pilot, app)
        impact_at = min(a.starts_at for a in world.firing())  # what the alert says

        real.advance(40)
        acked_at = world.clock.now()
        await pilot.press("a")
        await _settle(pilot, app)

        real.advance(20)
        declared_at = world.clock.now()
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await _settle(pilot, app)

        real.advance(10)
        await pilot.press("o")
        await _choose(pilot, app, "tech_lead")
        app.screen.query_one(Input).value = "bob@bastion"
        await pilot.press("enter")
        await _settle(pilot, app)

        real.advance(20)
        await pilot.press("n", *"error rate climbing since the v2.14.0 deploy", "enter")
        await _settle(pilot, app)

        real.advance(20)
        await pilot.press("enter")  # the selected alert's runbook
        await pilot.pause()
        await _run_step(pilot, app, screen, "restart")  # the decoy
        real.advance(60)
        await pilot.press("r")
        await _settle(pilot, app)

        await pilot.press("n", *"decision: roll back to v2.13.2", "enter")
        await _settle(pilot, app)
        real.advance(10)
        await _run_step(pilot, app, screen, "rollout undo")  # the remedy

        real.advance(30)
        await pilot.press("u")
        await _choose(pilot, app, "update")
        await pilot.press("ctrl+s")
        await _settle(pilot, app)

        # poll once a refresh until every alert has cleared
        for _ in range(120):
            real.advance(REFRESH_S)
            await pilot.press("r")
            await _settle(pilot, app)
            if not world.firing():
                break
        assert not world.firing()
        real.advance(REFRESH_S)
        await pilot.press("r")
        await _settle(pilot, app)
        cleared = [e.at_s for e in world.events() if not e.fired]
        mitigated_at = world.at(max(cleared))

        real.advance(60)
        await pilot.press("u")
        await _choose(pilot, app, "update")
        await pilot.press("ctrl+s")
        await _settle(pilot, app)

        real.advance(30)
        resolved_at = world.clock.now()
        await pilot.press("t")
        await _choose(pilot, app, "resolved")
        await _settle(pilot, app)

        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(Input).value = str(out)
        await pilot.press("enter")
        await _settle(pilot, app)

    assert out.exists()  # the console's own export
    store = str(tmp_path / "incidents.db")
    summary = await asyncio.to_thread(quit_summary, world, store, Settings())

    def since(at: datetime) -> float:
        return (at - impact_at).total_seconds()

    tta, ttr = since(acked_at), since(resolved_at)
    ttm = since(mitigated_at)

    # the quit summary
    text = "\n".join(summary)
    assert f"time to acknowledge {format_duration(tta)}" in text
    assert f"time to resolve     {format_duration(ttr)}" in text
    got_ttm = re.search(r"time to mitigate    (.+)", text)
    assert got_ttm
    # incidents list --json
    (listed,) = json.loads(await _cli(capsys, "incidents", "list", "--json", "--store", store))
    assert listed["time_to_acknowledge_s"] == pytest.approx(tta)
    assert listed["time_to_resolve_s"] == pytest.approx(ttr)
    assert 0 <= listed["time_to_mitigate_s"] - ttm <= REFRESH_S  # seen at the next poll
    assert got_ttm.group(1) == format_duration(listed["time_to_mitigate_s"])
    assert datetime.fromisoformat(listed["impact_started_at"]) == impact_at
    assert datetime.fromisoformat(listed["milestones"]["declared"]) == declared_at
    # incidents show
    shown = await _cli(capsys, "incidents", "show", listed["id"], "--store", store)
    durations = {
        k: format_duration(listed[f"time_to_{k}_s"]) for k in ("acknowledge", "mitigate", "resolve")
    }
    assert (
        f"acknowledge {durations['acknowledge']}, mitigate {durations['mitigate']}, "
        f"resolve {durations['resolve']}" in shown
    )
    # the post-mortem (the CLI's export, with the drill's recorded signals)
    exported = await _cli(capsys, "postmortem", "export", "--store", store, "--no-signals")
    assert _metric(exported, "Time to acknowledge") == durations["acknowledge"]
    assert _metric(exported, "Time to mitigate") == durations["mitigate"]
    assert _metric(exported, "Time to resolve") == durations["resolve"]
    assert _metric(exported, "Status updates sent / due").startswith("2 / ")

    commands = exported.split("## Commands run")[1].split("## What did not help")[0]
    assert "docker compose -f ops/docker-compose.yml restart api" in commands
    assert "kubectl rollout undo deployment/api -n prod" in commands
    assert "deployment.apps/api rolled back" in commands  # the step's own output
    assert commands.count("ok (0)") >= 4  # table and folds, both steps
    helped = exported.split("## What did not help")[1].split("## Root cause")[0]
    assert "Mitigation › restart the containers" in helped  # the decoy, by its step name
    assert "roll the deployment back" not in helped
    assert (
        "| API service › HighErrorRate › Mitigation › A bad deploy: roll the deployment back"
        in commands
    )
    assert "Decisions taken during the incident:" in exported
    # a deploy the console only saw is not put on the commander's name
    assert (
        "| deployment/api: revision 14 rolled out (ops/api:v2.14.0) | kubernetes (seen by "
        in exported
    )
    assert "(ops/api:v2.14.0) | tester@bastion |" not in exported
    assert "roll back to v2.13.2" in exported

    incident = await _incident(store)
    golden = _ID.sub(
        "INC-00000000-0000-0000", render(incident, "md", now=resolved_at + timedelta(hours=1))
    )
    if os.environ.get("WARROOM_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(golden, encoding="utf-8")
    assert golden == GOLDEN.read_text(encoding="utf-8")
    from tests.incident.test_export import lint, parse_gantt

    assert lint(golden, tmp_path) == ""
    tasks = parse_gantt(golden)
    assert {t["name"] for t in tasks} >= {"HighErrorRate", "Fix applied", "Service restored"}


async def _incident(store_path: str) -> Incident:
    store = open_store(store_path)
    await store.open()
    try:
        (summary,) = await store.incidents()
        return Incident.from_entries(await store.entries(summary.id))
    finally:
        await store.close()
