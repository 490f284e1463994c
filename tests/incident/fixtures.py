"""A fixed, realistic incident for the golden post-mortem and the template tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from warroom.domain.incident import (
    Entry,
    EntryKind,
    Incident,
    IncidentSeverity,
    declare,
)

T0 = datetime(2026, 3, 14, 14, 0, 0, tzinfo=UTC)


def _e(n: int, kind: EntryKind, text: str, who: str, minutes: float, **kw: object) -> Entry:
    at = T0 + timedelta(minutes=minutes)
    recorded = kw.pop("recorded", at)
    return Entry(
        id=f"00000000-0000-4000-8000-{n:012d}",
        incident_id="INC-20260314-1400-abcd",
        kind=kind,
        text=text,
        author=who,
        at=at,
        recorded_at=recorded,  # type: ignore[arg-type]
        data=dict(kw.pop("data", {})),  # type: ignore[call-overload]
        corrects=kw.pop("corrects", None),  # type: ignore[arg-type]
    )


def fixed_entries() -> list[Entry]:
    """Declared 14:00, alert 13:58, mitigated 14:20, resolved 14:41; secrets pasted on purpose."""
    first = declare(
        title="Checkout API 5xx | payments",
        severity=IncidentSeverity.P1,
        author="alice@bastion-1",
        now=T0,
        services=["checkout-api", "payments-db"],
        impact="About 30% of checkout requests fail with 503",
        alert="HighErrorRate",
        incident_id="INC-20260314-1400-abcd",
    )
    first = Entry(
        **{
            **{f: getattr(first, f) for f in first.__slots__},
            "id": "00000000-0000-4000-8000-000000000001",
        }
    )  # type: ignore[attr-defined]
    a, b = "alice@bastion-1", "bob@bastion-2"
    return [
        first,
        _e(
            2,
            EntryKind.ALERT_FIRED,
            "HighErrorRate firing (checkout-api, critical)",
            a,
            -2,
            data={"alert": "HighErrorRate", "severity": "critical"},
        ),
        _e(
            3,
            EntryKind.ALERT_ACKED,
            "Acknowledged HighErrorRate for 15m",
            a,
            1,
            data={"alert": "HighErrorRate"},
        ),
        _e(
            4,
            EntryKind.ROLE,
            "Tech lead: bob@bastion-2",
            a,
            2,
            data={"role": "tech_lead", "person": b},
        ),
        _e(5, EntryKind.NOTE, "Error rate 31%, p95 4.2s;\nconnections at 98/100", b, 4),
        _e(
            6,
            EntryKind.STEP_RUN,
            "Ran db-connections › Show connection count: exit 0",
            b,
            6,
            data={
                "runbook": "db-connections",
                "step": "Show connection count",
                "command": "psql postgresql://app:hunter2@db/app -c 'select count(*) from pg_stat_activity' | tail -1",
                "exit_code": 0,
                "duration_s": 0.4,
                "output_ref": "step-output/6.log",
            },
        ),
        _e(
            7,
            EntryKind.STATUS,
            "Status: investigating → identified",
            a,
            8,
            data={"status": "identified"},
        ),
        _e(8, EntryKind.DECISION, "Kill idle-in-transaction sessions older than 5 min", a, 9),
        _e(
            9,
            EntryKind.STATUS_UPDATE,
            "[P1] UPDATE (identified): Checkout API 5xx",
            a,
            10,
            data={"template": "update"},
        ),
        _e(
            10,
            EntryKind.STEP_RUN,
            "Ran db-connections › Terminate idle sessions: exit 1",
            b,
            12,
            data={
                "runbook": "db-connections",
                "step": "Terminate idle sessions",
                "command": "curl -H 'Authorization: Bearer sk_live_abcdef1234567890' http://127.0.0.1/kill",
                "exit_code": 1,
                "duration_s": 1.2,
                "error": "permission denied",
            },
        ),
        _e(
            11,
            EntryKind.NOTE,
            "Pool saw a spike at 14:02 (backdated)",
            b,
            2,
            recorded=T0 + timedelta(minutes=13),
        ),
        _e(
            12,
            EntryKind.SILENCE,
            "Silenced DiskWillFillIn4h for 1h (noise)",
            a,
            14,
            data={"silence_id": "s-1"},
        ),
        _e(
            13,
            EntryKind.STATUS,
            "Status: identified → mitigating",
            a,
            20,
            data={"status": "mitigating"},
        ),
        _e(
            14,
            EntryKind.SNAPSHOT,
            "Error rate: 4.1 % ▇▇▆▃▁",
            a,
            25,
            data={"signal": "Error rate", "value": "4.1 %", "sparkline": "▇▇▆▃▁"},
        ),
        _e(
            15,
            EntryKind.CORRECTION,
            "Pool saw a spike at 14:01, not 14:02",
            b,
            26,
            corrects="00000000-0000-4000-8000-000000000011",
        ),
        _e(
            16,
            EntryKind.ACTION_ITEM,
            "Action item: Alert on idle-in-transaction sessions",
            a,
            30,
            data={
                "action": "Alert on idle-in-transaction sessions",
                "owner": "bob",
                "due": "2026-03-21",
                "status": "Open",
            },
        ),
        _e(
            17,
            EntryKind.STATUS,
            "Status: mitigating → monitoring",
            a,
            32,
            data={"status": "monitoring"},
        ),
        _e(
            18,
            EntryKind.ALERT_RESOLVED,
            "HighErrorRate resolved",
            a,
            33,
            data={"alert": "HighErrorRate"},
        ),
        _e(
            19,
            EntryKind.STATUS,
            "Status: monitoring → resolved",
            a,
            41,
            data={"status": "resolved"},
        ),
    ]


def fixed_incident() -> Incident:
    return Incident.from_entries(fixed_entries())


FIXED_SIGNALS = {
    "Error rate (%)": [0.5, 0.6, 12.0, 31.0, 28.0, 15.0, 4.1, 1.0, 0.4],
    "p95 latency (s)": [0.2, 0.3, 2.5, 4.2, 3.9, 1.0, 0.3, 0.25, 0.2],
}
EXPORT_NOW = T0 + timedelta(hours=1)
