"""In-memory sources for UI tests: they implement the same ports as the live ones."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from warroom.domain.alerts import Alert, Silence, SilenceRequest, fingerprint_of
from warroom.domain.clock import Clock
from warroom.domain.errors import SourceUnavailable
from warroom.domain.service_context import ServiceContext, newest_first
from warroom.domain.signals import Sample, SignalSpec

Held = dict[str, Sequence[Any]]  # what a fake context source holds for one service


def make_alert(name: str, severity: str, started: datetime, **labels: str) -> Alert:
    all_labels = {"severity": severity, **labels}
    return Alert(
        fingerprint=fingerprint_of({"alertname": name, **all_labels}),
        name=name,
        labels=all_labels,
        annotations={"summary": f"{name} on {labels.get('service', '?')}"},
        starts_at=started,
    )


class FakeAlertSource:
    """Serves a fixed list of alerts; optionally hangs to prove the UI never waits on it."""

    can_silence = True

    def __init__(self, alerts: list[Alert], *, hang_s: float = 0.0, name: str = "fake-am") -> None:
        self.name = name
        self.alerts = alerts
        self.hang_s = hang_s
        self.silences: list[Silence] = []
        self.calls = 0

    async def fetch_alerts(self) -> list[Alert]:
        self.calls += 1
        if self.hang_s:
            await asyncio.sleep(self.hang_s)
        return list(self.alerts)

    async def list_silences(self) -> list[Silence]:
        return list(self.silences)

    async def create_silence(self, request: SilenceRequest) -> str:
        if request.id is not None:  # extend in place, as Alertmanager does for an active one
            self.silences = [s for s in self.silences if s.id != request.id]
        sid = request.id or f"s{len(self.silences) + 1}-{id(request) % 10000}"
        self.silences.append(
            Silence(
                sid,
                request.matchers,
                request.starts_at,
                request.ends_at,
                request.created_by,
                request.comment,
            )
        )
        return sid

    async def expire_silence(self, silence_id: str) -> None:
        self.silences = [s for s in self.silences if s.id != silence_id]

    async def aclose(self) -> None:
        return None


class FakeSignalSource:
    """A flat series per signal key, or a failure, or a hang."""

    def __init__(
        self, values: dict[str, float], *, hang_s: float = 0.0, fail: bool = False
    ) -> None:
        self.name = "fake-prom"
        self.values = values
        self.hang_s = hang_s
        self.fail = fail
        self.asked: list[str | None] = []  # the service of every call, in order

    async def sample(self, spec: SignalSpec, service: str | None) -> Sample:
        self.asked.append(service)
        if self.hang_s:
            await asyncio.sleep(self.hang_s)
        if self.fail:
            raise SourceUnavailable("connection refused")
        from datetime import UTC

        return Sample(datetime.now(UTC), self.values.get(spec.key, 1.0))

    async def history(self, spec: SignalSpec, service: str | None, end: datetime) -> list[Sample]:
        self.asked.append(service)
        if self.hang_s:
            await asyncio.sleep(self.hang_s)
        if self.fail:
            raise SourceUnavailable("connection refused")
        value = self.values.get(spec.key, 1.0)
        return [Sample(end - timedelta(seconds=30 * i), value) for i in range(60, 0, -1)]

    async def aclose(self) -> None:
        return None


class FakeContextSource:
    """A `ServiceContextSource` serving fixed containers, pods, rollouts and changes per
    service (all of them when no service is asked for); it fails or hangs on demand."""

    def __init__(self, clock: Clock, name: str = "fake-docker", **by_service: Held) -> None:
        self.name = name
        self.clock = clock
        self.by_service = by_service  # service -> {"pods": [...], "changes": [...], ...}
        self.fail: str | None = None
        self.hang_s = 0.0
        self.asked: list[str | None] = []

    async def context(self, service: str | None, since: datetime) -> ServiceContext:
        self.asked.append(service)
        if self.hang_s:
            await asyncio.sleep(self.hang_s)
        if self.fail:
            raise SourceUnavailable(self.fail)
        parts: dict[str, list[Any]] = {}
        for name, held in self.by_service.items():
            if service is None or str(service) == name:
                for key, values in held.items():
                    parts.setdefault(key, []).extend(values)
        return ServiceContext(
            source=self.name,
            service=service,
            fetched_at=self.clock.now(),
            containers=tuple(parts.get("containers", ())),
            pods=tuple(parts.get("pods", ())),
            rollouts=tuple(parts.get("rollouts", ())),
            changes=tuple(newest_first(c for c in parts.get("changes", ()) if c.at >= since)),
        )

    async def aclose(self) -> None:
        return None
