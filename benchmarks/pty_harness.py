"""Run a terminal app in a real pseudo-terminal and watch what it writes, as a user's terminal would.

Benchmarks of the console must see the same bytes an SSH link or tmux sees, so the app is started
on the slave side of a pty (sized with TIOCSWINSZ, TERM=xterm-256color) and a reader thread drains
the master side continuously, timestamping every chunk. Nothing here imports Textual: the harness
measures any program, and the measured program pays for its own imports.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

COLS = 160
ROWS = 48

# Escape sequences a terminal would interpret rather than show: CSI, OSC, DCS/APC/PM/SOS strings,
# and two-byte ESC sequences. Removing them leaves the text a reader would see on screen.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[P_^X][^\x1b]*\x1b\\"
    r"|\x1b[@-Z\\-_]"
    r"|\x1b[ -/]+[0-~]"
)

KEY_DOWN = b"\x1b[B"
KEY_UP = b"\x1b[A"

_CLK_TCK = os.sysconf("SC_CLK_TCK")
_MAX_KEPT = 8 * 1024 * 1024  # raw output kept for marker searches; older output is dropped


def strip_ansi(text: str) -> str:
    """The visible text of terminal output, for finding a marker split by style changes."""
    return _ANSI.sub("", text)


def terminal_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a plain 256-colour terminal, without settings that change how Textual
    draws (devtools, forced sizes, NO_COLOR) inherited from whoever runs the benchmark."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TEXTUAL") and k not in {"COLUMNS", "LINES", "NO_COLOR", "TMUX"}
    }
    env["TERM"] = "xterm-256color"
    env.setdefault("LANG", "C.UTF-8")
    env["PYTHONUNBUFFERED"] = "1"
    if extra:
        env.update(extra)
    return as_installed(env)


_PYCACHE: list[str] = []  # this benchmark process's bytecode folder, made on first use


def as_installed(env: dict[str, str]) -> dict[str, str]:
    """`env` for a child interpreter that loads bytecode as an installed console does.

    An inherited PYTHONDONTWRITEBYTECODE makes every spawn compile warroom from source (about
    150 ms of a console start here), while the peer's Textual loads the bytecode its install
    wrote: a wheel install compiles warroom's too. The bytecode goes to one temporary folder
    per benchmark process (PYTHONPYCACHEPREFIX, so nothing is written into the tree), filled
    by the unrecorded warm-up spawns and removed at exit."""
    if not _PYCACHE:
        folder = tempfile.mkdtemp(prefix="bench-pycache-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _PYCACHE.append(folder)
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = _PYCACHE[0]
    return env


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children, from /proc, without psutil.

    Waited-for children are in cutime/cstime of the parent; live descendants are added from
    their own stat files, so a helper subprocess cannot hide its cost.
    """
    total = 0.0
    for p in [pid, *_descendants(pid)]:
        fields = _stat_fields(p)
        if fields is None:
            continue
        # After "pid (comm)": field 14 utime, 15 stime, 16 cutime, 17 cstime (1-based, man 5 proc).
        utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
        total += (utime + stime + cutime + cstime) / _CLK_TCK
    return total


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # comm may contain spaces and parentheses: split after its last ")".
    return raw[raw.rindex(")") + 2 :].split()


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    stack = [pid]
    while stack:
        current = stack.pop()
        for children_file in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                for child in children_file.read_text().split():
                    found.append(int(child))
                    stack.append(int(child))
    return found


@dataclass(frozen=True, slots=True)
class IdleSample:
    """What a program cost while nobody touched it."""

    seconds: float
    cpu_seconds: float
    bytes_written: int
    frames: int = 0  # bursts of output separated by quiet, roughly one per repaint
    repaints: tuple[Repaint, ...] = ()

    def hot_rows(self, share: float = 0.5) -> frozenset[int]:
        """Rows redrawn by at least `share` of the repaints: what keeps the link busy."""
        counts: dict[int, int] = {}
        for repaint in self.repaints:
            for r in repaint.rows:
                counts[r] = counts.get(r, 0) + 1
        return frozenset(r for r, n in counts.items() if n >= share * len(self.repaints))

    @property
    def cpu_percent(self) -> float:
        """Percent of one core."""
        return 100.0 * self.cpu_seconds / self.seconds if self.seconds > 0 else 0.0

    @property
    def bytes_per_second(self) -> float:
        return self.bytes_written / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Repaint:
    """One burst of output: when, how big, and which screen rows it moved the cursor to."""

    at: float
    nbytes: int
    rows: frozenset[int]


_MOVE_TO = re.compile(rb"\x1b\[(\d+)(?:;(\d+))?H")


def rows_touched(raw: bytes) -> frozenset[int]:
    """Screen rows (1-based) an update writes to, from its cursor moves: Textual positions
    the cursor before every changed line, so this says which regions were redrawn."""
    return frozenset(int(m.group(1)) for m in _MOVE_TO.finditer(raw))


def describe_rows(rows: Sequence[int] | frozenset[int]) -> str:
    """1,2,3,7,8 -> "1-3, 7-8"."""
    spans: list[list[int]] = []
    for r in sorted(rows):
        if spans and r == spans[-1][1] + 1:
            spans[-1][1] = r
        else:
            spans.append([r, r])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)


class MarkerTimeout(RuntimeError):
    """The program never showed what we waited for; carries the tail of what it did show."""


class PtyApp:
    """One program running in its own pseudo-terminal, its output drained and timestamped.

    Use as a context manager; on exit the program is terminated (SIGTERM, then SIGKILL) and
    the pty closed, so a hung app cannot outlive the benchmark.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cols: int = COLS,
        rows: int = ROWS,
        cwd: str | os.PathLike[str] | None = None,
    ) -> None:
        self.argv = list(argv)
        self.env = dict(env) if env is not None else terminal_env()
        self.cols = cols
        self.rows = rows
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.spawned_at = 0.0
        self._master = -1
        self._raw = bytearray()
        self._raw_offset = 0  # bytes dropped from the front of _raw
        self._total = 0
        self._chunks: list[tuple[float, int]] = []  # (perf_counter, total bytes after chunk)
        self._cond = threading.Condition()
        self._reader: threading.Thread | None = None
        self._closed = False

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> PtyApp:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))
        self._master = master
        self.spawned_at = time.perf_counter()
        try:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                preexec_fn=_take_controlling_tty,
                close_fds=True,
            )
        finally:
            os.close(slave)
        self._reader = threading.Thread(target=self._drain, name="pty-drain", daemon=True)
        self._reader.start()
        return self

    def __enter__(self) -> PtyApp:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self, timeout: float = 3.0) -> None:
        """Terminate the program's whole session and release the pty."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout)
        self._closed = True
        if self._reader is not None:
            self._reader.join(timeout)
        if self._master >= 0:
            with contextlib.suppress(OSError):
                os.close(self._master)
            self._master = -1

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    def _drain(self) -> None:
        """Read everything the program writes, as fast as it writes it (a terminal never
        blocks an app; a full pty buffer would)."""
        fd = self._master
        while not self._closed:
            try:
                ready, _, _ = select.select([fd], [], [], 0.05)
            except (OSError, ValueError):
                break
            if not ready:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the slave side closed (program exited)
                data = b""
            now = time.perf_counter()
            if not data:
                with self._cond:
                    self._closed = True
                    self._cond.notify_all()
                break
            with self._cond:
                self._total += len(data)
                self._chunks.append((now, self._total))
                self._raw += data
                if len(self._raw) > _MAX_KEPT:
                    drop = len(self._raw) - _MAX_KEPT // 2
                    del self._raw[:drop]
                    self._raw_offset += drop
                self._cond.notify_all()

    # -- observing ------------------------------------------------------------------------
    @property
    def bytes_total(self) -> int:
        with self._cond:
            return self._total

    def raw_output(self, since: int = 0) -> bytes:
        """The bytes written since byte offset `since`, escapes and all, as a terminal got them
        (for tests that check which sequences reached it)."""
        with self._cond:
            return bytes(self._raw[max(0, since - self._raw_offset) :])

    def output_text(self, since: int = 0) -> str:
        """Visible text written since byte offset `since` (escape sequences removed)."""
        return strip_ansi(self.raw_output(since).decode("utf-8", errors="replace"))

    def wait_for_text(self, marker: str, timeout: float, since: int = 0) -> float:
        """Block until `marker` is visible in the output after byte `since`; return the
        perf_counter time of the chunk that completed it."""
        deadline = time.perf_counter() + timeout
        checked_chunks = -1
        while True:
            with self._cond:
                chunks = len(self._chunks)
                last_time = self._chunks[-1][0] if self._chunks else 0.0
            if chunks != checked_chunks:
                checked_chunks = chunks
                if marker in self.output_text(since):
                    return last_time
            with self._cond:
                if self._closed and len(self._chunks) == chunks:
                    raise MarkerTimeout(self._failure(marker, "the program exited"))
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    raise MarkerTimeout(self._failure(marker, f"not seen within {timeout:g} s"))
                if len(self._chunks) == chunks:
                    self._cond.wait(min(remaining, 0.1))

    def repaints(self, start: float, end: float, gap_s: float = 0.01) -> list[Repaint]:
        """The bursts of output between two perf_counter times, with the rows each touched."""
        with self._cond:
            # Chunk i covers bytes [total of chunk i-1, total of chunk i) of the whole stream.
            spans = []
            for index, (at, total) in enumerate(self._chunks):
                if not start <= at <= end:
                    continue
                before = self._chunks[index - 1][1] if index else 0
                lo, hi = before - self._raw_offset, total - self._raw_offset
                spans.append((at, bytes(self._raw[max(0, lo) : max(0, hi)]), total - before))
        result: list[Repaint] = []
        burst: list[tuple[float, bytes, int]] = []
        for span in [*spans, None]:
            if burst and (span is None or span[0] - burst[-1][0] > gap_s):
                data = b"".join(b for _, b, _ in burst)
                result.append(Repaint(burst[0][0], sum(n for _, _, n in burst), rows_touched(data)))
                burst = []
            if span is not None:
                burst.append(span)
        return result

    def _failure(self, marker: str, why: str) -> str:
        code = None
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.proc.wait(1.0 if self._closed else 0.0)
        tail = " ".join(self.output_text()[-400:].split())
        status = f"exit code {code}" if code is not None else "still running"
        return f"{marker!r} {why} ({status}); last output: {tail!r}"

    def first_frame_seconds(self, marker: str, timeout: float = 30.0) -> float:
        """Seconds from spawn until `marker` (a text of the first full frame) was written."""
        return self.wait_for_text(marker, timeout) - self.spawned_at

    def settle(self, seconds: float) -> None:
        """Let the program run untouched (its output still drained)."""
        time.sleep(seconds)

    def idle(self, seconds: float) -> IdleSample:
        """CPU and terminal bytes over `seconds` of nobody touching the program."""
        cpu0, bytes0, t0 = cpu_seconds(self.pid), self.bytes_total, time.perf_counter()
        time.sleep(seconds)
        cpu1, bytes1, t1 = cpu_seconds(self.pid), self.bytes_total, time.perf_counter()
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(self._failure("idle", "could not be measured"))
        repaints = self.repaints(t0, t1)
        return IdleSample(
            seconds=t1 - t0,
            cpu_seconds=cpu1 - cpu0,
            bytes_written=bytes1 - bytes0,
            frames=len(repaints),
            repaints=tuple(repaints),
        )

    def press(self, key: bytes, timeout: float = 2.0) -> float | None:
        """Write one key and return seconds until the next output bytes arrived (the frame
        answering it), or None when nothing came within `timeout`."""
        with self._cond:
            seen = len(self._chunks)
        sent = time.perf_counter()
        os.write(self._master, key)
        deadline = sent + timeout
        with self._cond:
            while True:
                for at, _ in self._chunks[seen:]:
                    if at >= sent:
                        return at - sent
                seen = len(self._chunks)
                remaining = deadline - time.perf_counter()
                if remaining <= 0 or self._closed:
                    return None
                self._cond.wait(remaining)

    def write(self, data: bytes) -> None:
        os.write(self._master, data)


def _take_controlling_tty() -> None:
    """In the child, after setsid: make the pty its controlling terminal, as a real terminal
    would, so closing our side hangs it up (SIGHUP) and no orphan outlives the harness."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def python_argv(module: str, *args: str) -> list[str]:
    """Run a module with the same interpreter (and so the same virtualenv) as the harness."""
    return [sys.executable, "-m", module, *args]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m benchmarks.pty_harness -- warroom drill`: watch a program idle and print each
    repaint (bytes, rows), to find what redraws when nothing should."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.pty_harness", description=main.__doc__
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)
    with PtyApp(args.command) as app:
        app.settle(args.warmup)
        sample = app.idle(args.seconds)
    for r in sample.repaints:
        print(f"{r.at - app.spawned_at:8.3f}s {r.nbytes:7d} B  rows {describe_rows(r.rows)}")
    print(
        f"{sample.frames} repaints, {sample.bytes_per_second:,.0f} B/s, "
        f"{sample.cpu_percent:.2f}% of a core; rows in most repaints: "
        f"{describe_rows(sample.hot_rows()) or '-'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
