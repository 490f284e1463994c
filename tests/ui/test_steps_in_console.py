"""Run runbook steps from the console: read on enter, write after y; both land in the log."""

from __future__ import annotations

from warroom.domain.incident import EntryKind
from warroom.domain.runbooks import Risk
from warroom.ui.dialogs.prompts import Confirm
from warroom.ui.regions.log.view import IncidentLogView
from warroom.ui.regions.runbook.pane import RunbookPane


async def _settle(pilot, app) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_drill_read_then_write_step_are_logged(make_app, drill_sources) -> None:
    sources, clock = drill_sources("service-down", seed=1)
    app = make_app(sources, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        pane = app.screen.query_one(RunbookPane)
        assert pane.section is not None and "ServiceDown" in pane.section.alerts
        await pilot.press("enter")  # on the alert: open its runbook
        assert app.focused is pane.steps
        steps = pane.section.steps
        read_index = next(i for i, s in enumerate(steps) if s.risk is Risk.READ and s.kind.runnable)
        write_index = next(
            i for i, s in enumerate(steps) if s.risk is Risk.WRITE and "restart" in s.command
        )
        pane.highlight_step(read_index)
        await pilot.press("enter")
        await _settle(pilot, app)
        pane.highlight_step(write_index)
        await pilot.press("enter")
        assert isinstance(app.screen, Confirm)
        assert "restart api" in app.screen.detail  # the final command, placeholders filled
        await pilot.press("y")
        await _settle(pilot, app)
        runs = [e for e in app.screen.incident_log.pre_incident if e.kind is EntryKind.STEP_RUN]
        assert len(runs) == 2
        assert all(e.data["exit_code"] == 0 for e in runs)
        assert "restart api" in runs[1].data["command"] and runs[1].data["output"]
        shown = "\n".join(app.screen.query_one(IncidentLogView).texts)
        assert shown.count("exit 0") >= 2


async def test_step_output_is_kept_and_searchable(make_app, drill_sources) -> None:
    from warroom.ui.dialogs.prompts import EditText, TextPrompt

    sources, clock = drill_sources("service-down", seed=1)
    app = make_app(sources, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("enter")
        pane = app.screen.query_one(RunbookPane)
        for index in (0, 1):
            pane.highlight_step(index)
            await pilot.press("enter")
            await _settle(pilot, app)
        assert sum(line.startswith("$ ") for line in pane.transcript) == 2
        await pilot.press("slash")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"exit 0", "enter")
        await pilot.pause()
        assert isinstance(app.screen, EditText)
        found = app.screen.text
        assert found.count("$ ") == 2 and found.count("exit 0") == 2
