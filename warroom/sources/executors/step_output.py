"""A step's output, bounded: long lines cut, bursts coalesced, the full text kept in a file.

A step that prints 100 MB on one line, or a million short lines, must neither become one huge
log entry nor flood the console's event loop with one message per line. So:
- a line longer than `line_cap` characters is cut, with a marker saying how much was cut and
  where the full output is;
- lines go to `emit` in batches (one string, lines joined by "\\n"), at most every `interval_s`
  and at most `screen_lines` each (a flood's older lines are skipped on screen with a marker,
  and kept in the file): the UI gets at most 20 messages of 1,000 lines a second;
- `output` (what the log entry keeps) holds at most `keep_bytes`; once a line is cut or that is
  exceeded, everything (from the first byte) is written to a file under `output_dir`, named in
  `file`, so nothing the step printed is lost;
- every emitted line, the kept text and the file pass through `redact` with the run's secrets.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from warroom.domain.ports import OutputSink
from warroom.domain.redaction import MASK, redact

LINE_CAP = 4000
KEEP_BYTES = 256 * 1024
INTERVAL_S = 0.05
SCREEN_LINES = 1000  # at most this many lines per batch reach the screen
SCREEN_CHARS = 256 * 1024  # and at most about this much text
_MASK = MASK.encode()
_CHUNK = 64 * 1024  # the most of one line held in memory at a time


class StepOutput:
    """Feed raw bytes in; `flush_due()` on a timer; `close()` at the end."""

    def __init__(
        self,
        emit: OutputSink,
        *,
        secrets: Iterable[str] = (),
        output_dir: Path | None = None,
        name: str = "step",
        line_cap: int = LINE_CAP,
        keep_bytes: int = KEEP_BYTES,
        interval_s: float = INTERVAL_S,
        screen_lines: int = SCREEN_LINES,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._emit = emit
        self.secrets = tuple(secrets)
        self._secret_bytes = sorted(
            {s.encode() for s in self.secrets if len(s) >= 4}, key=len, reverse=True
        )
        self.output_dir = output_dir
        self.name = name
        self.line_cap = line_cap
        self.keep_bytes = keep_bytes
        self.interval_s = interval_s
        self.screen_lines = screen_lines
        self._skipped = 0
        self._batch_chars = 0
        self._now = monotonic
        self._last_emit = monotonic()
        self._batch: list[str] = []
        self._kept: list[str] = []
        self._kept_bytes = 0
        self._truncated = False
        self._pending = b""  # the current line, at most line_cap * 4 + _CHUNK bytes
        self._cut = 0  # bytes of the current line beyond what was shown
        self._fh: BinaryIO | None = None
        self.file = ""
        self.lines = 0
        self.cut_lines = 0

    # ------------------------------------------------------------------ input

    def feed(self, data: bytes) -> None:
        """Raw bytes from the process, in any chunking."""
        while data and self._cut:  # the rest of a line already cut
            nl = data.find(b"\n")
            if nl < 0:
                self._partial(data)
                return
            self._partial(data[:nl])
            self._end_line()
            data = data[nl + 1 :]
        parts = data.split(b"\n")
        tail = parts.pop()
        if parts:
            parts[0] = self._pending + parts[0]
            self._pending = b""
            if max(map(len, parts)) <= self.line_cap:  # no line to cut: all in one go
                self._complete(parts)
            else:
                for raw in parts:
                    self._pending = raw
                    self._end_line()
        if tail:
            self._partial(tail)

    def _complete(self, parts: list[bytes]) -> None:
        """Many short lines at once (a fast stream), in one go and without the redaction rules
        (about 18 ms per 64 KB): the kept text is redacted here (at most `keep_bytes` of it),
        the screen's lines when a batch is emitted (at most `screen_lines`), the file with the
        configured secrets only. So a flood costs the loop about a millisecond per 64 KB."""
        raw = b"\n".join(parts) + b"\n"
        text = raw.decode("utf-8", "replace")
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        lines = text[:-1].split("\n")
        self.lines += len(lines)
        had_file, kept = self._fh is not None, False
        if not self._truncated:
            block = redact(text, self.secrets)
            size = len(block.encode("utf-8", "replace"))
            if self._kept_bytes + size <= self.keep_bytes:
                self._kept.append(block)
                self._kept_bytes += size
                kept = True  # a later spill writes it, if none has yet
            else:
                self._truncated = True
                self._spill()
        if self._fh is not None and (had_file or not kept):
            self._to_file(raw, patterns=False)
        self._batch.extend(lines)
        self._batch_chars += len(text)
        self._bound_batch()

    def _partial(self, data: bytes) -> None:
        if self._cut:  # already cut: the rest of this line goes to the file only
            self._cut += len(data)
            self._to_file(data, patterns=False)
            return
        self._pending += data
        if len(self._pending) > self.line_cap * 4 + _CHUNK:
            self._cut_now()

    def _cut_now(self) -> None:
        """The line is too long to hold: show its start, send the whole of it to the file."""
        self._spill()
        text = self._pending.decode("utf-8", "replace")
        shown = text[: self.line_cap]
        self._to_file(self._pending, patterns=False)
        self._cut = len(self._pending) - len(shown.encode("utf-8", "replace"))
        self._pending = shown.encode("utf-8", "replace")

    def _end_line(self, newline: bool = True) -> None:
        raw, self._pending = self._pending, b""
        text = raw.decode("utf-8", "replace").rstrip("\r")
        if not self._cut and len(text) > self.line_cap:
            self._spill()
            self._to_file(raw, patterns=False)
            self._cut = len(text.encode("utf-8", "replace")) - len(
                text[: self.line_cap].encode("utf-8", "replace")
            )
            text = text[: self.line_cap]
        line = redact(text, self.secrets)
        if self._cut:
            self._to_file(b"\n")
            where = f"full output in {self.file}" if self.file else "no file could be written"
            line += f" … [line cut: {self._cut:,} more bytes; {where}]"
            self.cut_lines += 1
            self._cut = 0
        elif self._fh is not None:
            self._to_file(raw + b"\n")
        self._line(line, newline)

    def _line(self, line: str, newline: bool = True) -> None:
        """One redacted line out: into the batch and what the entry keeps."""
        self.lines += 1
        self._batch.append(_Redacted(line))
        self._batch_chars += len(line) + 1
        self._keep(line + "\n" * newline)
        self._bound_batch()

    def _bound_batch(self) -> None:
        """A screen shows no more than `screen_lines` (and `SCREEN_CHARS`) per interval: older
        lines of a flood are dropped from the batch (counted, and kept in the file) instead of
        queuing for the UI, and the redaction at emit time stays small."""
        over = max(0, len(self._batch) - self.screen_lines)
        chars = self._batch_chars
        while over < len(self._batch) - 1 and chars - _chars(self._batch, over) > SCREEN_CHARS:
            over += max(1, (len(self._batch) - over) // 8)
        over = min(over, len(self._batch) - 1)
        if over > 0:
            self._batch_chars -= _chars(self._batch, over)
            del self._batch[:over]
            self._skipped += over
            self._spill()

    def _keep(self, text: str) -> None:
        if self._truncated:
            return
        size = len(text.encode("utf-8", "replace"))
        if self._kept_bytes + size > self.keep_bytes:
            if not self._truncated:
                self._truncated = True
                had_file = self._fh is not None
                self._spill()
                if not had_file and self._fh is not None:
                    self._fh.write(text.encode("utf-8", "replace"))  # this line, already redacted
            return
        self._kept.append(text)
        self._kept_bytes += size

    # ------------------------------------------------------------------ the file

    def _spill(self) -> None:
        """Open the full-output file (once) and write what was kept so far into it."""
        if self._fh is not None or self.output_dir is None:
            return
        try:
            self.output_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
            path = self.output_dir / f"{stamp}-{_safe(self.name)}.log"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError:
            self.output_dir = None  # no file then; the cut marker says so
            return
        self._fh = os.fdopen(fd, "wb")
        self.file = str(path)
        self._fh.write("".join(self._kept).encode("utf-8", "replace"))

    def _to_file(self, data: bytes, *, patterns: bool = True) -> None:
        """Write redacted. The pieces of an over-long line get the configured secrets replaced
        but not the pattern rules, which cost ~15 ms per 64 KB (23 s of CPU for a 100 MB line);
        that file stays on the commander's disk (0600), never on screen or in the store."""
        if self._fh is None:
            return
        if patterns:
            data = redact(data.decode("utf-8", "replace"), self.secrets).encode()
        else:
            for secret in self._secret_bytes:
                data = data.replace(secret, _MASK)
        self._write(data)

    def _write(self, data: bytes) -> None:
        if self._fh is None:
            return
        try:
            self._fh.write(data)
        except OSError:
            self._fh = None

    # ------------------------------------------------------------------ output

    def flush(self) -> None:
        if self._batch:
            batch, self._batch, self._batch_chars = self._batch, [], 0
            text = self._redact_batch(batch)
            if self._skipped:
                where = f"full output in {self.file}" if self.file else "no file could be written"
                text = f"[… {self._skipped:,} lines not shown (too fast); {where}]\n{text}"
                self._skipped = 0
            self._emit(text)
        self._last_emit = self._now()

    def _redact_batch(self, batch: list[str]) -> str:
        """Lines from the fast path redacted now, in runs; lines already redacted (with their
        cut markers, whose file names the rules would mistake for keys) as they are."""
        out: list[str] = []
        run: list[str] = []
        for line in batch:
            if isinstance(line, _Redacted):
                if run:
                    out.append(redact("\n".join(run), self.secrets))
                    run = []
                out.append(line)
            else:
                run.append(line)
        if run:
            out.append(redact("\n".join(run), self.secrets))
        return "\n".join(out)

    def flush_due(self) -> None:
        """Emit the batch if `interval_s` passed since the last one (call on a timer)."""
        if self._batch and self._now() - self._last_emit >= self.interval_s:
            self.flush()

    def note(self, text: str) -> None:
        """A line of the console's own ("[cancelled]"), emitted at once after what came before."""
        if self._fh is not None:
            self._to_file(text.encode() + b"\n")
        self._line(redact(text, self.secrets))
        self.flush()

    def close(self) -> None:
        """The last partial line, the last batch, and the file closed."""
        if self._pending or self._cut:
            self._end_line(newline=False)
        self.flush()
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    @property
    def output(self) -> str:
        """What the log entry keeps: at most `keep_bytes`, then where the rest is."""
        text = "".join(self._kept)
        if self._truncated:
            where = f"full output in {self.file}" if self.file else "no file could be written"
            text += f"[output cut at {self.keep_bytes:,} bytes; {where}]\n"
        return text


def _chars(lines: list[str], n: int) -> int:
    """Characters in the first `n` lines, newlines counted."""
    return sum(len(line) for line in lines[: max(n, 0)]) + max(n, 0)


class _Redacted(str):
    """A line already redacted (and perhaps carrying a marker): not to be redacted again."""

    __slots__ = ()


def _safe(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:40].strip("-")
    return cleaned or "step"


class ThreadedStepOutput:
    """`StepOutput` fed line by line from a worker thread (the docker and kubernetes SDKs):
    the thread only appends under a lock; the event loop takes the lines every `INTERVAL_S`,
    so a chatty `docker logs` costs the loop one wake-up per interval, not one per line."""

    def __init__(self, emit: OutputSink, **options: Any) -> None:
        self.output = StepOutput(emit, **options)
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._task: asyncio.Task[None] | None = None
        self._finished = False

    def __call__(self, line: str) -> None:
        with self._lock:
            if not self._finished:  # a thread outliving its step's timeout is not heard
                self._lines.append(line)

    def start(self) -> ThreadedStepOutput:
        self._task = asyncio.ensure_future(self._tick())
        return self

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(INTERVAL_S)
            self._drain()
            self.output.flush_due()

    def _drain(self) -> None:
        with self._lock:
            lines, self._lines = self._lines, []
        for line in lines:
            self.output.feed(line.encode("utf-8", "replace") + b"\n")

    def finish(self, note: str = "") -> StepOutput:
        """Everything the thread gave, then `note` ("[cancelled]"), emitted; the file closed."""
        if self._task is not None:
            self._task.cancel()
        self._drain()
        with self._lock:
            self._finished = True
        self.output.close()
        if note:
            self.output.note(note)
        return self.output


def emit_lines(lines: Iterable[str], emit: OutputSink, **options: Any) -> StepOutput:
    """Lines an executor has all at once (SQL rows, an HTTP body, PromQL series) out through the
    same cut, batch and redaction as a streaming step; returns the closed `StepOutput`."""
    out = StepOutput(emit, **options)
    for line in lines:
        out.feed(line.encode("utf-8", "replace") + b"\n")
    out.close()
    return out
