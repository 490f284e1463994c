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
    Placement,
    Silence,
    SilenceRequest,
    ack_comment,
    alert_labels,
    is_ack_silence,
)
from warroom.domain.clock import Clock
from warroom.domain.errors import ReadOnlySource, SourceError
from warroom.domain.ports import AlertSource
from warroom.services.silences import (
    SilenceFact,
    SilenceService,
    identifying_matchers,
)

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
    """One ack: the request it was made with and its id in each cluster it lives in."""

    placements: tuple[Placement, ...]
    request: SilenceRequest
    who: str

    def silence(self) -> Silence:
        r = self.request
        return Silence(
            self.placements[0].silence_id, r.matchers, r.starts_at, r.ends_at, r.created_by,
            r.comment, placements=self.placements,
        )  # fmt: skip


def acks_by_fingerprint(
    alerts: Iterable[Alert], silences: Iterable[Silence]
) -> dict[str, tuple[str, datetime]]:
    """fingerprint -> (who, when) for every alert covered by an active ack silence.

    An alert names the silences that suppress it (`silenced_by`); an alert not yet processed
    by Alertmanager is matched against the ack's matchers instead.
    """
    acks = {
        sid: s
        for s in silences
        if is_ack_silence(s) and s.state in ("active", "pending")
        for sid in s.ids
    }
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
    """Acks as short silences, kept alive while the incident is open, in every Alertmanager
    cluster that holds the acked alert (through `SilenceService`: one member each)."""

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
        self.service = SilenceService(sources, clock)
        self._acks: dict[str, _Ack] = {}  # by the first id it was made with

    @property
    def silence_ids(self) -> list[str]:
        return [p.silence_id for ack in self._acks.values() for p in ack.placements]

    async def ack(
        self, alert: Alert, who: str, incident_id: str | None, alerts: Iterable[Alert] = ()
    ) -> SilenceFact:
        """Silence this one alert for `minutes`, with a comment naming who and the incident,
        in each cluster holding an alert its matchers catch (`alerts`: every source's)."""
        now = self.clock.now()
        request = SilenceRequest(
            matchers=identifying_matchers(alert),
            starts_at=now,
            ends_at=now + timedelta(minutes=self.minutes),
            created_by=who,
            comment=ack_comment(who, incident_id),
        )
        fact = await self.service.create(request, alert=alert, alerts=alerts)
        if incident_id:
            self.incident_id = incident_id
        self._acks[fact.silence_id] = _Ack(fact.placements, request, who)
        return replace(fact, action="acked", matched=None)

    def _known(self, silence_id: str) -> bool:
        return silence_id in self.silence_ids

    async def adopt(self, incident_id: str) -> int:
        """Take over the ack silences for this incident found in Alertmanager (after a restart),
        each with every cluster it lives in. Returns how many were adopted; failing sources
        are skipped."""
        self.incident_id = incident_id
        silences, _errors = await self.service.list()
        adopted = 0
        for s in silences:
            parsed = parse_ack_comment(s.comment) if is_ack_silence(s) else None
            if not parsed or parsed[1] != incident_id or s.state not in ("active", "pending"):
                continue
            if any(self._known(p.silence_id) for p in s.placements):
                continue
            request = SilenceRequest(s.matchers, s.starts_at, s.ends_at, s.created_by, s.comment)
            self._acks[s.id] = _Ack(s.placements, request, parsed[0])
            adopted += 1
        return adopted

    async def tick(self) -> list[SilenceFact]:
        """Extend own ack silences within `extend_within_s` of lapsing, every cluster at once
        (one fact each). Call it on every refresh while the incident is open. A source failing
        leaves that ack for the next tick."""
        facts = [await self.extend(key) for key in self.due()]
        return [f for f in facts if f is not None]

    @property
    def ack_keys(self) -> list[str]:
        """One key per ack (the first id it was made with), whatever clusters it lives in."""
        return list(self._acks)

    def due(self) -> list[str]:
        """The acks within `extend_within_s` of lapsing (or lapsed)."""
        now = self.clock.now()
        return [
            key
            for key, ack in self._acks.items()
            if (ack.request.ends_at - now).total_seconds() <= self.extend_within_s
        ]

    def lease_key(self, key: str) -> str:
        """What names an ack on every console (its silence ids change when it is re-made)."""
        ack = self._acks[key]
        matchers = ",".join(sorted(str(m) for m in ack.request.matchers))
        return f"ack:{self.incident_id or ''}:{matchers}"

    def ends_at(self, key: str) -> datetime:
        return self._acks[key].request.ends_at

    def placements(self, key: str) -> tuple[Placement, ...]:
        return self._acks[key].placements

    def follow(self, key: str, placements: Sequence[Placement], ends_at: datetime) -> str:
        """Another console extended this ack: remember its silences and end as they are now;
        returns the ack's key from now on."""
        ack = self._acks.pop(key)
        kept = tuple(placements) or ack.placements
        new_key = kept[0].silence_id if kept else key
        self._acks[new_key] = _Ack(kept, replace(ack.request, ends_at=ends_at), ack.who)
        return new_key

    async def extend(self, key: str) -> SilenceFact | None:
        """Extend one ack by `minutes` from now in every cluster it lives in; None when that
        failed everywhere (the next round tries again)."""
        now = self.clock.now()
        ack = self._acks[key]
        left = (ack.request.ends_at - now).total_seconds()
        ends_at = now + timedelta(minutes=self.minutes)
        try:
            if left > 0:
                fact = await self.service.update(ack.silence(), ends_at=ends_at)
            else:
                # lapsed (console asleep, clock jump): Alertmanager cannot update an expired
                # silence in place, so make a new one where it lived
                again = replace(ack.request, starts_at=now, ends_at=ends_at, id=None)
                clusters = [p.cluster for p in ack.placements]
                fact = await self.service.create(again, only=clusters)
                fact = replace(fact, previous=ack.placements)
        except SourceError:
            return None
        del self._acks[key]
        kept = {p.cluster for p in fact.placements}
        placements = (*fact.placements, *(p for p in ack.placements if p.cluster not in kept))
        request = replace(ack.request, ends_at=ends_at, id=None)
        if left <= 0:
            request = replace(request, starts_at=now)
        self._acks[placements[0].silence_id if placements else key] = _Ack(
            placements, request, ack.who
        )
        return replace(fact, action="ack-extended", created_by=ack.who)

    async def release_all(self) -> list[SilenceFact]:
        """Expire every own ack silence (the incident is resolved), everywhere it lives.
        What failed stays in the keeper so a later call can retry; the facts list only what
        was expired."""
        facts: list[SilenceFact] = []
        for key, ack in list(self._acks.items()):
            try:
                fact = await self.service.expire(ack.silence())
            except ReadOnlySource:
                del self._acks[key]
                continue
            except SourceError:
                continue
            gone = {p.cluster for p in fact.placements}
            left = tuple(p for p in ack.placements if p.cluster not in gone)
            if left:
                self._acks[key] = _Ack(left, ack.request, ack.who)
            else:
                del self._acks[key]
            facts.append(replace(fact, action="ack-released", created_by=ack.who))
        if not self._acks:
            self.incident_id = None
        return facts
