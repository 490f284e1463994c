"""Silences from the console: prefilled requests, a live preview, and facts for the incident log.

Talks to `AlertSource` ports only. Every silence made, extended or expired comes back as a
`SilenceFact` the UI writes to the incident log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from warroom.domain.alerts import (
    Alert,
    AlertFilter,
    Matcher,
    Silence,
    SilenceRequest,
    matching_alerts,
)
from warroom.domain.clock import Clock
from warroom.domain.errors import ReadOnlySource, SourceBadResponse, SourceError
from warroom.domain.ports import AlertSource

# Labels that say which thing is alerting (as opposed to how bad, or who owns it).
IDENTIFYING_LABELS = (
    "service",
    "job",
    "instance",
    "pod",
    "namespace",
    "cluster",
    "region",
    "env",
    "environment",
    "route",
    "container",
    "deployment",
    "node",
    "queue",
    "database",
    "datname",
)
NON_IDENTIFYING = ("severity", "priority", "team", "owner", "tier", "page")


def identifying_matchers(alert: Alert) -> tuple[Matcher, ...]:
    """alertname plus the labels that identify what is alerting; if the alert has none of the
    usual ones, every label except the descriptive ones (severity, team ...)."""
    matchers = [Matcher("alertname", alert.name)] if alert.name else []
    chosen = [k for k in IDENTIFYING_LABELS if alert.labels.get(k)]
    if not chosen:
        chosen = sorted(
            k
            for k, v in alert.labels.items()
            if v and k not in NON_IDENTIFYING and k != "alertname"
        )
    matchers.extend(Matcher(k, alert.labels[k]) for k in chosen)
    return tuple(matchers)


def silence_request_for(
    alert: Alert,
    *,
    who: str,
    now: datetime,
    hours: float = 1.0,
    comment: str = "",
) -> SilenceRequest:
    """The request the `s` modal opens with: matchers prefilled and editable, 1 h by default."""
    return SilenceRequest(
        matchers=identifying_matchers(alert),
        starts_at=now,
        ends_at=now + timedelta(hours=hours),
        created_by=who,
        comment=comment,
    )


def bulk_request(
    flt: AlertFilter, *, who: str, now: datetime, hours: float = 1.0, comment: str = ""
) -> SilenceRequest:
    """A silence from the current filter. Free words cannot become matchers: check
    `bulk_ignored_words(flt)` and tell the commander before creating."""
    return SilenceRequest(
        matchers=tuple(flt.as_matchers()),
        starts_at=now,
        ends_at=now + timedelta(hours=hours),
        created_by=who,
        comment=comment,
    )


def preview(matchers: Sequence[Matcher], alerts: Iterable[Alert]) -> list[Alert]:
    """The firing (not already suppressed) alerts this silence would catch."""
    return [a for a in matching_alerts(matchers, alerts) if not a.is_silenced]


def validate(request: SilenceRequest, now: datetime) -> None:
    """Refuse what Alertmanager would refuse, with a reason the modal can show."""
    if not request.matchers:
        raise ValueError("a silence needs at least one matcher")
    if all(m.is_regex and m.value in (".*", "") for m in request.matchers):
        raise ValueError("these matchers would silence everything")
    if not request.comment.strip():
        raise ValueError("a comment is required")
    if request.ends_at <= max(now, request.starts_at):
        raise ValueError("the silence must end in the future")


@dataclass(frozen=True, slots=True)
class SilenceFact:
    """What happened, for the incident log."""

    action: str  # "created" | "extended" | "expired" | "acked" | "ack-extended" | "ack-released"
    silence_id: str
    source: str
    matchers: tuple[Matcher, ...] = ()
    comment: str = ""
    created_by: str = ""
    ends_at: datetime | None = None
    previous_id: str | None = None
    matched: int | None = None

    def describe(self) -> str:
        """One line for the incident log."""
        if self.action == "ack-extended":  # every few minutes: short (the ids are in its data)
            name = next((m.value for m in self.matchers if m.name == "alertname"), "ack")
            until = f" until {self.ends_at:%H:%M}Z" if self.ends_at is not None else ""
            return f"ack extended: {name}{until} ({self.created_by}) [{self.source}]"
        parts = [f"silence {self.action}: {self.silence_id}"]
        if self.previous_id and self.previous_id != self.silence_id:
            parts.append(f"(was {self.previous_id})")
        if self.matchers:
            parts.append("{" + ", ".join(str(m) for m in self.matchers) + "}")
        if self.ends_at is not None:
            parts.append(f"until {self.ends_at:%H:%M:%S}Z")
        if self.matched is not None:
            parts.append(f"matching {self.matched} alert(s)")
        if self.created_by:
            parts.append(f"by {self.created_by}")
        if self.comment:
            parts.append(f"— {self.comment}")
        parts.append(f"[{self.source}]")
        return " ".join(parts)


def pick_source(sources: Sequence[AlertSource], alert: Alert | None = None) -> AlertSource:
    """Where a silence goes: the first silenceable source that reported the alert (an HA pair
    replicates it; per-region Alertmanagers each own their alerts), else the first silenceable."""
    able = [s for s in sources if s.can_silence]
    if not able:
        if sources:
            raise ReadOnlySource(
                f"{sources[0].name} is read-only: configure an Alertmanager to silence or ack"
            )
        raise ReadOnlySource("no alert source configured")
    if alert is not None:
        for s in able:
            if s.name in alert.origins:
                return s
    return able[0]


class SilenceService:
    """Create, list and expire silences across the configured Alertmanagers."""

    def __init__(self, sources: Sequence[AlertSource], clock: Clock) -> None:
        self.sources = list(sources)
        self.clock = clock

    def _source(self, name: str) -> AlertSource:
        for s in self.sources:
            if s.name == name:
                return s
        raise SourceBadResponse(f"no alert source named {name!r}")

    async def create(
        self,
        request: SilenceRequest,
        *,
        alert: Alert | None = None,
        alerts: Iterable[Alert] = (),
        source: str | None = None,
    ) -> SilenceFact:
        """Create the silence (validated first); `alerts` feeds the matched count in the fact."""
        validate(request, self.clock.now())
        target = self._source(source) if source else pick_source(self.sources, alert)
        if not target.can_silence:
            raise ReadOnlySource(f"{target.name}: cannot silence")
        silence_id = await target.create_silence(request)
        matched = len(preview(request.matchers, alerts)) if alerts else None
        return SilenceFact(
            action="extended" if request.id else "created",
            silence_id=silence_id,
            source=target.name,
            matchers=request.matchers,
            comment=request.comment,
            created_by=request.created_by,
            ends_at=request.ends_at,
            previous_id=request.id,
            matched=matched,
        )

    async def expire(self, silence: Silence) -> SilenceFact:
        """Expire in the Alertmanager(s) that listed it."""
        targets = [s for s in self.sources if s.name in silence.origins and s.can_silence]
        if not targets:
            targets = [pick_source(self.sources)]
        for target in targets:
            await target.expire_silence(silence.id)
        return SilenceFact(
            action="expired",
            silence_id=silence.id,
            source=", ".join(t.name for t in targets),
            matchers=silence.matchers,
            comment=silence.comment,
            created_by=silence.created_by,
            ends_at=self.clock.now(),
        )

    async def list(self) -> tuple[list[Silence], dict[str, str]]:
        """Active silences from every source (errors per source, never raised), soonest
        ending first. Returns (silences, errors)."""
        able = [s for s in self.sources if s.can_silence]
        results = await asyncio.gather(*(s.list_silences() for s in able), return_exceptions=True)
        found: dict[str, Silence] = {}
        errors: dict[str, str] = {}
        for source, result in zip(able, results, strict=True):
            if isinstance(result, SourceError):
                errors[source.name] = str(result)
                continue
            if isinstance(result, BaseException):
                errors[source.name] = f"{type(result).__name__}: {result}"
                continue
            for s in result:
                seen = found.get(s.id)
                if seen is None:
                    found[s.id] = s
                else:
                    found[s.id] = replace(
                        seen, origins=tuple(dict.fromkeys((*seen.origins, *s.origins)))
                    )
        return sorted(found.values(), key=lambda s: s.ends_at), errors
