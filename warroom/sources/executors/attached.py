"""An interactive step on the real terminal: `ssh`, `kubectl exec -it`, `psql`, `less`, `watch`.

The console has suspended itself (the UI's `App.suspend`), so the commander's keyboard and
screen are the command's own stdin/stdout/stderr: nothing is captured (a pager or a REPL needs
the tty) and nothing is timed out (the commander ends it). The environment is the same
allow-list as every shell step. While it runs, ctrl+c belongs to the command: the console's
process (same foreground group) swallows SIGINT instead of dying, and the command gets the
default handler back at exec.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time

from warroom.domain.ports import StepResult
from warroom.sources.executors.step_env import step_environment


def run_attached(
    command: str,
    *,
    shell: str = "bash",
    env: dict[str, str] | None = None,
    env_allow: tuple[str, ...] = (),
    executor: str = "shell",
) -> StepResult:
    """Run `command` in `shell -c` on the inherited terminal; its exit status and duration."""
    environment = dict(env) if env is not None else step_environment(env_allow)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT)
    if main:
        signal.signal(signal.SIGINT, lambda *_: None)
    started = time.monotonic()
    try:
        code = subprocess.run([shell, "-c", command], env=environment, check=False).returncode
    except OSError as exc:
        return StepResult(
            exit_code=None,
            duration_s=time.monotonic() - started,
            error=f"cannot start {shell}: {exc.strerror or exc}",
            executor=executor,
        )
    finally:
        if main:
            signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
    return StepResult(exit_code=code, duration_s=time.monotonic() - started, executor=executor)
