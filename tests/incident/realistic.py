"""An incident built the way the console writes one: alert entries from `alert_events`, step
entries from `services.steps.step_entry` (the fields the console really records), series
entries as the drill records them. Tests read exports of it; nothing here is hand-shaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from warroom.domain.alerts import Alert
from warroom.domain.incident import (
    Entry,
    EntryKind,
    Incident,
    IncidentSeverity,
    declare,
    new_entry,
)
from warroom.domain.incident_series import series_entry
from warroom.domain.ports import RenderedStep, StepResult
from warroom.domain.runbooks import Risk, Step, StepKind
from warroom.domain.signals import DEFAULT_SIGNALS
from warroom.services.alert_events import alert_events
from warroom.services.steps import step_entry

T0 = datetime(2026, 3, 14, 14, 0, 0, tzinfo=UTC)  # declared
IID = "INC-20260314-1400-abcd"
IC, TL = "alice@bastion-1", "bob@bastion-2"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def alert(name: str, severity: str, started: float, summary: str) -> Alert:
    return Alert(
        fingerprint=name.lower(),
        name=name,
        labels={"severity": severity, "service": "checkout-api", "job": "checkout-api"},
        annotations={"summary": summary},
        starts_at=at(started),
    )


def fired(a: Alert, seen: float) -> Entry:
    (event,) = alert_events([a], [])
    return new_entry(IID, event.kind, event.text, author=IC, now=at(seen), data=event.data)


def cleared(a: Alert, seen: float) -> Entry:
    (event,) = alert_events([], [a])
    return new_entry(IID, event.kind, event.text, author=IC, now=at(seen), data=event.data)


def step(
    minutes: float,
    command: str,
    risk: Risk,
    output: str,
    *,
    exit_code: int = 0,
    phase: str = "Mitigate",
    who: str = TL,
    params: Sequence[object] = (),
) -> Entry:
    rendered = RenderedStep(
        Step(StepKind.SHELL, command, line=12, risk=risk, phase=phase), command, tuple(params)
    )
    result = StepResult(exit_code=exit_code, duration_s=2.5, output=output, executor="shell")
    entry = step_entry(IID, rendered, result, author=who, now=at(minutes))
    return entry


def error_rate(values: Sequence[float], start: float, step_s: float = 60) -> Entry:
    spec = DEFAULT_SIGNALS[0]
    return series_entry(
        IID,
        key=spec.key,
        name=spec.name,
        unit=spec.unit,
        warn=spec.warn,
        critical=spec.critical,
        higher_is_worse=True,
        start=at(start),
        step_s=step_s,
        values=list(values),
        author=IC,
        now=at(60),
        source="test",
    )


WARN = alert("HighErrorRate", "warning", -8, "checkout 5xx error rate above 5 %")
CRIT = alert("HighErrorRateCritical", "critical", 3, "checkout 5xx error rate above 10 %")
LOGS = "\n".join(f"line {i}: KeyError 'currency'" for i in range(1, 31))


def entries(*, series: bool = True) -> list[Entry]:
    """Impact 13:52 (startsAt), seen 13:55, declared 14:00, acked 14:02, decoy restart 14:10,
    rollback 14:15, alerts clear 14:20 and 14:22, resolved 14:30."""
    first = declare(
        title="HighErrorRate: checkout 5xx error rate above 5 %",
        severity=IncidentSeverity.P1,
        author=IC,
        now=T0,
        services=["checkout-api"],
        impact="About 30% of checkout requests fail",
        alert="HighErrorRate",
        incident_id=IID,
    )
    out = [
        first,
        fired(WARN, -5),
        new_entry(
            IID,
            EntryKind.ALERT_ACKED,
            "Acknowledged HighErrorRate (checkout-api) for 15 min",
            author=IC,
            now=at(2),
            data={"silence_id": "s-1", "alertname": "HighErrorRate", "fingerprint": "x"},
        ),
        fired(CRIT, 4),
        new_entry(IID, EntryKind.NOTE, "errors started with deploy v2.14", author=TL, now=at(5)),
        step(6, "kubectl rollout history deployment/api -n prod", Risk.READ, "REVISION 41\n42"),
        step(10, "kubectl rollout restart deployment/api -n prod", Risk.WRITE, "restarted"),
        new_entry(
            IID,
            EntryKind.DECISION,
            "roll back to v2.13.2",
            author=IC,
            now=at(12),
        ),
        step(15, "kubectl rollout undo deployment/api -n prod", Risk.WRITE, LOGS),
        new_entry(
            IID,
            EntryKind.STATUS_UPDATE,
            "[P1] UPDATE (mitigating): checkout errors\nNext update: by 14:31 UTC",
            author=IC,
            now=at(16),
            data={"template": "update"},
        ),
        new_entry(
            IID,
            EntryKind.STATUS,
            "Status: investigating → monitoring",
            author=IC,
            now=at(18),
            data={"status": "monitoring"},
        ),
        cleared(CRIT, 20),
        cleared(WARN, 22),
        new_entry(
            IID,
            EntryKind.ACTION_ITEM,
            "Action item: canary deploys for api",
            author=IC,
            now=at(25),
            data={
                "action": "canary deploys for api type=prevent ticket=OPS-12",
                "owner": "bob",
                "due": "2020-01-31",
                "status": "Open",
            },
        ),
        new_entry(
            IID,
            EntryKind.STATUS,
            "Status: monitoring → resolved",
            author=IC,
            now=at(30),
            data={"status": "resolved"},
        ),
    ]
    if series:
        # 13:45 .. 14:45 every minute: climbing to 16 %, flat after the restart, down after
        # the rollback at 14:15
        values = [0.4] * 7 + [2 + i * 1.5 for i in range(18)] + [27.0, 28.0, 27.5, 28.5, 28.0, 27.0]
        values += [20.0, 14.0, 8.0, 3.0, 1.0]
        values += [0.4] * (61 - len(values))
        out.append(error_rate(values, -15))
    return out


def incident(*, series: bool = True) -> Incident:
    return Incident.from_entries(entries(series=series))
