"""This console's own identity: an id made at its first start and kept in its own state file.

Two consoles on one host as one user must never share an outbox (one would flush the other's
queued entries, and neither would hear the other's). So each id file is held with an exclusive
lock for as long as the console runs: a console takes the first id nobody holds (a restarted
console usually finds its own again, with its queue), and when every one is held it makes a new
one. The lock goes with the process, so a crashed console frees its id.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(slots=True)
class ConsoleIdentity:
    """The id and the open, locked file that keeps it ours (`release` on exit)."""

    id: str
    path: Path
    fd: int | None

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


def claim_console_id(state_dir: Path) -> ConsoleIdentity:
    """The first free id under `state_dir`, or a new one; without file locks (no `fcntl`), a
    fresh id every start."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not a POSIX system
        return ConsoleIdentity(uuid.uuid4().hex, state_dir, None)
    state_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(state_dir.glob("console-*.id")):
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # another console runs with it
        text = os.read(fd, 64).decode("ascii", "replace").strip()
        if _ID.match(text):
            return ConsoleIdentity(text, path, fd)
        os.close(fd)  # damaged: leave it, make a new one
    new = uuid.uuid4().hex
    final = state_dir / f"console-{new}.id"
    temp = state_dir / f".console-{new}.tmp"
    fd = os.open(temp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # locked before anyone can see it
        os.write(fd, new.encode() + b"\n")
        os.fsync(fd)
        os.replace(temp, final)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return ConsoleIdentity(new, final, fd)
