"""What a silence action did, as one fact for the incident log: every id and where it lives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.domain.alerts import Matcher, Placement


@dataclass(frozen=True, slots=True)
class SilenceFact:
    """What happened, for the incident log: one fact per action, however many clusters."""

    action: str  # "created" | "extended" | "edited" | "expired" | "acked" | "ack-extended" | ...
    silence_id: str  # the first placement's id
    source: str  # the clusters, comma-separated
    matchers: tuple[Matcher, ...] = ()
    comment: str = ""
    created_by: str = ""
    ends_at: datetime | None = None
    previous_id: str | None = None
    matched: int | None = None  # every firing alert it matches, already silenced or not
    already_silenced: int = 0  # of those, how many another silence (an ack) already held
    placements: tuple[Placement, ...] = ()
    failures: tuple[str, ...] = ()  # "us1: connection refused" for clusters it did not reach
    previous: tuple[Placement, ...] = ()  # the ids an extension replaced, per cluster

    @property
    def ids(self) -> dict[str, str]:
        """cluster -> silence id, for the log entry's data."""
        return {p.cluster: p.silence_id for p in self.placements}

    def where(self) -> str:
        """`abc123 in us1 (am-us1-a), def456 in eu1 (was 9f8e…)`: every id and where it lives."""
        was = {p.cluster: p.silence_id for p in self.previous}
        parts = []
        for p in self.placements:
            text = f"{p.silence_id} in {p.cluster}"
            if p.members and p.members != (p.cluster,):
                text += f" ({', '.join(p.members)})"
            old = was.get(p.cluster)
            if old and old != p.silence_id:
                text += f" (was {old})"
            parts.append(text)
        return ", ".join(parts)

    def describe(self) -> str:
        """One line for the incident log."""
        if self.action == "ack-extended":  # every few minutes: short (the ids are in its data)
            name = next((m.value for m in self.matchers if m.name == "alertname"), "ack")
            until = f" until {self.ends_at:%H:%M}Z" if self.ends_at is not None else ""
            return f"ack extended: {name}{until} ({self.created_by}) [{self.source}]"
        if self.placements:
            parts = [f"silence {self.action}: {self.where()}"]
        else:
            parts = [f"silence {self.action}: {self.silence_id}"]
            if self.previous_id and self.previous_id != self.silence_id:
                parts.append(f"(was {self.previous_id})")
        if self.matchers:
            parts.append("{" + ", ".join(str(m) for m in self.matchers) + "}")
        if self.ends_at is not None:
            parts.append(f"until {self.ends_at:%H:%M:%S}Z")
        if self.matched is not None:
            held = f" ({self.already_silenced} already silenced)" if self.already_silenced else ""
            parts.append(f"matching {self.matched} alert(s){held}")
        if self.created_by:
            parts.append(f"by {self.created_by}")
        if self.comment:
            parts.append(f"— {self.comment}")
        if self.failures:
            parts.append("NOT in " + "; ".join(self.failures))
        if not self.placements:
            parts.append(f"[{self.source}]")
        return " ".join(parts)
