"""The drill behind the live ports: alerts with real in-memory silences, signals, an executor.

These never do IO and never start a process. They still `await` like real sources so the
console's workers, timeouts and error paths are exercised the same way in a drill.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from msgspec.structs import replace as replace_struct

from warroom.domain.alerts import (
    Alert,
    AlertState,
    Silence,
    SilenceRequest,
    alert_labels,
    is_ack_silence,
)
from warroom.domain.errors import SourceBadResponse
from warroom.domain.ports import OutputSink, RenderedStep, StepResult
from warroom.domain.runbooks import StepKind
from warroom.domain.signals import Sample, SignalSpec
from warroom.drill.scenario import GOLDEN_KEYS
from warroom.drill.world import DrillWorld

SIMULATED_LINE = "(drill) simulated — this command was not run"
MAX_REAL_STEP_WAIT_S = 3.0  # a paced drill step never keeps the commander waiting longer


class DrillAlertSource:
    """Alertmanager, simulated: firing alerts from the world, silences kept in memory."""

    name = "drill"
    can_silence = True

    def __init__(self, world: DrillWorld) -> None:
        self.world = world
        self._silences: dict[str, Silence] = {}
        self._ids = itertools.count(1)

    def _state(self, silence: Silence, now: datetime) -> str:
        if silence.ends_at <= now:
            return "expired"
        if silence.starts_at > now:
            return "pending"
        return "active"

    async def fetch_alerts(self) -> list[Alert]:
        await asyncio.sleep(0)
        now = self.world.clock.now()
        active = [s for s in self._silences.values() if self._state(s, now) == "active"]
        alerts = []
        for alert in self.world.firing():
            labels = alert_labels(alert)
            by = tuple(s.id for s in active if all(m.matches(labels) for m in s.matchers))
            if by:
                alert = replace_struct(alert, state=AlertState.SUPPRESSED, silenced_by=by)
            alerts.append(alert)
        return alerts

    async def list_silences(self) -> list[Silence]:
        await asyncio.sleep(0)
        now = self.world.clock.now()
        return [replace(s, state=self._state(s, now)) for s in self._silences.values()]

    async def create_silence(self, request: SilenceRequest) -> str:
        await asyncio.sleep(0)
        if not request.matchers:
            raise SourceBadResponse("a silence needs at least one matcher")
        if request.ends_at <= request.starts_at:
            raise SourceBadResponse("a silence must end after it starts")
        silence_id = request.id
        if silence_id is not None:
            previous = self._silences.get(silence_id)
            if previous is None:
                raise SourceBadResponse(f"no such silence: {silence_id}")
            # Like Alertmanager: an expired silence, or one whose matchers change, is not
            # updated in place; the old one ends and the update gets a new id.
            now = self.world.clock.now()
            state = self._state(previous, now)
            if state == "expired" or tuple(previous.matchers) != tuple(request.matchers):
                if state != "expired":
                    self._silences[silence_id] = replace(previous, ends_at=now)
                silence_id = None
        silence_id = silence_id or f"drill-silence-{next(self._ids)}"
        silence = Silence(
            id=silence_id,
            matchers=tuple(request.matchers),
            starts_at=request.starts_at,
            ends_at=request.ends_at,
            created_by=request.created_by,
            comment=request.comment,
            origins=(self.name,),
        )
        self._silences[silence_id] = silence
        if is_ack_silence(silence):
            self.world.acknowledge()
        return silence_id

    async def expire_silence(self, silence_id: str) -> None:
        await asyncio.sleep(0)
        silence = self._silences.get(silence_id)
        if silence is None:
            raise SourceBadResponse(f"no such silence: {silence_id}")
        now = self.world.clock.now()
        if self._state(silence, now) != "expired":
            self._silences[silence_id] = replace(silence, ends_at=now)

    async def aclose(self) -> None:
        return None


class DrillSignalSource:
    """Prometheus and PostgreSQL, simulated: the four golden signals of the scenario."""

    name = "drill"

    def __init__(self, world: DrillWorld) -> None:
        self.world = world

    def _check(self, spec: SignalSpec) -> None:
        if spec.key not in GOLDEN_KEYS or spec.key not in self.world.scenario.signals:
            raise SourceBadResponse(f"{spec.key}: no such signal in this drill")

    async def sample(self, spec: SignalSpec, service: str | None) -> Sample:
        await asyncio.sleep(0)
        self._check(spec)
        now = self.world.clock.now()
        return Sample(now, self.world.value(spec.key, self.world.seconds(now)))

    async def history(self, spec: SignalSpec, service: str | None, end: datetime) -> list[Sample]:
        """`spec.range_s` up to `end` (never past now), every `spec.step_s`, oldest first."""
        await asyncio.sleep(0)
        self._check(spec)
        end = min(end, self.world.clock.now())
        step = max(1, spec.step_s)
        count = max(1, spec.range_s // step)
        samples = []
        for k in range(count, -1, -1):
            at = end - timedelta(seconds=k * step)
            samples.append(Sample(at, self.world.value(spec.key, self.world.seconds(at))))
        return samples

    async def aclose(self) -> None:
        return None


class DrillCatalog:
    def __init__(self, world: DrillWorld) -> None:
        self.world = world

    async def services(self) -> list[str]:
        await asyncio.sleep(0)
        return sorted(self.world.scenario.services)


_GENERIC_OUTPUT = {
    StepKind.SHELL: ["(drill) no output"],
    StepKind.SQL: ["(0 rows)"],
    StepKind.PROMQL: ["(drill) empty query result"],
    StepKind.HTTP: ["HTTP/1.1 200 OK", '{"status": "ok"}'],
}


# PromQL steps are answered from the simulated signals, so Verify steps show real movement.
_PROMQL_SIGNALS: tuple[tuple[re.Pattern[str], str, float], ...] = (
    (re.compile(r'\bup\{[^}]*job=~?"?api\b'), "up", 1.0),
    (re.compile(r'\bup\{[^}]*job=~?"?worker\b'), "workers", 3.0),
    (re.compile(r"http_requests_total.*5\.\."), "error_rate", 0.0),
    (re.compile(r"http_request_duration"), "latency_p95", 0.0),
    (re.compile(r"pg_stat_activity_count"), "connections", 0.0),
    (re.compile(r"queue_depth"), "queue_depth", 0.0),
)
_TEMPLATE = re.compile(r"\{([a-z][a-z0-9_]*)(?::([^{}]*))?\}")


def _fill(line: str, values: dict[str, float]) -> str:
    """Put current signal values into `{connections:.0f}`-style slots; leave anything else."""

    def one(m: re.Match[str]) -> str:
        value = values.get(m.group(1))
        if value is None:
            return m.group(0)
        try:
            return format(value, m.group(2) or "g")
        except ValueError:
            return m.group(0)

    return _TEMPLATE.sub(one, line)


def _promql_answer(world: DrillWorld, query: str) -> list[str] | None:
    now = world.elapsed()
    for pattern, key, default in _PROMQL_SIGNALS:
        if pattern.search(query):
            value = world.value(key, now) if key in world.scenario.signals else default
            return [f"(drill) simulated answer at {world.clock.now():%H:%M:%S}Z", f"{value:g}"]
    return None


class DrillExecutor:
    """Runs every runnable step in a drill by printing what the scenario says it would print.

    Nothing is executed: a command matching a remedy or decoy changes the simulated world;
    any other command prints that it was simulated and succeeds.
    """

    name = "drill"

    def __init__(self, world: DrillWorld) -> None:
        self.world = world

    def handles(self, rendered: RenderedStep) -> bool:
        return rendered.step.kind.runnable

    async def execute(
        self, rendered: RenderedStep, emit: OutputSink, timeout_s: float
    ) -> StepResult:
        world = self.world
        run = world.respond(rendered.command)
        response = run.response
        columns: list[str] | None = None
        rows: list[tuple[Any, ...]] | None = None
        answer = None
        if response is None and rendered.step.kind is StepKind.PROMQL:
            answer = _promql_answer(world, rendered.command)
        if answer is not None:
            lines, exit_code = answer, 0
        elif response is None:
            lines = [SIMULATED_LINE, *_GENERIC_OUTPUT.get(rendered.step.kind, [])]
            exit_code = 0
            if rendered.step.kind is StepKind.SQL:
                columns, rows = [], []
        else:
            stdout, exit_code = response.stdout, response.exit_code
            if response.stdout_fixed is not None and world.mitigated:
                # After the fix the world looks healthy; the table rows describe the incident.
                stdout = response.stdout_fixed
                if response.exit_code_fixed is not None:
                    exit_code = response.exit_code_fixed
            else:
                if response.columns is not None:
                    columns = list(response.columns)
                if response.rows is not None:
                    rows = [tuple(r) for r in response.rows]
            now = world.elapsed()
            values = {key: world.value(key, now) for key in world.scenario.signals}
            lines = [f"(drill) simulated: {response.name}", *(_fill(x, values) for x in stdout)]
        duration = run.effect_s - run.started_s
        pause = 0.0
        if world.pace_steps:
            pause = min(duration / world.speed, MAX_REAL_STEP_WAIT_S, max(0.0, timeout_s)) / max(
                1, len(lines)
            )
        try:
            for line in lines:
                emit(line)
                await asyncio.sleep(pause)
        except asyncio.CancelledError:
            world.forget(run)
            raise
        return StepResult(
            exit_code=exit_code,
            duration_s=duration,
            output="\n".join(lines),
            executor=self.name,
            rows=rows,
            columns=columns,
        )
