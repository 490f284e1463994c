"""Everything a step started, found and ended: background jobs, `setsid`, `nohup`, double forks.

A process group kill misses children that left the group (`setsid`, daemons) and a parent walk
misses orphans re-parented to init. So each step's environment carries a marker
(`WARROOM_STEP=<token>`), inherited by everything it starts whatever session or parent it ends
up in; a step's processes are its process group, the descendants of its shell and every process
whose environment holds its marker. Chosen over a cgroup (needs a writable cgroup v2, which
normal users and many CI hosts do not have) and over `PR_SET_CHILD_SUBREAPER` (orphans then
become the console's own children, which asyncio's child watcher does not reap). A program that
clears its whole environment *and* leaves the session is the one case it cannot see.

Linux /proc only; elsewhere the process-group kill is all there is.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import uuid
from collections.abc import Callable

MARKER = "WARROOM_STEP"


def new_marker() -> str:
    return uuid.uuid4().hex


def _stat(pid: int) -> tuple[int, int, str] | None:
    """(parent pid, process group, state) of a live process, None when gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b") ", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), int(fields[2]), fields[0].decode()


def alive(pid: int) -> bool:
    """Running (a zombie is dead for this purpose: it only waits for its parent to reap it)."""
    st = _stat(pid)
    return st is not None and st[2] != "Z"


def _has_marker(pid: int, needle: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            return needle in fh.read().split(b"\0")
    except OSError:
        return False


def step_processes(root: int, marker: str, *, shell_reaped: bool = False) -> set[int]:
    """Live (not zombie) processes belonging to the step whose shell is `root`. Once the shell
    is reaped its pid (and so its group id) may be reused by an unrelated process: from then on
    only the marker and descent from a marked process count."""
    try:
        names = os.listdir("/proc")
    except OSError:
        return set()
    needle = f"{MARKER}={marker}".encode()
    parents: dict[int, int] = {}
    found: set[int] = set()
    me = os.getpid()
    for name in names:
        if not name.isdigit():
            continue
        pid = int(name)
        st = _stat(pid)
        if st is None or st[2] == "Z" or pid == me:
            continue
        parents[pid] = st[0]
        if (not shell_reaped and root in (pid, st[1])) or _has_marker(pid, needle):
            found.add(pid)
    changed = True
    while changed:  # add descendants of anything found (children that cleared the marker)
        changed = False
        for pid, ppid in parents.items():
            if ppid in found and pid not in found:
                found.add(pid)
                changed = True
    return found


def signal_step(root: int, marker: str, sig: int, *, shell_reaped: bool = False) -> int:
    """Send `sig` to the step's process group and every process it owns; how many were hit."""
    if not shell_reaped:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(root, sig)
    hit = 0
    for pid in step_processes(root, marker, shell_reaped=shell_reaped):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)
            hit += 1
    return hit


async def kill_all(root: int, marker: str, reaped: Callable[[], bool], rounds: int = 100) -> bool:
    """SIGKILL until nothing of the step is left alive (it may fork while we kill); True when
    none remain. Zombies count as gone: their parent (or init) collects them. `reaped()` says
    whether the shell's exit status was collected (see `step_processes`)."""
    for _ in range(rounds):
        if not step_processes(root, marker, shell_reaped=reaped()):
            return True
        signal_step(root, marker, signal.SIGKILL, shell_reaped=reaped())
        await asyncio.sleep(0.01)
    return not step_processes(root, marker, shell_reaped=reaped())
