"""Shell steps: `bash -c` with a clean environment, bounded output, and a kill that ends all.

- The environment is an allow-list (`step_env`): the console's tokens, passwords and DSNs never
  reach a step.
- Output goes through `StepOutput`: lines cut at a cap, batches to the UI at most every 50 ms,
  the full text in a file under the data dir when it does not fit the log entry, everything
  redacted with the run's secrets.
- A timeout or a cancelled task ends every process the step started (`process_tree`): its
  process group, its descendants and anything carrying its marker (`setsid`, `nohup`, double
  forks): TERM, a grace period, then KILL until none is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warroom.domain.errors import SourceUnavailable
from warroom.domain.ports import OutputSink, RenderedStep, StepResult
from warroom.domain.redaction import redact
from warroom.domain.runbooks import StepKind
from warroom.sources.executors import process_tree
from warroom.sources.executors.step_env import step_environment
from warroom.sources.executors.step_output import INTERVAL_S, StepOutput

KILL_GRACE_S = 2.0


@dataclass(frozen=True, slots=True)
class ShellOptions:
    """How shell steps run, shared by every executor that falls back to the shell.

    `env_allow`: extra environment variable names (or `PREFIX_*`) a step may see, on top of
    `step_env.DEFAULT_ALLOW`. `secrets`: exact strings redacted from output. `output_dir`:
    where full outputs too big for a log entry are kept (None: nowhere). `env`: a complete
    environment instead of the allow-listed one (tests, the drill)."""

    shell: str = "bash"
    env_allow: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    output_dir: Path | None = None
    env: dict[str, str] | None = None


def output_options(options: ShellOptions | None, rendered: RenderedStep) -> dict[str, Any]:
    """`StepOutput` settings for an SDK executor's run (same secrets and file place as shell)."""
    opts = options or ShellOptions()
    words = rendered.command.split()
    name = redact(words[0] if words else "step", opts.secrets)
    return {"secrets": opts.secrets, "output_dir": opts.output_dir, "name": name}


def default_output_dir() -> Path:
    from warroom.paths import user_data_dir

    return user_data_dir() / "step-output"


class ShellExecutor:
    """Runs any shell step; the last executor in the routing order."""

    name = "shell"

    def __init__(
        self,
        *,
        shell: str = "bash",
        env: dict[str, str] | None = None,
        env_allow: Iterable[str] = (),
        secrets: Iterable[str] = (),
        output_dir: Path | None = None,
    ) -> None:
        self.options = ShellOptions(shell, tuple(env_allow), tuple(secrets), output_dir, env)

    @classmethod
    def from_options(cls, options: ShellOptions) -> ShellExecutor:
        made = cls()
        made.options = options
        return made

    def handles(self, rendered: RenderedStep) -> bool:
        return rendered.step.kind is StepKind.SHELL

    async def execute(
        self, rendered: RenderedStep, emit: OutputSink, timeout_s: float
    ) -> StepResult:
        return await run_shell(rendered.command, emit, timeout_s, options=self.options)

    def run_attached(self, rendered: RenderedStep) -> StepResult:
        """An interactive step on the terminal while the console is suspended (`attached`)."""
        from warroom.sources.executors.attached import run_attached

        o = self.options
        return run_attached(rendered.command, shell=o.shell, env=o.env, env_allow=o.env_allow)


async def run_shell(
    command: str,
    emit: OutputSink,
    timeout_s: float,
    *,
    options: ShellOptions | None = None,
    executor: str = "shell",
) -> StepResult:
    opts = options or ShellOptions()
    started = time.monotonic()
    marker = process_tree.new_marker()
    env = dict(opts.env) if opts.env is not None else step_environment(opts.env_allow)
    env[process_tree.MARKER] = marker
    starting = asyncio.ensure_future(
        asyncio.create_subprocess_exec(
            opts.shell,
            "-c",
            command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # own session and group: the first thing we can kill
            env=env,
        )
    )
    cancelled = False
    try:
        try:
            proc = await asyncio.shield(starting)
        except asyncio.CancelledError:  # cancelled while starting: start, then end it all
            cancelled = True
            proc = await starting
    except OSError as exc:
        raise SourceUnavailable(f"cannot start {opts.shell}: {exc.strerror or exc}") from exc
    out = StepOutput(
        emit,
        secrets=opts.secrets,
        output_dir=opts.output_dir,
        name=redact(command.split(None, 1)[0] if command.split() else executor, opts.secrets),
    )

    async def pump() -> None:
        assert proc.stdout is not None
        while data := await proc.stdout.read(65536):
            out.feed(data)
            await asyncio.sleep(0)  # a flood never holds the loop: keys get their turn

    async def tick() -> None:
        while True:
            await asyncio.sleep(INTERVAL_S)
            out.flush_due()

    reader = asyncio.ensure_future(pump())
    ticker = asyncio.ensure_future(tick())
    timed_out = False
    try:
        if not cancelled:
            await asyncio.wait_for(asyncio.shield(_wait(proc, reader)), timeout_s)
    except TimeoutError:
        timed_out = True
    except asyncio.CancelledError:
        cancelled = True
    if cancelled or timed_out:
        await asyncio.shield(_end_everything(proc, marker, reader))
        if cancelled:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # we handled it: report a cancelled result instead
    ticker.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await ticker
    out.close()
    if cancelled or timed_out:
        out.note("[cancelled]" if cancelled else f"[timed out after {timeout_s:g} s: killed]")
    return StepResult(
        exit_code=None if (cancelled or timed_out) else proc.returncode,
        duration_s=time.monotonic() - started,
        output=out.output,
        cancelled=cancelled,
        timed_out=timed_out,
        executor=executor,
        error=None,
        output_file=out.file,
    )


async def _wait(proc: asyncio.subprocess.Process, reader: asyncio.Future[None]) -> None:
    await reader
    await proc.wait()


async def _end_everything(
    proc: asyncio.subprocess.Process, marker: str, reader: asyncio.Future[None]
) -> None:
    """TERM to everything the step started, a grace period, then KILL until none is left."""

    def reaped() -> bool:
        return proc.returncode is not None

    process_tree.signal_step(proc.pid, marker, signal.SIGTERM, shell_reaped=reaped())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + KILL_GRACE_S
    while loop.time() < deadline and process_tree.step_processes(
        proc.pid, marker, shell_reaped=reaped()
    ):
        await asyncio.sleep(0.05)
    await process_tree.kill_all(proc.pid, marker, reaped)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), 5.0)
    try:
        await asyncio.wait_for(reader, 2.0)
    except (TimeoutError, asyncio.CancelledError):
        reader.cancel()
