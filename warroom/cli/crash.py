"""When the console itself fails: one line on the terminal, the whole trace in a file.

A traceback on a shared tmux screen at 3 a.m. helps no one and may show secrets; the commander
needs to know it crashed, that the exit status says so, and where the details are for later.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from warroom.domain.redaction import redact
from warroom.domain.untrusted import clip, one_line

EXIT_CRASH = 70  # EX_SOFTWARE: an internal error, not a usage or config problem
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left


class ConsoleCrashed(Exception):
    """The Textual app stopped on an unhandled error (kept as `__cause__`)."""


def raise_if_crashed(app: Any) -> None:
    """After `app.run()`: Textual keeps the first unhandled error instead of raising it."""
    error = getattr(app, "_exception", None)
    if error is not None:
        raise ConsoleCrashed(str(error)) from error


def write_trace(error: BaseException, where: Path | None = None) -> Path:
    """The redacted trace in the state dir (or the temp dir if that is not writable)."""
    from warroom.paths import user_state_dir

    text = redact("".join(traceback.format_exception(error)))
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
    for folder in (where or user_state_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    raise OSError("nowhere to write the crash trace")


def report_crash(error: BaseException, where: Path | None = None) -> int:
    cause = error.__cause__ if isinstance(error, ConsoleCrashed) and error.__cause__ else error
    summary = clip(one_line(redact(f"{type(cause).__name__}: {cause}")), 300)
    try:
        place = f"full trace in {write_trace(cause, where)}"
    except OSError:
        place = "the trace could not be written"
    print(f"warroom: crashed: {summary} ({place})", file=sys.stderr)
    return EXIT_CRASH


def quiet_broken_pipe() -> int:
    """The reader of stdout went away (`| head`): stop without a traceback, and make sure the
    interpreter's own flush at exit does not print one either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_BROKEN_PIPE
