"""Alert memory: fire and resolve events, and what they say ("6× / 7d · flapping").

Alertmanager keeps no history, so the console keeps its own. One *firing* is identified by the
alert's fingerprint and its `startsAt` (taken to the whole second: Alertmanager's API gives
milliseconds, its webhook nanoseconds, and one alert does not fire twice in a second). Every
observer (each console's polls, `warroom receive`) writes events under that key, so a store
that ignores duplicates counts one fire once however many saw it.

Three kinds of event: FIRED, RESOLVED, and UNKNOWN (the source that showed the alert stopped
answering, so nobody knows whether it resolved). A poll that cannot reach a source never
resolves that source's alerts: it marks them UNKNOWN, and a resolve is only recorded once the
source answers again without the alert (or Alertmanager says so itself).

Flapping, as chosen here: at least 4 fires in the last 7 days (an alert that keeps coming
back and resolving by itself, the one nobody fixed), or at least 3 state changes in the last
hour (it is bouncing right now). The first catches what a 3 a.m. commander wants to know
("it does this most nights"); the second, an alert whose threshold sits on the signal's noise.
Both thresholds are fields of `FlapRule`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

DAY = timedelta(days=1)
WEEK = timedelta(days=7)


class EventKind(StrEnum):
    FIRED = "fired"
    RESOLVED = "resolved"
    UNKNOWN = "unknown"


def firing_key(starts_at: datetime) -> datetime:
    """`startsAt` as the identity of one firing: whole seconds (see the module docstring)."""
    return starts_at.replace(microsecond=0) if starts_at.microsecond else starts_at


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One observed change of one firing. `at` is when it happened: startsAt for a fire,
    endsAt (or when it was first seen gone) for a resolve, when the source was lost for
    unknown. The store keeps one event per (fingerprint, starts_at, kind)."""

    fingerprint: str
    name: str
    service: str
    kind: EventKind
    starts_at: datetime
    at: datetime
    source: str = ""

    @property
    def key(self) -> tuple[str, datetime, EventKind]:
        return (self.fingerprint, firing_key(self.starts_at), self.kind)


@dataclass(frozen=True, slots=True)
class FlapRule:
    fires_per_week: int = 4
    changes_per_hour: int = 3


@dataclass(frozen=True, slots=True)
class Interval:
    """One firing as a strip segment. `end` None: still firing, or, with `unknown_at`, not
    known to be (its source went away then, or a later firing shows it ended unseen)."""

    start: datetime
    end: datetime | None
    unknown_at: datetime | None = None

    @property
    def unknown(self) -> bool:
        return self.end is None and self.unknown_at is not None


@dataclass(frozen=True, slots=True)
class HistorySummary:
    fires_24h: int = 0
    fires_7d: int = 0
    flapping: bool = False

    @property
    def text(self) -> str:
        """The alert list's badge: "6× / 7d · flapping", or "" when never seen before."""
        if not self.fires_7d:
            return ""
        return f"{self.fires_7d}× / 7d" + (" · flapping" if self.flapping else "")

    @property
    def detail(self) -> str:
        """Both windows, for the alert detail: "2× / 24h · 6× / 7d · flapping"."""
        if not self.fires_7d:
            return "not seen in the last 7 days"
        return f"{self.fires_24h}× / 24h · {self.text}"


def dedupe(events: Iterable[AlertEvent]) -> list[AlertEvent]:
    """One event per key (the earliest `at` wins: a poll sees a resolve after it happened)."""
    best: dict[tuple[str, datetime, EventKind], AlertEvent] = {}
    for event in events:
        seen = best.get(event.key)
        if seen is None or event.at < seen.at:
            best[event.key] = event
    return sorted(best.values(), key=lambda e: (e.at, e.kind != EventKind.FIRED))


def intervals(events: Iterable[AlertEvent]) -> list[Interval]:
    """The firings among `events` (of one alert or group), oldest first."""
    starts: dict[tuple[str, datetime], datetime] = {}
    ends: dict[tuple[str, datetime], datetime] = {}
    lost: dict[tuple[str, datetime], datetime] = {}
    for event in dedupe(events):
        firing = (event.fingerprint, firing_key(event.starts_at))
        if event.kind is EventKind.FIRED:
            starts[firing] = event.at
        elif event.kind is EventKind.RESOLVED:
            ends[firing] = event.at
            starts.setdefault(firing, event.starts_at)
        else:
            lost[firing] = event.at
            starts.setdefault(firing, event.starts_at)
    spans = sorted(
        ((f, Interval(start, ends.get(f), lost.get(f))) for f, start in starts.items()),
        key=lambda pair: pair[1].start,
    )
    # a firing nobody saw end (the console was off) ended before the next one of that alert
    later: dict[str, datetime] = {}
    result: list[Interval] = []
    for (fingerprint, _), span in reversed(spans):
        if span.end is None and span.unknown_at is None and fingerprint in later:
            span = Interval(span.start, None, later[fingerprint])
        later[fingerprint] = span.start
        result.append(span)
    return result[::-1]


def summarise(
    events: Iterable[AlertEvent], now: datetime, rule: FlapRule = FlapRule()
) -> HistorySummary:
    """Fires in the last 24 h and 7 days, and the flapping mark."""
    return summarise_spans(intervals(events), now, rule)


def summarise_spans(
    spans: Iterable[Interval], now: datetime, rule: FlapRule = FlapRule()
) -> HistorySummary:
    day_ago, week_ago, hour_ago = now - DAY, now - WEEK, now - timedelta(hours=1)
    fires_24h = fires_7d = changes = 0
    for span in spans:
        if week_ago < span.start <= now:
            fires_7d += 1
            fires_24h += span.start > day_ago
            changes += span.start > hour_ago
        if span.end is not None and hour_ago < span.end <= now:
            changes += 1
    flapping = fires_7d >= rule.fires_per_week or changes >= rule.changes_per_hour
    return HistorySummary(fires_24h, fires_7d, flapping)


def group_key(name: str, service: str) -> tuple[str, str]:
    return (name, service)


@dataclass(slots=True)
class HistoryIndex:
    """Events of a window indexed two ways, for "seen before" on every row of the alert list:
    by fingerprint (this very alert) and by alert name + service (its siblings on other
    instances, or the same alert with changed labels). Each fingerprint's firings are worked
    out once and summaries remembered, so a storm's 10,000 rows cost one pass over the events."""

    now: datetime
    rule: FlapRule = FlapRule()
    by_fingerprint: dict[str, list[AlertEvent]] = field(default_factory=dict)
    groups: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    _spans: dict[str, list[Interval]] = field(default_factory=dict, repr=False)
    _summaries: dict[object, HistorySummary] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls, events: Iterable[AlertEvent], now: datetime, rule: FlapRule = FlapRule()
    ) -> HistoryIndex:
        index = cls(now, rule)
        for event in events:
            index.by_fingerprint.setdefault(event.fingerprint, []).append(event)
            index.groups.setdefault(group_key(event.name, event.service), set()).add(
                event.fingerprint
            )
        return index

    def strip(self, fingerprint: str) -> list[Interval]:
        """This alert's firings, oldest first (the detail's strip)."""
        spans = self._spans.get(fingerprint)
        if spans is None:
            spans = self._spans[fingerprint] = intervals(self.by_fingerprint.get(fingerprint, ()))
        return spans

    def for_fingerprint(self, fingerprint: str) -> HistorySummary:
        found = self._summaries.get(fingerprint)
        if found is None:
            found = summarise_spans(self.strip(fingerprint), self.now, self.rule)
            self._summaries[fingerprint] = found
        return found

    def for_group(self, name: str, service: str) -> HistorySummary:
        key = group_key(name, service)
        found = self._summaries.get(key)
        if found is None:
            spans = [s for fp in self.groups.get(key, ()) for s in self.strip(fp)]
            found = self._summaries[key] = summarise_spans(spans, self.now, self.rule)
        return found
