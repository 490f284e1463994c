"""Acknowledgements. Alertmanager has none, so an ack is a short silence whose comment names the
acknowledger and the open incident (`ack_comment`). While the incident is open the keeper extends
its own ack silences before they lapse; when the incident resolves it expires them.

The keeper remembers its acks in memory and re-adopts them from Alertmanager (by comment and
incident id) on `tick`, so a restarted console keeps extending what it acked before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from warroom.domain.alerts import (
    ACK_COMMENT_PREFIX,
    Alert,
    Silence,
    SilenceRequest,
    ack_comment,
    alert_labels,
    is_ack_silence,
)
from warroom.domain.clock import Clock
from warroom.domain.errors import ReadOnlySource, SourceError
from warroom.domain.ports import AlertSource
from warroom.services.silences import SilenceFact, identifying_matchers, pick_source

_ACK = re.compile(
    re.escape(ACK_COMMENT_PREFIX) + r"(?P<who>.+?)(?: for incident (?P<inc>\S+))? \(warroom\)$"
)


def parse_ack_comment(comment: str) -> tuple[str, str | None] | None:
    """(who, incident id) from an ack silence's comment, or None if it is not one."""
    m = _ACK.match(comment)
    if not m:
        return None
    return m.group("who"), m.group("inc")


@dataclass(slots=True)
class _Ack:
    silence_id: str
    source: str
    request: SilenceRequest
    who: str


def acks_by_fingerprint(
    alerts: Iterable[Alert], silences: Iterable[Silence]
) -> dict[str, tuple[str, datetime]]:
    """fingerprint -> (who, when) for every alert covered by an active ack silence.

    An alert names the silences that suppress it (`silenced_by`); an alert not yet processed
    by Alertmanager is matched against the ack's matchers instead.
    """
    acks = {s.id: s for s in silences if is_ack_silence(s) and s.state in ("active", "pending")}
    if not acks:
        return {}
    out: dict[str, tuple[str, datetime]] = {}
    for alert in alerts:
        hit = next((acks[sid] for sid in alert.silenced_by if sid in acks), None)
        if hit is None:
            labels = alert_labels(alert)
            hit = next(
                (s for s in acks.values() if all(m.matches(labels) for m in s.matchers)), None
            )
        if hit is not None:
            parsed = parse_ack_comment(hit.comment)
            who = parsed[0] if parsed else hit.created_by
            out[alert.fingerprint] = (who, hit.starts_at)
    return out


def mark_acked(alerts: Sequence[Alert], silences: Iterable[Silence]) -> list[Alert]:
    """The alerts with `acked_by`/`acked_at` set from the ack silences covering them."""
    acked = acks_by_fingerprint(alerts, silences)
    if not acked:
        return list(alerts)
    return [a.with_ack(*acked[a.fingerprint]) if a.fingerprint in acked else a for a in alerts]


class AckKeeper:
    """Acks as short silences, kept alive while the incident is open."""

    def __init__(
        self,
        sources: Sequence[AlertSource],
        clock: Clock,
        minutes: float = 15.0,
        extend_within_s: float = 180.0,
    ) -> None:
        self.sources = list(sources)
        self.clock = clock
        self.minutes = minutes
        self.extend_within_s = extend_within_s
        self.incident_id: str | None = None
        self._acks: dict[str, _Ack] = {}

    @property
    def silence_ids(self) -> list[str]:
        return list(self._acks)

    def _by_name(self, name: str) -> AlertSource | None:
        return next((s for s in self.sources if s.name == name), None)

    async def ack(self, alert: Alert, who: str, incident_id: str | None) -> SilenceFact:
        """Silence this one alert for `minutes`, with a comment naming who and the incident."""
        source = pick_source(self.sources, alert)
        now = self.clock.now()
        request = SilenceRequest(
            matchers=identifying_matchers(alert),
            starts_at=now,
            ends_at=now + timedelta(minutes=self.minutes),
            created_by=who,
            comment=ack_comment(who, incident_id),
        )
        silence_id = await source.create_silence(request)
        if incident_id:
            self.incident_id = incident_id
        self._acks[silence_id] = _Ack(silence_id, source.name, request, who)
        return SilenceFact(
            action="acked",
            silence_id=silence_id,
            source=source.name,
            matchers=request.matchers,
            comment=request.comment,
            created_by=who,
            ends_at=request.ends_at,
        )

    async def adopt(self, incident_id: str) -> int:
        """Take over the ack silences for this incident found in Alertmanager (after a restart).
        Returns how many were adopted. Failing sources are skipped."""
        self.incident_id = incident_id
        adopted = 0
        for source in self.sources:
            if not source.can_silence:
                continue
            try:
                silences = await source.list_silences()
            except SourceError:
                continue
            for s in silences:
                parsed = parse_ack_comment(s.comment) if is_ack_silence(s) else None
                if not parsed or parsed[1] != incident_id or s.id in self._acks:
                    continue
                if s.state not in ("active", "pending"):
                    continue
                request = SilenceRequest(
                    matchers=s.matchers,
                    starts_at=s.starts_at,
                    ends_at=s.ends_at,
                    created_by=s.created_by,
                    comment=s.comment,
                )
                self._acks[s.id] = _Ack(s.id, source.name, request, parsed[0])
                adopted += 1
        return adopted

    async def tick(self) -> list[SilenceFact]:
        """Extend own ack silences within `extend_within_s` of lapsing. Call it on every refresh
        while the incident is open. A source failing leaves that ack for the next tick."""
        facts = [await self.extend(silence_id) for silence_id in self.due()]
        return [f for f in facts if f is not None]

    def due(self) -> list[str]:
        """The acks within `extend_within_s` of lapsing (or lapsed)."""
        now = self.clock.now()
        return [
            silence_id
            for silence_id, ack in self._acks.items()
            if (ack.request.ends_at - now).total_seconds() <= self.extend_within_s
        ]

    def lease_key(self, silence_id: str) -> str:
        """What names an ack on every console (its silence id changes when it is re-made)."""
        ack = self._acks[silence_id]
        matchers = ",".join(sorted(str(m) for m in ack.request.matchers))
        return f"ack:{self.incident_id or ''}:{matchers}"

    def ends_at(self, silence_id: str) -> datetime:
        return self._acks[silence_id].request.ends_at

    def follow(self, silence_id: str, current_id: str, ends_at: datetime) -> None:
        """Another console extended this ack: remember its silence and end as they are now."""
        ack = self._acks.pop(silence_id)
        request = replace(ack.request, ends_at=ends_at)
        self._acks[current_id] = _Ack(current_id, ack.source, request, ack.who)

    async def extend(self, silence_id: str) -> SilenceFact | None:
        """Extend one ack by `minutes` from now; None when its source failed (next round)."""
        now = self.clock.now()
        ack = self._acks[silence_id]
        left = (ack.request.ends_at - now).total_seconds()
        source = self._by_name(ack.source)
        if source is None:
            return None
        request = replace(ack.request, id=silence_id, ends_at=now + timedelta(minutes=self.minutes))
        if left <= 0:
            # lapsed (console asleep, clock jump): Alertmanager cannot update an expired
            # silence in place, so make a new one
            request = replace(request, id=None, starts_at=now)
        try:
            new_id = await source.create_silence(request)
        except SourceError:
            return None
        del self._acks[silence_id]
        self._acks[new_id] = _Ack(new_id, ack.source, replace(request, id=None), ack.who)
        return SilenceFact(
            action="ack-extended",
            silence_id=new_id,
            source=ack.source,
            matchers=request.matchers,
            comment=request.comment,
            created_by=ack.who,
            ends_at=request.ends_at,
            previous_id=silence_id,
        )

    async def release_all(self) -> list[SilenceFact]:
        """Expire every own ack silence (the incident is resolved). Failures stay in the keeper
        so a later call can retry; the facts list only what was expired."""
        facts: list[SilenceFact] = []
        for silence_id, ack in list(self._acks.items()):
            source = self._by_name(ack.source)
            if source is None:
                del self._acks[silence_id]
                continue
            try:
                await source.expire_silence(silence_id)
            except ReadOnlySource:
                del self._acks[silence_id]
                continue
            except SourceError:
                continue
            del self._acks[silence_id]
            facts.append(
                SilenceFact(
                    action="ack-released",
                    silence_id=silence_id,
                    source=ack.source,
                    matchers=ack.request.matchers,
                    comment=ack.request.comment,
                    created_by=ack.who,
                    ends_at=self.clock.now(),
                )
            )
        if not self._acks:
            self.incident_id = None
        return facts
