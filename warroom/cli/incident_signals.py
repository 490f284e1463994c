"""The incident's own signals from Prometheus, for the command-line export (read-only).

A small use of the existing signal source: one `query_range` per configured Prometheus panel
over the incident window (±15 minutes), at the panel's step (coarser for long incidents, so
a query stays under Prometheus's 11,000 points). Failures are one line each, never fatal:
the post-mortem is still written, saying which signal could not be read.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import replace
from datetime import datetime

from warroom.config import Settings
from warroom.domain.errors import SourceError
from warroom.domain.incident import Incident
from warroom.domain.milestones import incident_clock
from warroom.domain.signals import SignalSpec
from warroom.export.model import incident_window
from warroom.export.signals_view import SignalTrack

MAX_POINTS = 1000
TIMEOUT_S = 20.0


def step_for(spec: SignalSpec, window_s: float) -> int:
    return max(1, spec.step_s, math.ceil(window_s / MAX_POINTS))


async def _one(source: object, spec: SignalSpec, service: str | None, end: datetime) -> SignalTrack:
    samples = await asyncio.wait_for(source.history(spec, service, end), TIMEOUT_S)  # type: ignore[attr-defined]
    return SignalTrack(
        spec.key,
        spec.name,
        spec.unit,
        spec.warn,
        spec.critical,
        spec.higher_is_worse,
        "prometheus",
        tuple((s.at, s.value) for s in samples),
    )


def window_specs(
    settings: Settings, incident: Incident, now: datetime
) -> tuple[list[SignalSpec], datetime]:
    """The Prometheus panels, each stretched to the incident window; and the window's end."""
    start, end = incident_window(incident, incident_clock(incident), now)
    end = min(end, now)
    span = max(1.0, (end - start).total_seconds())
    specs = [
        replace(s, range_s=math.ceil(span), step_s=step_for(s, span))
        for s in settings.signals
        if s.source == "prometheus"
    ]
    return specs, end


async def prometheus_tracks(
    settings: Settings, incident: Incident, now: datetime, warn: list[str]
) -> dict[str, SignalTrack]:
    """Every Prometheus panel over the window, by name; `warn` collects one line per failure."""
    env = settings.active_environment
    if env is None or env.prometheus is None:
        return {}
    from warroom.sources.prometheus import PrometheusSignals

    source = PrometheusSignals(env.prometheus)
    specs, end = window_specs(settings, incident, now)
    service = incident.services[0] if incident.services else None
    out: dict[str, SignalTrack] = {}
    try:
        results = await asyncio.gather(
            *(_one(source, spec, service, end) for spec in specs), return_exceptions=True
        )
    finally:
        await source.aclose()
    for spec, result in zip(specs, results, strict=True):
        if isinstance(result, SignalTrack):
            out[spec.name] = result
        elif isinstance(result, SourceError | TimeoutError):
            warn.append(f"{spec.name}: {result or 'timed out'}")
        elif isinstance(result, BaseException):
            raise result
    return out
