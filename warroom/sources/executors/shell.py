"""Shell steps: `bash -c` in its own process group, output streamed line by line.

A timeout or a cancelled task kills the whole group (TERM, then KILL after a grace period),
so `sleep 600 | cat` or a runaway `tail -f` never outlives the step.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time

from warroom.domain.errors import SourceUnavailable
from warroom.domain.ports import OutputSink, RenderedStep, StepResult
from warroom.domain.runbooks import StepKind

KILL_GRACE_S = 2.0
OUTPUT_KEEP = 1024 * 1024


class ShellExecutor:
    """Runs any shell step; the last executor in the routing order."""

    name = "shell"

    def __init__(self, *, shell: str = "bash", env: dict[str, str] | None = None) -> None:
        self.shell = shell
        self.env = env

    def handles(self, rendered: RenderedStep) -> bool:
        return rendered.step.kind is StepKind.SHELL

    async def execute(
        self, rendered: RenderedStep, emit: OutputSink, timeout_s: float
    ) -> StepResult:
        return await run_shell(rendered.command, emit, timeout_s, shell=self.shell, env=self.env)


async def run_shell(
    command: str,
    emit: OutputSink,
    timeout_s: float,
    *,
    shell: str = "bash",
    env: dict[str, str] | None = None,
    executor: str = "shell",
) -> StepResult:
    started = time.monotonic()
    try:
        proc = await asyncio.create_subprocess_exec(
            shell,
            "-c",
            command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # own process group: we can kill everything it started
            env=env,
        )
    except OSError as exc:
        raise SourceUnavailable(f"cannot start {shell}: {exc.strerror or exc}") from exc
    chunks: list[str] = []
    kept = 0

    async def pump() -> None:
        nonlocal kept
        assert proc.stdout is not None
        pending = b""
        while True:
            data = await proc.stdout.read(65536)
            if not data:
                break
            pending += data
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                line = raw.decode("utf-8", "replace").rstrip("\r")
                emit(line)
                if kept < OUTPUT_KEEP:
                    chunks.append(line + "\n")
                    kept += len(line) + 1
        if pending:
            line = pending.decode("utf-8", "replace")
            emit(line)
            chunks.append(line)

    reader = asyncio.ensure_future(pump())
    cancelled = timed_out = False
    try:
        await asyncio.wait_for(asyncio.shield(_wait(proc, reader)), timeout_s)
    except TimeoutError:
        timed_out = True
    except asyncio.CancelledError:
        cancelled = True
    if cancelled or timed_out:
        await asyncio.shield(_kill_group(proc, reader))
        if cancelled:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # we handled it: report a cancelled result instead
        note = "[cancelled]" if cancelled else f"[timed out after {timeout_s:g} s: killed]"
        emit(note)
        chunks.append(note + "\n")
    return StepResult(
        exit_code=None if (cancelled or timed_out) else proc.returncode,
        duration_s=time.monotonic() - started,
        output="".join(chunks),
        cancelled=cancelled,
        timed_out=timed_out,
        executor=executor,
        error=None,
    )


async def _wait(proc: asyncio.subprocess.Process, reader: asyncio.Future[None]) -> None:
    await reader
    await proc.wait()


async def _kill_group(proc: asyncio.subprocess.Process, reader: asyncio.Future[None]) -> None:
    for sig, grace in ((signal.SIGTERM, KILL_GRACE_S), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            await asyncio.wait_for(proc.wait(), grace)
            break
        except TimeoutError:
            continue
    # children that ignored TERM and kept the pipe open: the group KILL ends them too
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    try:
        await asyncio.wait_for(reader, 2.0)
    except (TimeoutError, asyncio.CancelledError):
        reader.cancel()
