"""Silence tripwire: a newly firing critical alert that an active silence hides.

A silence made for yesterday's noise goes on matching whatever fires next (Alertmanager
#2326). So on every poll, the alerts that are *new* (not in the previous poll) and critical are
checked against the active silences: by Alertmanager's own `silencedBy` when it names any of
the silence's ids (one per cluster it lives in: the alert's Alertmanager names its own), else by
the silence's matchers (an HA peer may not have applied it yet). An alert that started
before the silence did is not new to it (someone silenced it knowingly) and does not trip.
Each firing trips once per silence: `Tripped.key` is what a console remembers it showed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from warroom.domain.alerts import Alert, Severity, Silence, alert_labels
from warroom.domain.untrusted import clip, one_line


@dataclass(frozen=True, slots=True)
class Tripped:
    alert: Alert
    silence: Silence
    seconds_left: float

    @property
    def key(self) -> tuple[str, datetime, str]:
        """One firing of one alert under one silence (a re-fire later trips again)."""
        return (self.alert.fingerprint, self.alert.starts_at, self.silence.id)

    @property
    def text(self) -> str:
        """ "muted critical: DBDown matched silence 3f2a by alice, 47 min left" """
        minutes = int(self.seconds_left // 60)
        if minutes < 1:
            left = "under a minute left"
        elif minutes < 120:
            left = f"{minutes} min left"
        else:
            left = f"{minutes // 60}h {minutes % 60:02d}m left"
        who = clip(one_line(self.silence.created_by), 32)
        name = clip(one_line(self.alert.name), 60)
        return f"muted {self.alert.severity.name.lower()}: {name} matched silence {one_line(self.silence.id[:4])} by {who}, {left}"


def newly_firing(previous: Iterable[str], alerts: Iterable[Alert]) -> list[Alert]:
    """The alerts whose fingerprints the previous poll did not have."""
    seen = set(previous)
    return [a for a in alerts if a.fingerprint not in seen]


def _active(silence: Silence, now: datetime) -> bool:
    return silence.state == "active" or (
        silence.state != "expired" and silence.starts_at <= now < silence.ends_at
    )


def tripwire(
    silences: Sequence[Silence],
    new_alerts: Iterable[Alert],
    now: datetime,
    *,
    at_least: Severity = Severity.CRITICAL,
) -> list[Tripped]:
    """The new alerts of `at_least` this severity that an active silence mutes, most time
    left first per alert (the silence that will keep hiding it longest)."""
    live = [s for s in silences if _active(s, now) and s.ends_at > now and s.matchers]
    found: list[Tripped] = []
    for alert in new_alerts:
        if alert.severity > at_least:
            continue
        labels = alert_labels(alert)
        hits = [
            s
            for s in live
            if alert.starts_at >= s.starts_at
            and (
                any(i in alert.silenced_by for i in s.ids)
                or all(m.matches(labels) for m in s.matchers)
            )
        ]
        hits.sort(key=lambda s: s.ends_at, reverse=True)
        found.extend(Tripped(alert, s, s.seconds_left(now)) for s in hits)
    return found


class TripwireWatch:
    """One console's tripwire across polls: what is new since the last poll, and each
    (alert, silence) shown once. Every console runs its own on its own polls of the same
    Alertmanagers, so every console raises the banner, with no store in between."""

    def __init__(self, at_least: Severity = Severity.CRITICAL, remember: int = 10_000) -> None:
        self.at_least = at_least
        self.remember = remember
        self._previous: set[str] | None = None
        self._shown: dict[tuple[str, datetime, str], None] = {}  # insertion-ordered, oldest dropped

    def observe(
        self, alerts: Sequence[Alert], silences: Sequence[Silence], now: datetime
    ) -> list[Tripped]:
        """The trips this poll raises. The first poll sets the baseline: what already fires
        when the console starts is not *newly* firing (and Alertmanager's silencedBy on it
        was seen by whoever made the silence)."""
        current = {a.fingerprint for a in alerts}
        if self._previous is None:
            self._previous = current
            return []
        new = newly_firing(self._previous, alerts)
        self._previous = current
        fresh = [
            t
            for t in tripwire(silences, new, now, at_least=self.at_least)
            if t.key not in self._shown
        ]
        for trip in fresh:
            self._shown[trip.key] = None
        while len(self._shown) > self.remember:
            self._shown.pop(next(iter(self._shown)))
        return fresh
