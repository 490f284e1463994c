"""The drill's simulated world: signal curves, alert rules and the remedies run so far.

Everything is a pure function of (scenario, seed, drill time, commands run so far), so the same
seed and the same actions at the same drill times give the same alerts and numbers. Wall time
only enters through the injected real clock, which sets the pace of drill time (`speed`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from warroom.domain.alerts import Alert, AlertState, fingerprint_of
from warroom.domain.clock import Clock, SystemClock
from warroom.domain.errors import ConfigError
from warroom.domain.ports import Sources
from warroom.drill.scenario import AlertRule, BurnSegment, Scenario, SignalCurve, StepResponse

NOISE_STEP_S = 10  # noise knots every 10 drill seconds, linearly joined: calm but alive
HISTORY_S = 1800  # how far back alert rules are evaluated (the sparklines' range)


MAX_SPEED = 1000  # a day of drill in under 90 s; faster overflows timestamps, helps no one


class DrillClock:
    """Drill time: starts at the real start time and runs `speed` times faster."""

    def __init__(self, real: Clock, start: datetime, speed: float) -> None:
        self._real = real
        self._real_start = real.now()
        self.start = start
        self.speed = speed

    def now(self) -> datetime:
        return self.start + (self._real.now() - self._real_start) * self.speed


@dataclass(frozen=True, slots=True)
class CommandRun:
    """One command given to the drill executor, at drill seconds since the start."""

    command: str
    response: StepResponse | None
    started_s: float
    effect_s: float  # when its effect begins: the simulated step has finished


@dataclass(slots=True)
class _AlertTrack:
    rule: AlertRule
    fingerprint: str
    next_s: int
    holding_since: float | None = None
    firing_since: float | None = None


@dataclass(frozen=True, slots=True)
class AlertEvent:
    at_s: float
    name: str
    fingerprint: str
    fired: bool  # False: resolved


@dataclass(frozen=True, slots=True)
class DrillSummary:
    """What the drill itself knows: its ground truth in drill seconds from the first firing
    alert (tests compare the incident clock with it). The quit summary prints the incident
    clock's times instead (`drill.record.summary_lines`), as every other surface does."""

    scenario: str
    seed: int
    speed: float
    elapsed_s: float
    detected_s: float | None
    acknowledge_s: float | None
    mitigate_s: float | None
    resolve_s: float | None
    remedies: tuple[str, ...] = ()
    decoys: tuple[str, ...] = ()
    simulated: int = 0


@dataclass(slots=True)
class _Marks:
    acknowledged_s: float | None = None
    runs: list[CommandRun] = field(default_factory=list)


class DrillWorld:
    """One running drill: the scenario, its seed, its clock and what the commander did."""

    def __init__(
        self, scenario: Scenario, seed: int = 0, speed: float = 1.0, clock: Clock | None = None
    ) -> None:
        if not (0 < speed <= MAX_SPEED and math.isfinite(speed)):
            raise ConfigError(
                f"drill speed must be a number above 0 up to {MAX_SPEED}, not {speed!r}"
            )
        self.scenario = scenario
        self.seed = seed
        self.speed = speed
        self.real_clock: Clock = clock or SystemClock()
        self.clock = DrillClock(self.real_clock, self.real_clock.now(), speed)
        self.started_at = self.clock.start
        # With the real system clock, simulated steps take (a bounded share of) their time.
        self.pace_steps = clock is None
        self._marks = _Marks()
        self._noise_cache: dict[tuple[str, int], float] = {}
        first = min(
            (seg.at_s for curve in scenario.signals.values() for seg in curve.burn),
            default=0.0,
        )
        start_s = math.floor(min(-HISTORY_S, first)) - 1
        self._tracks = [
            _AlertTrack(rule, fingerprint_of({"alertname": rule.name, **rule.labels}), start_s)
            for rule in scenario.alerts
        ]
        self._events: list[AlertEvent] = []
        self._sources: Sources | None = None

    # ------------------------------------------------------------ time

    def elapsed(self) -> float:
        """Drill seconds since the drill began."""
        return (self.clock.now() - self.started_at).total_seconds()

    def at(self, seconds: float) -> datetime:
        return self.started_at + timedelta(seconds=seconds)

    def seconds(self, when: datetime) -> float:
        return (when - self.started_at).total_seconds()

    # ------------------------------------------------------------ signals

    def clean_value(self, key: str, t: float) -> float:
        """The signal without noise at drill second `t`: burn, minus relief, plus harm."""
        curve = self.scenario.signals[key]
        value = _burn(curve, t)
        harm = 0.0
        for run in self._marks.runs:
            response = run.response
            if response is None or t < run.effect_s:
                continue
            since = t - run.effect_s
            if key in response.recover:
                value += (curve.baseline - value) * _relief(response, since)
            amount = response.worsen.get(key)
            if amount:
                harm += amount * _fade(response, since)
        value += harm
        return _clamp(curve, value)

    def value(self, key: str, t: float) -> float:
        """What the drill's Prometheus would answer at drill second `t`."""
        curve = self.scenario.signals[key]
        clean = self.clean_value(key, t)
        if curve.noise:
            clean *= 1.0 + curve.noise * self._noise(key, t)
        clean = _clamp(curve, clean)
        return float(round(clean)) if curve.integer else clean

    def _noise(self, key: str, t: float) -> float:
        knot = math.floor(t / NOISE_STEP_S)
        frac = t / NOISE_STEP_S - knot
        a, b = self._knot(key, knot), self._knot(key, knot + 1)
        return a + (b - a) * frac

    def _knot(self, key: str, knot: int) -> float:
        cached = self._noise_cache.get((key, knot))
        if cached is None:
            if len(self._noise_cache) > 50_000:
                self._noise_cache.clear()
            cached = random.Random(f"{self.seed}:{key}:{knot}").uniform(-1.0, 1.0)
            self._noise_cache[(key, knot)] = cached
        return cached

    # ------------------------------------------------------------ alerts

    def _advance(self, t: float) -> None:
        """Evaluate every alert rule on a one-second grid up to `t` (only ever forwards)."""
        last = math.floor(t)
        for track in self._tracks:
            rule = track.rule
            while track.next_s <= last:
                s = track.next_s
                track.next_s += 1
                if rule.holds(self.clean_value(rule.signal, s)):
                    if track.holding_since is None:
                        track.holding_since = s
                    if track.firing_since is None and s - track.holding_since >= rule.for_s:
                        track.firing_since = s
                        self._events.append(AlertEvent(s, rule.name, track.fingerprint, True))
                else:
                    if track.firing_since is not None:
                        self._events.append(AlertEvent(s, rule.name, track.fingerprint, False))
                    track.holding_since = track.firing_since = None

    def firing(self) -> list[Alert]:
        """The alerts firing now, as Alertmanager would list them (before silences)."""
        self._advance(self.elapsed())
        alerts = []
        for track in self._tracks:
            if track.firing_since is None:
                continue
            rule = track.rule
            alerts.append(
                Alert(
                    fingerprint=track.fingerprint,
                    name=rule.name,
                    labels=dict(rule.labels),
                    annotations=dict(rule.annotations),
                    starts_at=self.at(track.firing_since),
                    state=AlertState.ACTIVE,
                    generator_url=f"drill://{self.scenario.name}/{rule.name}",
                )
            )
        return alerts

    def events(self) -> list[AlertEvent]:
        """Alert fired/resolved transitions so far, oldest first."""
        self._advance(self.elapsed())
        return list(self._events)

    # ------------------------------------------------------------ actions

    def respond(self, command: str) -> CommandRun:
        """Record a command given to the drill; its effect begins when the step would finish."""
        now = self.elapsed()
        self._advance(now)
        response = next((r for r in self.scenario.responses() if r.matches(command)), None)
        duration = response.duration_s if response else 1.0
        run = CommandRun(command, response, now, now + duration)
        self._marks.runs.append(run)
        return run

    def forget(self, run: CommandRun) -> None:
        """Undo a run cancelled before its effect began (the step never finished)."""
        if run in self._marks.runs and run.effect_s > self.elapsed():
            self._marks.runs.remove(run)

    def acknowledge(self) -> None:
        """Mark the incident acknowledged (the first time counts)."""
        if self._marks.acknowledged_s is None:
            self._marks.acknowledged_s = self.elapsed()

    @property
    def runs(self) -> list[CommandRun]:
        return list(self._marks.runs)

    # ------------------------------------------------------------ outcome

    def _mitigated_s(self, now: float) -> float | None:
        times = [
            r.effect_s
            for r in self._marks.runs
            if r.response is not None and r.response.role == "remedy" and r.effect_s <= now
        ]
        return min(times) if times else None

    def _resolved_s(self, now: float) -> float | None:
        mitigated = self._mitigated_s(now)
        if mitigated is None or not self._events:
            return None
        if any(track.firing_since is not None for track in self._tracks):
            return None
        last_resolve = max((e.at_s for e in self._events if not e.fired), default=mitigated)
        return max(mitigated, last_resolve)

    @property
    def mitigated(self) -> bool:
        """The right remedy has run and taken effect (diagnostics then print healthy output)."""
        return self._mitigated_s(self.elapsed()) is not None

    @property
    def finished(self) -> bool:
        """Every alert has resolved after the right remedy ran."""
        now = self.elapsed()
        self._advance(now)
        return self._resolved_s(now) is not None

    def summary(self) -> DrillSummary:
        now = self.elapsed()
        self._advance(now)
        fired = [e.at_s for e in self._events if e.fired]
        detected = max(0.0, float(min(fired))) if fired else None

        def since_detection(t: float | None) -> float | None:
            if t is None or detected is None:
                return None
            return max(0.0, t - detected)

        runs = self._marks.runs
        return DrillSummary(
            scenario=self.scenario.name,
            seed=self.seed,
            speed=self.speed,
            elapsed_s=max(0.0, now),
            detected_s=detected,
            acknowledge_s=since_detection(self._marks.acknowledged_s),
            mitigate_s=since_detection(self._mitigated_s(now)),
            resolve_s=since_detection(self._resolved_s(now)),
            remedies=_names(r for r in runs if r.response and r.response.role == "remedy"),
            decoys=_names(r for r in runs if r.response and r.response.role == "decoy"),
            simulated=sum(1 for r in runs if r.response is None),
        )

    def sources(self) -> Sources:
        """The drill behind the same ports as the live sources, ready to inject into the UI.

        Built once per world: silences live in its alert source and must not fork.
        """
        if self._sources is None:
            self._sources = self._build_sources()
        return self._sources

    def _build_sources(self) -> Sources:
        from warroom.drill.context import DrillContextSource
        from warroom.drill.sources import (
            DrillAlertSource,
            DrillCatalog,
            DrillExecutor,
            DrillSignalSource,
        )

        signals = DrillSignalSource(self)
        return Sources(
            environment=f"drill · {self.scenario.name}",
            alert_sources=[DrillAlertSource(self)],
            signal_sources={"prometheus": signals, "postgres": signals},
            executors=[DrillExecutor(self)],
            catalog=DrillCatalog(self),
            context_sources=[DrillContextSource(self)] if self.scenario.workloads else [],
            is_drill=True,
            is_production=False,
        )


def _names(runs: Iterable[CommandRun]) -> tuple[str, ...]:
    """Names of the steps run, first run first, each once."""
    return tuple(dict.fromkeys(r.response.name for r in runs if r.response is not None))


def _ramp(seg: BurnSegment, start: float, t: float) -> float:
    if seg.over_s <= 0:
        return seg.to
    return start + (seg.to - start) * min(1.0, (t - seg.at_s) / seg.over_s)


def _burn(curve: SignalCurve, t: float) -> float:
    """The incident's curve without any remedy: baseline, then each segment's ramp in turn."""
    current: BurnSegment | None = None
    start = curve.baseline
    for seg in curve.burn:
        if t < seg.at_s:
            break
        start = _ramp(current, start, seg.at_s) if current is not None else curve.baseline
        current = seg
    return curve.baseline if current is None else _ramp(current, start, t)


def _relief(response: StepResponse, since: float) -> float:
    """How far (0..1) a recovery has pulled a signal back to baseline, `since` s after it."""
    f = 1.0 if response.recover_s <= 0 else min(1.0, since / response.recover_s)
    if response.relapse_after_s is None:
        return f
    hold_end = response.recover_s + response.relapse_after_s
    if since <= hold_end:
        return f
    if response.relapse_s <= 0:
        return 0.0
    return max(0.0, 1.0 - (since - hold_end) / response.relapse_s)


def _fade(response: StepResponse, since: float) -> float:
    if since < response.worsen_s:
        return 1.0
    return max(0.0, 1.0 - (since - response.worsen_s) / 60.0)


def _clamp(curve: SignalCurve, value: float) -> float:
    value = max(curve.minimum, value)
    if curve.maximum is not None:
        value = min(curve.maximum, value)
    return value
