"""Four eyes on a real PostgreSQL: two consoles as two pipelines and incident logs over two
store instances (one per console, as two processes would have), without Textual. A real shell
runs the step, so "ran once, and only after the approval" is read from what it wrote."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.incident.conftest import wait_until
from warroom.domain.approvals import ApprovalState
from warroom.domain.clock import FrozenClock
from warroom.domain.errors import RunbookError, WarroomError
from warroom.domain.incident import Entry, EntryKind
from warroom.domain.ports import RenderedStep
from warroom.domain.runbooks import Risk, Step, StepKind
from warroom.services.approvals import ApprovalDesk
from warroom.services.incident_log import IncidentLog
from warroom.services.step_pipeline import StepPipeline
from warroom.sources.executors.shell import ShellExecutor
from warroom.stores.postgres import PostgresStore

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@dataclass
class Console:
    person: str
    store: PostgresStore
    clock: FrozenClock
    log: IncidentLog
    desk: ApprovalDesk


@pytest.fixture
async def consoles(postgres_dsn: str, tmp_path: Path) -> AsyncIterator[dict[str, Console]]:
    """alice (declares), bob, and alice again at another console, each on its own store."""
    made: dict[str, Console] = {}
    for name, person in (("alice", "alice@one"), ("bob", "bob@two"), ("alice2", "alice@laptop")):
        store = PostgresStore(postgres_dsn, tmp_path / f"{name}.db", timeout_s=3)
        await store.open()
        clock = FrozenClock(T0)
        log = IncidentLog(store, clock, person)
        desk = ApprovalDesk(
            log, store, clock, person, "prod", enabled=True, shared=store.shared, poll_s=0.05
        )
        made[name] = Console(person, store, clock, log, desk)
    await made["alice"].log.declare("Primary database down", "P1")
    for name in ("bob", "alice2"):
        await made[name].log.resume()
    try:
        yield made
    finally:
        for console in made.values():
            await console.store.close()


def _step(out: Path) -> RenderedStep:
    command = f"echo ran >> {out}"
    step = Step(StepKind.SHELL, command, 1, risk=Risk.DESTRUCTIVE, description="drop the replica")
    return RenderedStep(step=step, command=command, target="db-0")


def _pipeline(console: Console) -> StepPipeline:
    return StepPipeline(
        [ShellExecutor()], console.clock, console.person, viewer=False, approvals=console.desk
    )


async def _stored(console: Console) -> list[Entry]:
    incident = console.log.incident
    assert incident is not None
    return [e for e in await console.store.entries(incident.id) if e.kind is EntryKind.APPROVAL]


async def _asked(console: Console) -> None:
    await wait_until(lambda: len(console.desk.waiting()) == 1)


async def test_a_destructive_step_runs_only_after_a_second_person_approves(
    consoles: dict[str, Console], tmp_path: Path
) -> None:
    alice, bob = consoles["alice"], consoles["bob"]
    out = tmp_path / "ran.txt"
    rendered = _step(out)
    pipeline = _pipeline(alice)
    said: list[str] = []
    run = asyncio.create_task(pipeline.run(rendered, said.append, confirmed=True, typed="db-0"))
    await _asked(bob)  # the request reached bob's console through the store
    [request] = bob.desk.waiting()
    assert request.command == rendered.command and request.target == "db-0"
    assert request.environment == "prod" and request.requested_by == "alice@one"
    await asyncio.sleep(0.3)  # alice's pipeline is waiting, not running
    assert not out.exists() and not run.done()
    _later(alice, bob)
    await bob.desk.answer(request, approve=True)
    result = await asyncio.wait_for(run, 20)
    assert result.exit_code == 0
    assert out.read_text() == "ran\n"  # ran once, after the approval
    entry = pipeline.record(alice.log.incident.id, rendered, result)  # type: ignore[union-attr]
    assert entry.data["requested_by"] == "alice@one" and entry.data["approved_by"] == "bob@two"
    assert "alice@one" in entry.text and "bob@two" in entry.text
    states = [e.data["state"] for e in await _stored(alice)]
    assert states == [ApprovalState.REQUESTED, ApprovalState.APPROVED]
    assert any("awaiting approval" in line for line in said)


async def test_self_approval_is_refused_and_logged_then_a_decline_stops_the_step(
    consoles: dict[str, Console], tmp_path: Path
) -> None:
    alice, alice2, bob = consoles["alice"], consoles["alice2"], consoles["bob"]
    out = tmp_path / "ran.txt"
    run = asyncio.create_task(
        _pipeline(alice).run(_step(out), lambda _: None, confirmed=True, typed="db-0")
    )
    await _asked(alice2)
    [request] = alice2.desk.waiting()
    _later(*consoles.values())
    with pytest.raises(WarroomError, match="self-approval"):
        await alice2.desk.answer(request, approve=True)  # alice, from her other console
    # an approval entry written past that check (an older console, a hand-made one) is
    # refused by the requester too, and that refusal is logged as well
    _later(*consoles.values())
    forged = {"state": "approved", "request": request.entry_id, "command": request.command}
    await alice2.log.write(EntryKind.APPROVAL, "approved", forged)
    await wait_until(lambda: sum(_refused(e) for e in alice.log.incident.entries) == 2)  # type: ignore[union-attr]
    assert not out.exists() and not run.done()
    _later(*consoles.values())
    await bob.desk.answer(request, approve=False)
    with pytest.raises(RunbookError, match="declined by bob@two"):
        await asyncio.wait_for(run, 20)
    assert not out.exists()
    stored = await _stored(bob)
    refused = [e for e in stored if _refused(e)]
    assert len(refused) == 2 and all("self-approval" in e.data["reason"] for e in refused)
    assert stored[-1].data["state"] == ApprovalState.DECLINED


async def test_an_expired_request_is_refused_and_logged(
    consoles: dict[str, Console], tmp_path: Path
) -> None:
    alice, bob = consoles["alice"], consoles["bob"]
    out = tmp_path / "ran.txt"
    run = asyncio.create_task(
        _pipeline(alice).run(_step(out), lambda _: None, confirmed=True, typed="db-0")
    )
    await _asked(bob)
    [request] = bob.desk.waiting()
    for console in (alice, bob):
        console.clock.advance(5 * 60 + 1)  # the injected clocks: five minutes and a second
    with pytest.raises(RunbookError, match="within 5 minutes"):
        await asyncio.wait_for(run, 20)
    _later(bob)
    with pytest.raises(WarroomError, match="older than 5 minutes"):
        await bob.desk.answer(request, approve=True)
    assert not out.exists()
    await wait_until(lambda: len(bob.log.incident.entries) >= 4)  # type: ignore[union-attr]
    states = [e.data["state"] for e in await _stored(alice)]
    assert states == [ApprovalState.REQUESTED, ApprovalState.EXPIRED, ApprovalState.REFUSED]
    assert bob.desk.waiting() == []


async def test_a_mistyped_target_is_refused_before_anyone_is_asked(
    consoles: dict[str, Console], tmp_path: Path
) -> None:
    with pytest.raises(RunbookError):
        await _pipeline(consoles["alice"]).run(
            _step(tmp_path / "x"), lambda _: None, confirmed=True, typed="db-1"
        )
    assert await _stored(consoles["alice"]) == []


def _later(*consoles: Console) -> None:
    """A few seconds pass on every console's clock (a person reads, then answers)."""
    for console in consoles:
        console.clock.advance(5)


def _refused(entry: Entry) -> bool:
    return entry.kind is EntryKind.APPROVAL and entry.data.get("state") == ApprovalState.REFUSED


async def test_a_cancelled_wait_withdraws_the_request(
    consoles: dict[str, Console], tmp_path: Path
) -> None:
    alice, bob = consoles["alice"], consoles["bob"]
    out = tmp_path / "ran.txt"
    run = asyncio.create_task(
        _pipeline(alice).run(_step(out), lambda _: None, confirmed=True, typed="db-0")
    )
    await _asked(bob)
    _later(alice, bob)
    run.cancel()  # ctrl+c on alice's console while it waits
    with pytest.raises(asyncio.CancelledError):
        await run
    await wait_until(lambda: bob.desk.waiting() == [])  # bob's console no longer offers it
    states = [e.data["state"] for e in await _stored(bob)]
    assert states == [ApprovalState.REQUESTED, ApprovalState.WITHDRAWN]
    assert not out.exists()
