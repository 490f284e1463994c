"""What can go wrong with a store file, named plainly: corrupt, disk full, read-only.

A commander at 3 a.m. must see "DISK FULL" and not "cannot rollback - no transaction is
active", and a corrupt file must be noticed at open, not used silently until a query fails.
"""

from __future__ import annotations

import errno
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

DISK_FULL = "DISK FULL"
READ_ONLY = "READ-ONLY"

_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_FULL, _SQLITE_CANTOPEN = 3, 8, 13, 14


def storage_problem(exc: BaseException | None) -> str | None:
    """DISK_FULL or READ_ONLY when `exc` (or what caused it) is one of those, else None."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, sqlite3.Error):
            code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
            if code == _SQLITE_FULL:
                return DISK_FULL
            if code in (_SQLITE_READONLY, _SQLITE_PERM):
                return READ_ONLY
            text = str(exc).lower()
            if "disk is full" in text or "disk full" in text:
                return DISK_FULL
            if "readonly" in text or "read-only" in text:
                return READ_ONLY
        if isinstance(exc, OSError):
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                return DISK_FULL
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                return READ_ONLY
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def quick_check(conn: sqlite3.Connection) -> str | None:
    """None when the file is sound; else the first problem `PRAGMA quick_check` reports."""
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed"
        return str(exc) or type(exc).__name__
    if rows and rows[0][0] == "ok":
        return None
    return "; ".join(str(r[0]) for r in rows[:3]) or "quick_check gave no answer"


def set_aside(path: Path, now: datetime | None = None) -> Path:
    """Rename a corrupt store (and its -wal/-shm) out of the way; returns the new name."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    path.rename(target)
    return target
