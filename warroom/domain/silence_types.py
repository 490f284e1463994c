"""Silences as the console knows them (one per logical silence, with its id in each
Alertmanager cluster) and the requests it sends; acks are silences with a recognisable comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from warroom.domain.matchers import Matcher


@dataclass(frozen=True, slots=True)
class Placement:
    """One silence in one Alertmanager cluster: its id there and the members that listed it
    (HA peers gossip a silence, so one id serves the whole cluster)."""

    cluster: str
    silence_id: str
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Silence:
    """A silence as the console shows it: `id` is its id in the first cluster; `placements`
    has one entry per cluster it lives in (empty until the service has merged the lists)."""

    id: str
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    state: str = "active"
    origins: tuple[str, ...] = field(default=())
    placements: tuple[Placement, ...] = ()
    updated_at: datetime | None = None  # Alertmanager's updatedAt: when it was made or changed

    @property
    def ids(self) -> tuple[str, ...]:
        """Its id in every cluster it lives in (an alert's `silenced_by` names one of them)."""
        return tuple(p.silence_id for p in self.placements) or (self.id,)

    @property
    def where(self) -> str:
        """`eu1 (am-eu1-a, am-eu1-b), us1`: each cluster, and its members when they differ."""
        if not self.placements:
            return ", ".join(self.origins)
        parts = []
        for p in self.placements:
            members = [m for m in p.members if m != p.cluster]
            parts.append(f"{p.cluster} ({', '.join(members)})" if members else p.cluster)
        return ", ".join(parts)

    def seconds_left(self, now: datetime) -> float:
        return (self.ends_at - now).total_seconds()

    def expiring_soon(self, now: datetime, within: float = 300.0) -> bool:
        return 0 < self.seconds_left(now) <= within


ACK_COMMENT_PREFIX = "ACK by "


def ack_comment(who: str, incident: str | None) -> str:
    """Ack silences carry a recognisable comment so the console can find and extend its own."""
    tail = f" for incident {incident}" if incident else ""
    return f"{ACK_COMMENT_PREFIX}{who}{tail} (warroom)"


def is_ack_silence(silence: Silence) -> bool:
    return silence.comment.startswith(ACK_COMMENT_PREFIX) and silence.comment.endswith("(warroom)")


@dataclass(frozen=True, slots=True)
class SilenceRequest:
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    id: str | None = None  # set to extend (update) an existing silence
