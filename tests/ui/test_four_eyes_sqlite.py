"""Four eyes on a store that is not shared (SQLite, one console): the setting says once that it
needs a shared store, and a destructive step keeps the typed confirmation alone and runs.
Four eyes is on by default in production, off elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.notifications import Notify

from tests.ui.factory import FIXED_TIME, build_test_app
from tests.ui.fakes import FakeAlertSource, make_alert
from warroom.domain.incident import EntryKind
from warroom.domain.ports import Sources
from warroom.sources.executors.shell import ShellExecutor
from warroom.ui.dialogs.prompts import TextPrompt

NEEDS_SHARED = "four eyes needs a shared incident store"


def _sources(production: bool) -> Sources:
    alert = make_alert("ReplicaBroken", "critical", FIXED_TIME, service="db")
    return Sources(
        environment="prod" if production else "staging",
        alert_sources=[FakeAlertSource([alert])],
        executors=[ShellExecutor()],
        is_production=production,
    )


@pytest.mark.parametrize(
    ("production", "four_eyes", "said"),
    [(True, None, True), (False, None, False), (False, True, True), (True, False, False)],
)
async def test_the_setting_says_once_that_it_needs_a_shared_store(
    tmp_path: Path, production: bool, four_eyes: bool | None, said: bool
) -> None:
    marker = tmp_path / "replica.lock"
    marker.write_text("held\n")
    runbooks = tmp_path / "runbooks"
    runbooks.mkdir()
    (runbooks / "replica.md").write_text(
        f"# ReplicaBroken\n\n## Mitigation\n\n```bash\nrm {marker}\n```\n"
    )
    notes: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    app = build_test_app(tmp_path, _sources(production), runbooks=[runbooks], four_eyes=four_eyes)
    async with app.run_test(size=(200, 60), message_hook=hook) as pilot:
        for _ in range(200):  # hang guard: until the regions have started
            await pilot.pause(0.02)
            if app.screen.query_one("RunbookPane").section is not None:  # type: ignore[attr-defined]
                break
        await pilot.press("d")
        await pilot.click("#declare-ok")
        await pilot.pause(0.2)
        assert sum(NEEDS_SHARED in n for n in notes) == (1 if said else 0)
        await pilot.press("enter", "enter")  # to the runbook, run its destructive step
        for _ in range(100):
            await pilot.pause(0.02)
            if isinstance(app.screen, TextPrompt):
                break
        prompt = app.screen
        assert isinstance(prompt, TextPrompt) and prompt.must_equal  # typed confirmation
        prompt.query_one("Input").value = prompt.must_equal  # type: ignore[attr-defined]
        await pilot.press("enter")
        for _ in range(250):  # hang guard
            await pilot.pause(0.02)
            if not marker.exists():
                break
        assert not marker.exists()  # ran, with nobody else to ask
        await pilot.pause(0.2)
        incident = app.screen.incident_log.incident  # type: ignore[attr-defined]
        assert not [e for e in incident.entries if e.kind is EntryKind.APPROVAL]
        assert sum(NEEDS_SHARED in n for n in notes) == (1 if said else 0)  # said once
