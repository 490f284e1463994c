"""Alerts firing and resolving, as incident-log entries.

One entry per alert while they come a few at a time; a storm (or the alerts already firing
when the console starts) becomes one summary entry, so the log stays readable and a 10,000
alert storm costs one write, not 10,000.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from warroom.domain.alerts import Alert
from warroom.domain.incident import EntryKind

BURST_LIMIT = 20


@dataclass(frozen=True, slots=True)
class AlertEvent:
    kind: EntryKind
    text: str
    data: dict[str, Any]


def alert_events(
    fired: Sequence[Alert], resolved: Sequence[Alert], limit: int = BURST_LIMIT
) -> list[AlertEvent]:
    return [
        *_events(EntryKind.ALERT_FIRED, fired, limit),
        *_events(EntryKind.ALERT_RESOLVED, resolved, limit),
    ]


def _events(kind: EntryKind, alerts: Sequence[Alert], limit: int) -> list[AlertEvent]:
    verb = "firing" if kind is EntryKind.ALERT_FIRED else "resolved"
    if len(alerts) <= limit:
        return [
            AlertEvent(
                kind,
                (
                    f"{a.severity.word} {a.name} {verb}: {a.summary}"
                    if verb == "firing"
                    else f"{a.name} resolved"
                ).strip(),
                {
                    "alertname": a.name,
                    "labels": dict(a.labels),
                    "fingerprint": a.fingerprint,
                    "starts_at": a.starts_at.isoformat(),
                    "key": f"{a.fingerprint}@{a.starts_at.isoformat()}",  # one entry per fact
                },
            )
            for a in alerts
        ]
    by_name = Counter(a.name for a in alerts)
    top = ", ".join(f"{name} ×{n}" for name, n in by_name.most_common(8))
    more = len(by_name) - 8
    text = f"{len(alerts):,} alerts {verb}: {top}" + (
        f", and {more} more names" if more > 0 else ""
    )
    # the same alerts seen again (a restarted console, a second one) make the same key
    key = hashlib.sha256(
        "\n".join(sorted(f"{a.fingerprint}@{a.starts_at.isoformat()}" for a in alerts)).encode()
    ).hexdigest()[:32]
    data = {"count": len(alerts), "by_name": dict(by_name), "key": key}
    return [AlertEvent(kind, text, data)]
