"""What is running and what changed for the service in scope: every context source polled.

Each source (docker, kubernetes, the drill) is asked on the console's refresh, each call with
its own timeout and, while it fails, its own backoff; a failing source keeps its last good
answer, shown with its age and the error, never blanked. The changes of every source merge
newest first (`newest_first`). The changes inside the incident window that the log has not
recorded yet are handed out once (`unrecorded`): the keys already in the log's `change`
entries count too, so a restarted console records nothing twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from warroom.domain.clock import Clock
from warroom.domain.incident import Entry, EntryKind, Incident
from warroom.domain.service_context import (
    Change,
    ServiceContext,
    ServiceContextSource,
    newest_first,
)
from warroom.domain.untrusted import clip, one_line
from warroom.services.polling import bounded

LOOKBACK_S = 3600.0  # changes asked for at least this far back (the sparklines' range)
BEFORE_INCIDENT_S = 3600.0  # a change this long before the declaration is in its window
MAX_BACK_S = 6 * 3600.0  # never ask a source further back than this
RECORD_AT_MOST = 20  # change entries written per poll (a crashloop must not flood the log)
BACKOFF_CAP_S = 60.0


@dataclass(slots=True)
class SourceAnswer:
    """One source as the region shows it: its last good answer, the error since, the age."""

    name: str
    context: ServiceContext | None = None  # the last good answer (None: never answered)
    error: str | None = None
    age_s: float | None = None  # seconds since `context` was fetched, when it is stale
    failures: int = 0
    retry_at: float = float("-inf")  # monotonic seconds: skipped until then (backoff)


@dataclass(frozen=True, slots=True)
class ContextView:
    """Every source's answer for `service`, and their changes merged newest first."""

    service: str | None
    answers: tuple[SourceAnswer, ...]
    changes: tuple[Change, ...]

    @property
    def failing(self) -> list[SourceAnswer]:
        return [a for a in self.answers if a.error]


@dataclass(slots=True)
class ServiceContextPoller:
    """Polls every context source for the service in scope; plain async, no UI."""

    sources: Sequence[ServiceContextSource]
    clock: Clock
    timeout_s: float = 5.0
    lookback_s: float = LOOKBACK_S
    monotonic: Callable[[], float] = time.monotonic
    service: str | None = None
    _answers: dict[str, SourceAnswer] = field(default_factory=dict)
    _recorded: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._answers = {s.name: SourceAnswer(s.name) for s in self.sources}

    def set_scope(self, service: str | None) -> bool:
        """A new service in scope: the last answers were about another one. True on change."""
        if service == self.service and type(service) is type(self.service):
            return False
        self.service = service
        self._reset()
        return True

    def since(self, incident: Incident | None) -> datetime:
        """How far back to ask: the sparklines' range, or the open incident's window."""
        now = self.clock.now()
        since = now - timedelta(seconds=self.lookback_s)
        start = window_start(incident)
        if start is not None:
            since = max(min(since, start), now - timedelta(seconds=MAX_BACK_S))
        return since

    async def poll(self, incident: Incident | None = None) -> ContextView:
        """Ask every source not backing off, at once; a failure is kept as data."""
        service = self.service
        since = self.since(incident)
        now_m = self.monotonic()
        due = [s for s in self.sources if self._answers[s.name].retry_at <= now_m]
        results = await asyncio.gather(
            *(self._ask(s, service, since) for s in due), return_exceptions=True
        )
        if service != self.service:  # the scope moved while we waited: drop this answer
            return self.view()
        for source, result in zip(due, results, strict=True):
            answer = self._answers[source.name]
            if isinstance(result, ServiceContext) and result.error is None:
                answer.context, answer.error, answer.failures = result, None, 0
                answer.retry_at = float("-inf")
            else:
                if isinstance(result, ServiceContext):
                    error = result.error or "no answer"
                elif isinstance(result, asyncio.CancelledError):
                    raise result
                else:
                    error = str(result)
                answer.error = one_line(error)
                answer.failures += 1
                answer.retry_at = now_m + self._backoff(answer.failures)
        return self.view()

    async def _ask(self, source: ServiceContextSource, service: str | None, since: datetime) -> Any:
        return await bounded(source.context(service, since), self.timeout_s, source.name)

    def _backoff(self, failures: int) -> float:
        """After a failure a source is asked again at the next refresh, then ever later."""
        if failures <= 1:
            return 0.0
        return min(BACKOFF_CAP_S, self.timeout_s * (2 ** min(failures - 2, 6)))

    def view(self) -> ContextView:
        now = self.clock.now()
        answers = []
        for a in self._answers.values():
            age = None
            if a.error and a.context is not None:
                age = max(0.0, (now - a.context.fetched_at).total_seconds())
            answers.append(SourceAnswer(a.name, a.context, a.error, age, a.failures, a.retry_at))
        kept = (c for a in self._answers.values() if a.context for c in a.context.changes)
        return ContextView(self.service, tuple(answers), tuple(newest_first(kept)))

    def unrecorded(
        self, changes: Iterable[Change], incident: Incident | None, recorded: Iterable[Entry] = ()
    ) -> list[Change]:
        """The changes inside the open incident's window that no `change` entry holds yet
        (the incident's, `recorded` ones such as a pre-incident buffer's, or those handed out
        before), oldest first, at most RECORD_AT_MOST; each is handed out once."""
        start = window_start(incident)
        if incident is None or start is None or not incident.is_open:
            return []
        known = recorded_keys([*incident.entries, *recorded]) | self._recorded
        fresh = [c for c in changes if c.at >= start and c.key not in known]
        fresh = sorted(fresh, key=lambda c: c.at)[:RECORD_AT_MOST]
        self._recorded.update(c.key for c in fresh)
        return fresh


def window_start(incident: Incident | None) -> datetime | None:
    """Where the open incident's window starts: an hour before it was declared, or its
    first entry (an alert carried from before the declaration), whichever is earlier."""
    if incident is None or not incident.is_open:
        return None
    first = min((e.at for e in incident.entries), default=incident.declared_at)
    return min(first, incident.declared_at - timedelta(seconds=BEFORE_INCIDENT_S))


def recorded_keys(entries: Iterable[Entry]) -> set[str]:
    """The change keys the log already holds."""
    return {str(e.data["key"]) for e in entries if e.kind is EntryKind.CHANGE and "key" in e.data}


def change_entry(change: Change) -> tuple[str, dict[str, Any]]:
    """The text and data of a change's `change` entry (its time is the change's)."""
    subject = one_line(change.subject)
    text = one_line(change.text)
    line = f"{subject}: {text}" if subject and subject not in text else text
    data = {
        "key": change.key,
        "change": change.kind.value,
        "source": one_line(change.source),
        "subject": subject,
    }
    return clip(line, 300), data
