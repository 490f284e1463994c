"""The incident's own signals for the review: its window's numbers, and steps that did not help.

A series comes from the log (`series` entries the drill or the CLI recorded), or from the
console's live panels when nothing was recorded; either way it is cut to the incident window
(declared - 15 min to resolved + 15 min). The sparkline is scaled between 0 (or the series
floor, if lower) and the critical threshold, so a healthy 0.4 % stays low and a breach fills.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from warroom.domain.incident import Entry, EntryKind
from warroom.domain.milestones import WRITE_RISKS, series_points
from warroom.domain.signals import Sample, Series, downsample

WINDOW_MARGIN_S = 15 * 60
HELP_HORIZON_S = 10 * 60  # how long after a step its effect is looked for
IMPROVED = 0.2  # a signal that fell by a fifth of its distance to the floor has improved
_BARS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class SignalTrack:
    """One signal over the window: its points and what the review reads from them."""

    key: str
    name: str
    unit: str
    warn: float | None
    critical: float | None
    higher_is_worse: bool
    source: str
    points: tuple[tuple[datetime, float], ...]

    def value_at(self, at: datetime | None) -> float | None:
        """The last sample at or before `at` (None before the first)."""
        if at is None or not self.timed:
            return None
        found = None
        for t, v in self.points:
            if t > at:
                break
            if not math.isnan(v):
                found = v
        return found

    @property
    def timed(self) -> bool:
        """Real sample times (bare numbers from a caller have none and are never windowed)."""
        return bool(self.points) and self.points[0][0].tzinfo is not None

    def values(self) -> list[float]:
        return [v for _, v in self.points if not math.isnan(v)]

    def worst(self) -> float | None:
        values = self.values()
        if not values:
            return None
        return max(values) if self.higher_is_worse else min(values)


def track_from_entry(entry: Entry) -> SignalTrack:
    d = entry.data

    def num(key: str) -> float | None:
        value = d.get(key)
        return float(value) if isinstance(value, int | float) else None

    return SignalTrack(
        key=str(d.get("key") or d.get("signal") or ""),
        name=str(d.get("signal") or d.get("key") or "signal"),
        unit=str(d.get("unit") or ""),
        warn=num("warn"),
        critical=num("critical"),
        higher_is_worse=bool(d.get("higher_is_worse", True)),
        source=str(d.get("source") or "recorded"),
        points=tuple(series_points(entry)),
    )


def track_from_data(name: str, data: Any) -> SignalTrack:
    """A track as it is, a live panel's `Series`, samples, or bare numbers (not windowed)."""
    if isinstance(data, SignalTrack):
        return data
    if isinstance(data, Series):
        spec = data.spec
        return SignalTrack(
            spec.key,
            spec.name or name,
            spec.unit,
            spec.warn,
            spec.critical,
            spec.higher_is_worse,
            "console",
            tuple((s.at, s.value) for s in data.samples),
        )
    points: list[tuple[datetime, float]] = []
    bare: list[float] = []
    for item in data:
        if isinstance(item, Sample):
            points.append((item.at, item.value))
        else:
            bare.append(float(item))
    if bare:
        start = datetime(2000, 1, 1)  # naive on purpose: no real times
        points = [(start + timedelta(seconds=i), v) for i, v in enumerate(bare)]
    return SignalTrack(name, name, "", None, None, True, "console", tuple(points))


def tracks(
    entries: Sequence[Entry],
    live: Mapping[str, Any] | None,
    window: tuple[datetime, datetime],
) -> list[SignalTrack]:
    """Recorded series first (newest recording of each signal wins), else the live panels;
    each cut to the window (series without real times are kept whole)."""
    recorded: dict[str, SignalTrack] = {}
    for e in entries:
        if e.kind is EntryKind.SERIES:
            track = track_from_entry(e)
            recorded[track.key] = track
    chosen = list(recorded.values()) or [track_from_data(n, d) for n, d in (live or {}).items()]
    start, end = window
    out = []
    for t in chosen:
        if t.timed:
            t = SignalTrack(
                t.key,
                t.name,
                t.unit,
                t.warn,
                t.critical,
                t.higher_is_worse,
                t.source,
                tuple(p for p in t.points if start <= p[0] <= end),
            )
        out.append(t)
    return out


def scaled_sparkline(track: SignalTrack, width: int = 30) -> str:
    """Bars between 0 (or the floor) and the critical threshold (or the peak when higher)."""
    values = track.values()
    if not values:
        return ""
    points = downsample(values, width) if track.higher_is_worse else _min_downsample(values, width)
    low = min(0.0, min(values))
    top = max(values)
    if track.critical is not None and track.higher_is_worse:
        top = max(top, track.critical)
    span = top - low
    if span <= 0:
        return _BARS[0] * len(points)
    return "".join(_BARS[max(0, min(7, int((v - low) / span * 7.999)))] for v in points)


def _min_downsample(values: Sequence[float], width: int) -> list[float]:
    return [-v for v in downsample([-v for v in values], width)]


def _improved(track: SignalTrack, at: datetime, until: datetime) -> bool | None:
    """Did this signal get better between `at` and `until`? None: it was fine or unknown."""
    before = track.value_at(at)
    if before is None:
        return None
    after = [v for t, v in track.points if at < t <= until and not math.isnan(v)]
    if not after:
        return None
    threshold = track.warn
    sign = 1.0 if track.higher_is_worse else -1.0
    if threshold is not None and sign * before < sign * threshold:
        return None  # it was not in trouble: nothing to improve
    floor = 0.0 if track.higher_is_worse else (threshold or 0.0)
    best = min(after) if track.higher_is_worse else max(after)
    distance = abs(before - floor)
    if distance <= 0:
        return None
    return sign * (before - best) >= IMPROVED * distance


def did_not_help(steps: Sequence[Entry], signal_tracks: Sequence[SignalTrack]) -> set[str]:
    """Ids of write steps after which no signal in trouble improved before the next write
    step (at most `HELP_HORIZON_S` later). Without recorded signals nothing is marked."""
    writes = [e for e in steps if str(e.data.get("risk", "")) in WRITE_RISKS]
    marked: set[str] = set()
    for i, step in enumerate(writes):
        horizon = step.at + timedelta(seconds=HELP_HORIZON_S)
        if i + 1 < len(writes):
            horizon = min(horizon, writes[i + 1].at)
        verdicts = [_improved(t, step.at, horizon) for t in signal_tracks]
        known = [v for v in verdicts if v is not None]
        if known and not any(known):
            marked.add(step.id)
    return marked
