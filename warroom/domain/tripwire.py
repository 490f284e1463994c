"""Silence tripwire: a newly firing critical alert that an active silence hides.

A silence made for yesterday's noise goes on matching whatever fires next (Alertmanager
#2326). So on every poll, the alerts that are *new* (not in the previous poll) and critical are
checked against the active silences: by Alertmanager's own `silencedBy` when it says so, else
by the silence's matchers (an HA peer may not have applied it yet). An alert that started
before the silence did is not new to it (someone silenced it knowingly) and does not trip.
Each (alert, silence) pair trips once: `Tripped.key` is what a console remembers it showed.
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
    def key(self) -> tuple[str, str]:
        return (self.alert.fingerprint, self.silence.id)

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
            and (s.id in alert.silenced_by or all(m.matches(labels) for m in s.matchers))
        ]
        hits.sort(key=lambda s: s.ends_at, reverse=True)
        found.extend(Tripped(alert, s, s.seconds_left(now)) for s in hits)
    return found
