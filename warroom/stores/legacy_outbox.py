"""The one outbox every console on a host shared before consoles had ids: its queued entries
are taken over, once, by the first console that starts (under a lock, so only one does), into
its own outbox, and the old file is removed. The entries keep their author and console."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from warroom.domain.errors import StoreError
from warroom.stores.sqlite_log import SqliteLog

log = logging.getLogger(__name__)


def adopt_legacy_outbox(legacy: Path, own: SqliteLog) -> int:
    """Move `legacy`'s entries into `own` (open); returns how many. Another console doing it
    at the same moment, or a file that cannot be read, leaves it for later."""
    if legacy == own.path or not legacy.exists():
        return 0
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not a POSIX system
        return 0
    try:
        fd = os.open(legacy, os.O_RDWR)
    except OSError:
        return 0
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return 0  # another console is taking it over
        if not legacy.exists():
            return 0
        old = SqliteLog(legacy, own.timeout_s)
        try:
            old.open()
            entries = old.all_entries()
            own.append_many(entries)
        except StoreError as exc:
            log.warning("could not take over the shared outbox %s: %s", legacy, exc)
            return 0
        finally:
            old.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(f"{legacy}{suffix}").unlink()
        return len(entries)
    finally:
        os.close(fd)
