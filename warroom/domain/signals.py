"""Golden signals: a spec (what to measure, thresholds) and a bounded series of samples."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from warroom.domain.scope import DEFAULT_SCOPE_LABELS, scoped_queries, scoped_query


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    CRIT = "crit"
    UNKNOWN = "unknown"

    @property
    def word(self) -> str:
        return {"ok": "OK", "warn": "WARN", "crit": "CRIT", "unknown": "?"}[self.value]


@dataclass(frozen=True, slots=True)
class SignalSpec:
    """One golden-signal panel as configured (`[[signals]]`).

    `query` is PromQL (source "prometheus") or SQL returning one number (source "postgres").
    In PromQL, `$service` is the service in scope (always an escaped string or regex literal,
    never pasted) and `$service_label` the label that names it (`service`, `job`, `app`...),
    so `{$service_label="$service"}` follows whichever label the selected alert has.
    Thresholds are in the query's unit.
    """

    key: str
    name: str
    query: str
    unit: str = ""
    warn: float | None = None
    critical: float | None = None
    range_s: int = 1800
    step_s: int = 30
    source: str = "prometheus"
    higher_is_worse: bool = True

    def level(self, value: float | None) -> Level:
        if value is None or math.isnan(value):
            return Level.UNKNOWN
        sign = 1 if self.higher_is_worse else -1
        if self.critical is not None and sign * value >= sign * self.critical:
            return Level.CRIT
        if self.warn is not None and sign * value >= sign * self.warn:
            return Level.WARN
        return Level.OK

    def query_for(self, service: str | None, label: str = "job") -> str:
        """The PromQL for `label=service` (Prometheus's own `job` unless told), or for every
        service when `service` is None."""
        return scoped_query(self.query, service, label)

    def queries_for(
        self, scope: str | None, scope_labels: Sequence[str] = DEFAULT_SCOPE_LABELS
    ) -> tuple[str, ...]:
        """The queries to try for `scope`, best first (see `scope.scoped_queries`)."""
        return scoped_queries(self.query, scope, scope_labels)


@dataclass(frozen=True, slots=True)
class Sample:
    at: datetime
    value: float


TREND_WINDOW_S = 60.0  # the trend arrow's window: short, and said in the panel ("↑ 1m")


@dataclass(frozen=True, slots=True)
class Trend:
    """An arrow and the span it covers (the window, or longer after a gap in the samples)."""

    arrow: str
    span_s: float

    @property
    def label(self) -> str:
        """`↑ 1m`: the arrow and the span it speaks for, in whole minutes from one minute on
        (a label that changed with every sample's alignment, 65s, 75s, would repaint the panel
        on every refresh for nothing)."""
        span = round(self.span_s)
        minutes = "1m" if span < 120 else f"{round(span / 60)}m"
        when = f"{span}s" if span < 60 else minutes
        return f"{self.arrow} {when}"


@dataclass(slots=True)
class Series:
    """The last `range_s` of one signal, plus what the panel needs when the source fails."""

    spec: SignalSpec
    samples: deque[Sample] = field(default_factory=lambda: deque(maxlen=720))
    error: str | None = None
    last_ok_at: datetime | None = None

    @property
    def latest(self) -> Sample | None:
        return self.samples[-1] if self.samples else None

    @property
    def level(self) -> Level:
        latest = self.latest
        return self.spec.level(latest.value if latest else None)

    @property
    def is_stale(self) -> bool:
        return self.error is not None

    def add(self, sample: Sample) -> None:
        if self.samples and sample.at <= self.samples[-1].at:
            return  # ignore out-of-order or repeated samples
        self.samples.append(sample)
        self.error = None
        self.last_ok_at = sample.at
        self._trim(sample.at)

    def replace_history(self, samples: Iterable[Sample]) -> None:
        self.samples.clear()
        for s in sorted(samples, key=lambda s: s.at):
            self.samples.append(s)
        if self.samples:
            self.error = None
            self.last_ok_at = self.samples[-1].at

    def fail(self, message: str) -> None:
        self.error = message

    def _trim(self, now: datetime) -> None:
        horizon = now.timestamp() - self.spec.range_s
        while self.samples and self.samples[0].at.timestamp() < horizon:
            self.samples.popleft()

    def values(self) -> list[float]:
        return [s.value for s in self.samples]

    def age_seconds(self, now: datetime) -> float | None:
        return None if self.last_ok_at is None else (now - self.last_ok_at).total_seconds()

    def trend(self, window_s: float = TREND_WINDOW_S) -> Trend:
        """Where the signal went over the last `window_s` (a minute): the latest sample against
        the newest one at least that old. Not averages of thirds of the whole range: those
        kept saying ↑ for minutes while an error rate fell 11.7 → 0.4 %."""
        clean = [s for s in self.samples if not math.isnan(s.value)]
        if not clean:
            return Trend("·", 0.0)
        latest = clean[-1]
        cutoff = latest.at.timestamp() - window_s
        base = next((s for s in reversed(clean) if s.at.timestamp() <= cutoff), None)
        if base is None:  # not a window's worth of data yet: no arrow rather than a guess
            return Trend("·", window_s)
        span = latest.at.timestamp() - base.at.timestamp()
        return Trend(trend_arrow([base.value, latest.value]), span)


def trend_arrow(values: Sequence[float], tolerance: float = 0.05) -> str:
    """↑ rising, ↓ falling, → flat: the last value against the first (a 5 % change, relative
    to the larger of the two, counts)."""
    clean = [v for v in values if not math.isnan(v)]
    if len(clean) < 2:
        return "→"
    before, recent = clean[0], clean[-1]
    scale = max(abs(before), abs(recent), 1e-9)
    change = (recent - before) / scale
    if change > tolerance:
        return "↑"
    if change < -tolerance:
        return "↓"
    return "→"


_BARS = "▁▂▃▄▅▆▇█"


def downsample(values: Sequence[float], width: int) -> list[float]:
    """Reduce to `width` buckets keeping each bucket's peak (a spike must never vanish)."""
    if width <= 0:
        return []
    if len(values) <= width:
        return list(values)
    out: list[float] = []
    size = len(values) / width
    for i in range(width):
        bucket = values[int(i * size) : max(int((i + 1) * size), int(i * size) + 1)]
        out.append(max(bucket))
    return out


def sparkline_text(values: Sequence[float], width: int = 30, floor: float | None = 0.0) -> str:
    """A text sparkline for exports and pinned snapshots."""
    clean = [v for v in values if not math.isnan(v)]
    if not clean:
        return ""
    points = downsample(clean, width)
    low = min(points) if floor is None else min(floor, min(points))
    high = max(points)
    span = high - low
    if span <= 0:
        return _BARS[0] * len(points)
    return "".join(_BARS[min(7, int((v - low) / span * 7.999))] for v in points)


def format_value(value: float | None, unit: str) -> str:
    """A value with its unit, at a precision a human reads at a glance."""
    if value is None or math.isnan(value):
        return "—"
    if unit in ("s", "seconds"):
        if abs(value) < 1:
            return f"{value * 1000:.0f} ms"
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.0f} ms"
    if unit in ("%", "percent"):
        return f"{value:.1f} %"
    if abs(value) >= 10000:
        return f"{value / 1000:.1f}k{(' ' + unit) if unit else ''}"
    text = f"{value:.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:.1f}"
    return f"{text} {unit}".rstrip()


DEFAULT_SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec(
        key="error_rate",
        name="Error rate",
        query=(
            # `or ... * 0`: a service that has never answered a 5xx has no such series;
            # it must read 0 %, not "no data"
            '100 * sum(rate(http_requests_total{$service_label="$service",status=~"5.."}[5m])'
            ' or rate(http_requests_total{$service_label="$service"}[5m]) * 0)'
            ' / clamp_min(sum(rate(http_requests_total{$service_label="$service"}[5m])), 1e-9)'
        ),
        unit="%",
        warn=5.0,
        critical=10.0,
    ),
    SignalSpec(
        key="latency_p95",
        name="p95 latency",
        query=(
            "histogram_quantile(0.95, sum by (le) "
            '(rate(http_request_duration_seconds_bucket{$service_label="$service"}[5m])))'
        ),
        unit="s",
        warn=2.0,
        critical=5.0,
    ),
    SignalSpec(
        key="connections",
        name="Connections",
        query='sum(pg_stat_activity_count{$service_label="$service"})',
        unit="",
        warn=80.0,
        critical=95.0,
    ),
    SignalSpec(
        key="queue_depth",
        name="Queue depth",
        query='sum(queue_depth{$service_label="$service"})',
        unit="",
        warn=1000.0,
        critical=5000.0,
    ),
)


def sparkline_rows(
    values: Sequence[float], width: int, rows: int, floor: float = 0.0, ceiling: float | None = None
) -> list[str]:
    """A sparkline `rows` lines tall (top line first), for panels with room to spare.

    `ceiling` (e.g. the warn threshold) keeps a quiet signal looking quiet: bars are drawn
    against the higher of it and the peak, not stretched to fill the panel. NaN values are
    blank columns (no data yet for that slot). `sparkline_scale` says what the rows span.
    """
    rows = max(1, rows)
    if width <= 0:
        return [""] * rows
    points = list(values) if len(values) <= width else downsample(values, width)
    scale = sparkline_scale(points, floor, ceiling)
    if scale is None:
        return [""] * rows
    low, top = scale
    span = top - low
    levels = [
        0 if math.isnan(v) else (0 if span <= 0 else round((v - low) / span * (rows * 8 - 1))) + 1
        for v in points
    ]
    lines = []
    for r in range(rows - 1, -1, -1):
        base = r * 8
        line = []
        for level in levels:
            fill = level - base
            line.append(" " if fill <= 0 else "█" if fill >= 8 else _BARS[fill - 1])
        lines.append("".join(line))
    return lines


def sparkline_scale(
    values: Sequence[float], floor: float = 0.0, ceiling: float | None = None
) -> tuple[float, float] | None:
    """(bottom, top) of the values `sparkline_rows` draws: the floor (or a lower value) to a
    round top at or above the peak and the ceiling; None without a number to draw."""
    clean = [v for v in values if not math.isnan(v)]
    if not clean:
        return None
    low = min(floor, min(clean))
    return low, nice_ceiling(max(max(clean), ceiling if ceiling is not None else -math.inf))


def nice_ceiling(value: float) -> float:
    """The next round number at or above `value` (1, 2, 2.5, 5 × 10^k).

    A sparkline scaled to a round top keeps its bars still while a signal creeps up, instead of
    redrawing every column on every refresh; and round tops read like an axis.
    """
    if value <= 0 or math.isnan(value) or math.isinf(value):
        return value
    exponent = math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        top = step * 10**exponent
        if top >= value * (1 - 1e-12):
            return top
    return 10.0 ** (exponent + 1)


def format_threshold(value: float, unit: str) -> str:
    """Thresholds are round numbers: `5%`, `2s`, `80`."""
    text = f"{value:g}"
    if unit in ("%", "percent"):
        return f"{text}%"
    if unit in ("s", "seconds", "ms"):
        return f"{text}{'ms' if unit == 'ms' else 's'}"
    return f"{text}{unit}"


def time_buckets(
    samples: Sequence[Sample], width: int, range_s: float, end: datetime
) -> list[float]:
    """The peak of each of `width` time slots ending at `end`, slots aligned to the clock.

    Aligning the slots to absolute time (not to the number of samples) keeps every column
    but the newest unchanged between refreshes, so a redraw sends one column, not the line.
    Empty slots repeat the slot before them; slots before the first sample are NaN.
    """
    if width <= 0:
        return []
    slot = max(range_s / width, 1e-9)
    last = math.floor(end.timestamp() / slot)
    first = last - width + 1
    peaks: list[float] = [math.nan] * width
    for sample in samples:
        index = math.floor(sample.at.timestamp() / slot) - first
        if 0 <= index < width and not math.isnan(sample.value):
            current = peaks[index]
            peaks[index] = sample.value if math.isnan(current) else max(current, sample.value)
    seen = False
    for i in range(width):
        if math.isnan(peaks[i]):
            if seen:
                peaks[i] = peaks[i - 1]
        else:
            seen = True
    return peaks
