"""Four eyes between two consoles on a real PostgreSQL: two apps in one process (Pilot), each on
its own store instance, `four_eyes = true`. Alice runs a destructive runbook step (a real
shell `rm`); it waits, "awaiting approval", in the shared log; Bob's console is told and
approves with `A`; only then does the step run, once, and its entry names both."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.notifications import Notify

from tests.ui.factory import FIXED_TIME, choose, screen_text
from tests.ui.fakes import FakeAlertSource, make_alert
from warroom.config import Settings
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import EntryKind
from warroom.domain.ports import Sources
from warroom.services.incident_log import IncidentLog
from warroom.services.runbook_library import load_library
from warroom.sources.executors.shell import ShellExecutor
from warroom.stores.postgres import PostgresStore
from warroom.ui.app import WarRoomApp, build_app
from warroom.ui.context import ConsoleContext
from warroom.ui.dialogs.prompts import Choose, TextPrompt
from warroom.ui.screens.war_room import WarRoomScreen


def _console(
    dsn: str, tmp: Path, author: str, runbooks: Path, said: list[str]
) -> tuple[WarRoomApp, Any]:
    alert = make_alert("ReplicaBroken", "critical", FIXED_TIME, service="db")
    ctx = ConsoleContext(
        settings=Settings(four_eyes=True),
        sources=Sources(
            environment="prod-eu",
            alert_sources=[FakeAlertSource([alert])],
            executors=[ShellExecutor()],
        ),
        clock=FrozenClock(FIXED_TIME),
        library=load_library([runbooks]),
        store=PostgresStore(dsn, tmp / f"{author}.db", timeout_s=3),
        author=author,
    )

    def hook(message: object) -> None:
        if isinstance(message, Notify):
            said.append(message.notification.message)

    return build_app(ctx, boot=False), hook


async def _until(pilots: list[Any], done: Callable[[], bool]) -> None:
    for _ in range(500):  # a hang guard, not a timing assertion
        if done():
            return
        for pilot in pilots:
            await pilot.pause(0.02)
    raise AssertionError("never happened")


def _room(app: WarRoomApp) -> WarRoomScreen:
    return next(s for s in app.screen_stack if isinstance(s, WarRoomScreen))


def _kinds(app: WarRoomApp, kind: EntryKind) -> list[Any]:
    incident = _room(app).incident_log.incident
    return [e for e in incident.entries if e.kind is kind] if incident else []


async def test_a_destructive_step_waits_for_the_other_console_to_approve(
    postgres_dsn: str, tmp_path: Path
) -> None:
    marker = tmp_path / "replica.lock"
    marker.write_text("held\n")
    runbooks = tmp_path / "runbooks"
    runbooks.mkdir()
    (runbooks / "replica.md").write_text(
        f"# ReplicaBroken\n\n## Mitigation\n\nDrop the lock:\n\n```bash\nrm {marker}\n```\n"
    )
    seed = PostgresStore(postgres_dsn, tmp_path / "seed.db", timeout_s=3)
    await seed.open()
    await IncidentLog(seed, FrozenClock(FIXED_TIME), "alice@one").declare("Replica broken", "P1")
    await seed.close()
    alice_said: list[str] = []
    bob_said: list[str] = []
    alice, alice_hook = _console(postgres_dsn, tmp_path, "alice@one", runbooks, alice_said)
    bob, bob_hook = _console(postgres_dsn, tmp_path, "bob@two", runbooks, bob_said)
    async with (
        alice.run_test(size=(200, 60), message_hook=alice_hook) as pa,
        bob.run_test(size=(200, 60), message_hook=bob_hook) as pb,
    ):
        both = [pa, pb]
        await _until(both, lambda: _room(alice).incident_log.incident is not None)
        await _until(both, lambda: _room(bob).incident_log.incident is not None)
        await _until(both, lambda: _room(alice).query_one("RunbookPane").section is not None)
        await pa.press("enter")  # to the runbook
        await pa.press("enter")  # run its step: destructive, so type the target
        await _until(both, lambda: isinstance(alice.screen, TextPrompt))
        prompt = alice.screen
        assert isinstance(prompt, TextPrompt) and prompt.must_equal
        prompt.query_one("Input").value = prompt.must_equal  # type: ignore[attr-defined]
        await pa.press("enter")
        await _until(both, lambda: bool(_kinds(bob, EntryKind.APPROVAL)))
        await _until(both, lambda: any("asks a second person to approve" in m for m in bob_said))
        assert marker.exists() and not _kinds(alice, EntryKind.STEP_RUN)  # waiting, not run
        # the asking console's own log pane says it is waiting (seen missing in a trial)
        await _until(both, lambda: "Awaiting approval" in screen_text(alice))
        [asked] = _kinds(bob, EntryKind.APPROVAL)
        assert asked.data["command"] == f"rm {marker}" and asked.data["environment"] == "prod-eu"

        await pa.press("A")  # alice may not approve her own step
        await _until(both, lambda: isinstance(alice.screen, Choose))
        await choose(pa, alice, "approve")
        await _until(both, lambda: any("self-approval" in m for m in alice_said))
        assert marker.exists()

        await pb.press("A")  # bob sees the exact command, target and environment
        await _until(both, lambda: isinstance(bob.screen, Choose))
        shown = bob.screen.title_text  # type: ignore[attr-defined]
        assert f"rm {marker}" in shown and "prod-eu" in shown and "alice@one" in shown
        await choose(pb, bob, "approve")
        await _until(both, lambda: bool(_kinds(alice, EntryKind.STEP_RUN)))
        [ran] = _kinds(alice, EntryKind.STEP_RUN)
        assert not marker.exists() and ran.data["exit_code"] == 0  # ran once, after approval
        assert ran.data["requested_by"] == "alice@one" and ran.data["approved_by"] == "bob@two"
        states = sorted(e.data["state"] for e in _kinds(alice, EntryKind.APPROVAL))
        assert states == ["approved", "refused", "requested"]  # (frozen clocks: any order)
