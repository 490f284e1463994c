"""Changes from a configured command: `git log` of a deploy repository, a deploy tool's history.

Each output line `ISO-time<TAB>text` is a change (`git log --format=%cI%x09%s` writes exactly
that); other lines are skipped. The command is an argv list, never parsed by a shell: it is
quoted whole (`shlex.join`) and run by the shell step runner, so the child gets the steps'
clean environment (no tokens of the console's), its output is bounded and redacted, and a
timeout ends every process it started. `$service` in an argument is the service in scope, and
only a plain name (letters, digits, `.`, `_`, `-`, not starting with `-`) is put there: no
value can become an option. A run's answer is kept for `every_s`, so a 5 s refresh does not
start a process each time.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import shlex
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from warroom.domain.clock import Clock, SystemClock, utc
from warroom.domain.errors import SourceBadResponse, SourceTimeout
from warroom.domain.service_context import Change, ChangeKind, ServiceContext
from warroom.sources.blocking import one_line_text, parse_time
from warroom.sources.executors.shell import ShellOptions, run_shell

PLACEHOLDER = "$service"
SAFE_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,252}")
MAX_CHANGES = 1000


def parse_lines(output: str, name: str, since: datetime) -> list[Change]:
    """`ISO-time<TAB>text` lines in the window as changes, newest first, at most 1000."""
    found: dict[str, Change] = {}
    for line in output.splitlines():
        stamp, tab, text = line.partition("\t")
        at = parse_time(stamp.strip()) if tab else None
        if at is None or at < since or not text.strip():
            continue
        digest = hashlib.sha1(f"{stamp}\t{text}".encode(), usedforsecurity=False).hexdigest()
        key = f"command:{name}:{digest[:16]}"
        found[key] = Change(at, ChangeKind.COMMAND, one_line_text(text), name, key)
    return sorted(found.values(), key=lambda c: c.at, reverse=True)[:MAX_CHANGES]


class CommandChangesSource:
    """`ServiceContextSource` whose only answer is the command's changes."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        timeout_s: float = 10.0,
        every_s: float = 60.0,
        options: ShellOptions | None = None,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.command = tuple(command)
        self.timeout_s = timeout_s
        self.every_s = every_s
        self._options = options or ShellOptions()
        self._clock = clock or SystemClock()
        self._monotonic = monotonic
        self._kept: dict[str | None, tuple[float, str]] = {}  # service -> (when, output)

    def argv(self, service: str | None) -> list[str] | None:
        """The command for this service, or None when `$service` cannot be filled safely."""
        if not any(PLACEHOLDER in word for word in self.command):
            return list(self.command)
        if not service or not SAFE_VALUE.fullmatch(service):
            return None
        return [word.replace(PLACEHOLDER, service) for word in self.command]

    async def context(self, service: str | None, since: datetime) -> ServiceContext:
        since = utc(since)  # a naive time is UTC, as everywhere in the console
        argv = self.argv(service)
        key = service if argv != list(self.command) else None
        output = ""
        if argv is not None:
            kept = self._kept.get(key)
            if kept is not None and self._monotonic() - kept[0] < self.every_s:
                output = kept[1]
            else:
                output = await self._run(argv)
                self._kept = {key: (self._monotonic(), output)}
        return ServiceContext(
            source=self.name,
            service=service,
            fetched_at=self._clock.now(),
            changes=tuple(parse_lines(output, self.name, since)),
        )

    async def _run(self, argv: list[str]) -> str:
        result = await run_shell(
            shlex.join(argv), _discard, self.timeout_s, options=self._options, executor=self.name
        )
        if result.cancelled:  # run_shell ended the processes and swallowed the cancel
            raise asyncio.CancelledError
        if result.timed_out:
            raise SourceTimeout(f"{self.name}: `{argv[0]}` did not finish in {self.timeout_s:g} s")
        if result.exit_code != 0:
            last = one_line_text((result.output.strip().splitlines() or [""])[-1], 200)
            raise SourceBadResponse(
                f"{self.name}: `{argv[0]}` exited with code {result.exit_code}"
                + (f": {last}" if last else "")
            )
        return result.output

    async def aclose(self) -> None:
        self._kept.clear()


def _discard(_batch: str) -> None:
    """The lines are read from the result; nothing is shown while it runs."""
