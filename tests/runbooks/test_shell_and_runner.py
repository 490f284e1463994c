"""The shell executor with real subprocesses, and the runner's safety gate."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.runbooks.helpers import Sink, rendered, step
from warroom.domain.errors import RunbookError
from warroom.domain.incident import EntryKind
from warroom.domain.placeholders import render_step
from warroom.domain.runbooks import Risk, StepKind
from warroom.services.steps import StepRunner, step_entry
from warroom.sources.executors.process_tree import alive
from warroom.sources.executors.shell import ShellExecutor


async def test_exit_code_and_streamed_output() -> None:
    sink = Sink()
    result = await ShellExecutor().execute(
        rendered("echo one; echo two >&2; printf three; exit 3"), sink, 10
    )
    assert result.exit_code == 3 and not result.ok
    assert sink.lines == ["one", "two", "three"]
    assert result.output == "one\ntwo\nthree"
    assert result.executor == "shell"


async def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    cmd = f"sleep 300 & echo $! > {pidfile}; trap '' TERM; sleep 300"
    result = await ShellExecutor().execute(rendered(cmd), Sink(), 0.5)
    assert result.timed_out and result.exit_code is None
    child = int(pidfile.read_text())
    for _ in range(50):
        if not alive(child):
            break
        await asyncio.sleep(0.1)
    assert not alive(child)


async def test_cancel_kills_and_reports_cancelled(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    sink = Sink()
    task = asyncio.create_task(
        ShellExecutor().execute(
            rendered(f"echo started; echo $$ > {pidfile}; exec sleep 300"), sink, 60
        )
    )
    while not pidfile.exists() or not pidfile.read_text().strip():
        await asyncio.sleep(0.02)
    task.cancel()
    result = await task
    assert result.cancelled and sink.lines[-1] == "[cancelled]"
    assert not alive(int(pidfile.read_text()))


async def test_runner_refusals() -> None:
    shell = [ShellExecutor()]
    viewer = StepRunner(shell, viewer=True, default_timeout_s=5)
    with pytest.raises(RunbookError, match="viewer"):
        await viewer.run(rendered("uptime"), Sink(), confirmed=True)
    runner = StepRunner(shell, viewer=False, default_timeout_s=5)
    with pytest.raises(RunbookError, match="text steps"):
        await runner.run(rendered("uptime", kind=StepKind.TEXT), Sink())
    with pytest.raises(RunbookError, match="confirm"):
        await runner.run(rendered("touch /tmp/x-never"), Sink())
    undo = render_step(step("kubectl rollout undo deployment/<service>"), {"service": "api"})
    assert undo.target == "api"
    with pytest.raises(RunbookError, match="type 'api'"):
        await runner.run(undo, Sink(), confirmed=True)
    with pytest.raises(RunbookError, match="type 'api'"):
        await runner.run(undo, Sink(), confirmed=True, typed_target="worker")
    with pytest.raises(RunbookError, match="no executor"):
        await runner.run(rendered("SELECT 1", kind=StepKind.SQL), Sink())


async def test_runner_runs_read_at_once_and_write_when_confirmed(tmp_path: Path) -> None:
    runner = StepRunner([ShellExecutor()], viewer=False, default_timeout_s=5)
    read = await runner.run(rendered("echo looked"), Sink())
    assert read.ok and read.output == "looked\n"
    marker = tmp_path / "written"
    write = rendered(f"touch {marker}")
    assert write.risk is Risk.WRITE
    result = await runner.run(write, Sink(), confirmed=True)
    assert result.ok and marker.exists()


async def test_destructive_runs_with_the_typed_target(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    r = render_step(step("rm -r <path>"), {}, {"path": str(victim)})
    assert r.risk is Risk.DESTRUCTIVE and r.target == str(victim)
    runner = StepRunner([ShellExecutor()], viewer=False, default_timeout_s=5)
    result = await runner.run(r, Sink(), typed_target=str(victim))
    assert result.ok and not victim.exists()


async def test_step_timeout_from_the_runbook_wins() -> None:
    runner = StepRunner([ShellExecutor()], viewer=False, default_timeout_s=60)
    from dataclasses import replace

    quick = replace(rendered("sleep 30").step, risk=Risk.READ, timeout_s=0.3)
    result = await runner.run(render_step(quick, {}), Sink())
    assert result.timed_out


async def test_step_entry_records_the_run() -> None:
    lines = "\n".join(f"line {n}" for n in range(40))
    r = rendered(f"printf '{lines}\\n'")
    runner = StepRunner([ShellExecutor()], viewer=False, default_timeout_s=5)
    result = await runner.run(r, Sink())
    now = datetime(2025, 1, 10, 3, 0, tzinfo=UTC)
    entry = step_entry("INC-1", r, result, author="alice", now=now)
    assert entry.kind is EntryKind.STEP_RUN and entry.author == "alice" and entry.at == now
    assert entry.text.startswith("ran `printf") and "→ exit 0 in" in entry.text
    data = entry.data
    assert data["command"] == r.command and data["exit_code"] == 0 and data["risk"] == "read"
    assert data["kind"] == "shell" and data["executor"] == "shell"
    assert data["output_head"][0] == "line 0" and data["output_tail"][-1] == "line 39"
    assert len(data["output_head"]) == 10 and len(data["output_tail"]) == 10
    assert data["output"] == result.output
    assert entry.to_dict()["data"]["duration_s"] >= 0


def test_step_entry_caps_the_output() -> None:
    from warroom.domain.ports import StepResult

    big = "x" * (300 * 1024)
    entry = step_entry(
        "I", rendered("yes"), StepResult(0, 1.0, big), author="a", now=datetime.now(UTC)
    )
    assert len(entry.data["output"].encode()) < 257 * 1024
    assert "bytes cut" in entry.data["output"]
