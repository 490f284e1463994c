"""Silences from the console: prefilled requests, a live preview, and facts for the incident log.

Talks to `AlertSource` ports only. Alertmanagers come in clusters (a source's `cluster`
attribute, else its name): HA peers gossip silences, so a silence is made in one reachable
member of each cluster that holds a matching alert (the next member when one is down), and
expired or extended wherever it lives (`Silence.placements`: its id per cluster). Every
silence made, extended or expired comes back as one `SilenceFact` for the incident log.

A member that times out or drops the connection may have made the silence all the same, and
its peers hear of it by gossip: before the next member makes one, the service looks in its
silences for the same request (matchers, comment, author, end) made in the last minute and
adopts that one instead of making a second.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from warroom.domain.alerts import (
    Alert,
    AlertFilter,
    Matcher,
    Placement,
    Silence,
    SilenceRequest,
    matching_alerts,
)
from warroom.domain.clock import Clock
from warroom.domain.errors import ReadOnlySource, SourceError
from warroom.domain.placement import merge_listed, target_clusters
from warroom.domain.ports import AlertSource
from warroom.domain.silence_adopt import ADOPT_WITHIN, made_by
from warroom.services.polling import bounded
from warroom.services.silence_fact import SilenceFact

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


def pick_source(sources: Sequence[AlertSource], alert: Alert | None = None) -> AlertSource:
    """The first silenceable source that reported the alert, else the first silenceable;
    raises ReadOnlySource (with what to configure) when none can silence."""
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


def cluster_of(source: AlertSource) -> str:
    """The cluster a source belongs to: its `cluster` (configured per Alertmanager), else its
    own name (a lone Alertmanager is a cluster of one)."""
    return str(getattr(source, "cluster", "") or source.name)


@dataclass(slots=True)
class _Round:
    """One action over several clusters: what each reached, and what failed."""

    placements: list[Placement] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def check(self, what: str) -> None:
        if not self.placements:
            raise SourceError(f"{what} failed everywhere: " + "; ".join(self.failures))


class SilenceService:
    """Create, list, extend and expire silences across the configured Alertmanagers."""

    def __init__(
        self,
        sources: Sequence[AlertSource],
        clock: Clock,
        timeout_s: float = 5.0,
        *,
        gossip_s: float = 1.0,
    ) -> None:
        self.sources = list(sources)
        self.clock = clock
        self.timeout_s = timeout_s  # each call to one member; the next member gets its own
        self.gossip_s = gossip_s  # how long a failed member's silence may take to reach a peer

    @property
    def clusters(self) -> dict[str, str]:
        """source name -> cluster name, for every source that can silence."""
        return {s.name: cluster_of(s) for s in self.sources if s.can_silence}

    def _members(self, cluster: str, prefer: Iterable[str] = ()) -> list[AlertSource]:
        """The cluster's members, those in `prefer` (they answered lately) first."""
        members = [s for s in self.sources if s.can_silence and cluster_of(s) == cluster]
        first = set(prefer)
        return sorted(members, key=lambda s: s.name not in first)

    async def _in_cluster(
        self,
        cluster: str,
        call: Callable[[AlertSource], Awaitable[str]],
        prefer: Iterable[str] = (),
        makes: SilenceRequest | None = None,
    ) -> tuple[str, AlertSource]:
        """`call` on one member of `cluster`, the next when one fails; raises the last error.
        When `call` makes the silence `makes`, the next member is first asked whether the
        failed one made it after all (`_made_already`)."""
        errors: list[str] = []
        since = self.clock.now() - ADOPT_WITHIN
        for member in self._members(cluster, prefer):
            try:
                if errors and makes is not None:
                    adopted = await self._made_already(member, makes, since)
                    if adopted is not None:
                        return adopted, member
                return await bounded(call(member), self.timeout_s, member.name), member
            except SourceError as exc:
                errors.append(str(exc))
        raise SourceError("; ".join(errors) or f"{cluster}: no member can silence")

    async def _made_already(
        self, member: AlertSource, request: SilenceRequest, since: datetime
    ) -> str | None:
        """The id of `request`'s silence in `member`, if a failed peer made it: looked for now
        and once more after `gossip_s` (gossip takes a moment). A member that cannot list
        says nothing: it is asked to make the silence as if none existed."""
        for attempt in range(2):
            if attempt:
                await asyncio.sleep(self.gossip_s)
            try:
                listed = await bounded(member.list_silences(), self.timeout_s, member.name)
            except SourceError:
                return None
            found = made_by(request, listed, since)
            if found is not None:
                return found.id
        return None

    async def _each(
        self,
        jobs: Sequence[
            tuple[
                str, Callable[[AlertSource], Awaitable[str]], Iterable[str], SilenceRequest | None
            ]
        ],
    ) -> _Round:
        """Run (cluster, call, preferred members, the request it makes or None) jobs at once; a
        call returns the id there."""
        results = await asyncio.gather(
            *(self._in_cluster(*job) for job in jobs),
            return_exceptions=True,
        )
        done = _Round()
        for (cluster, *_rest), result in zip(jobs, results, strict=True):
            if isinstance(result, BaseException):
                done.failures.append(f"{cluster}: {result}")
            else:
                silence_id, member = result
                done.placements.append(Placement(cluster, silence_id, (member.name,)))
        return done

    async def create(
        self,
        request: SilenceRequest,
        *,
        alert: Alert | None = None,
        alerts: Iterable[Alert] = (),
        only: Sequence[str] = (),
    ) -> SilenceFact:
        """Create the silence (validated first) in one member of every cluster holding an
        alert it matches (every cluster when none does); `alerts` are every source's.
        `only` names the clusters instead (an ack made again where it lived)."""
        validate(request, self.clock.now())
        clusters = self.clusters
        if not clusters:
            pick_source(self.sources)  # raises ReadOnlySource, saying what to configure
        alerts = list(alerts)
        matched = matching_alerts(request.matchers, alerts)  # counted for the log: acked too
        caught = list(matched)
        if alert is not None and alert not in caught:
            caught.append(alert)
        targets = list(only) or target_clusters(caught, clusters)
        holders = {o for a in caught for o in a.origins}

        def make(member: AlertSource) -> Awaitable[str]:
            return member.create_silence(request)

        done = await self._each([(c, make, holders, request) for c in targets])
        done.check("silence")
        return self._fact(
            "extended" if request.id else "created",
            request,
            done,
            matched=len(matched) if alerts else None,
            already_silenced=sum(a.is_silenced for a in matched),
        )

    def _fact(
        self,
        action: str,
        request: SilenceRequest,
        done: _Round,
        *,
        matched: int | None = None,
        already_silenced: int = 0,
        previous: Sequence[Placement] = (),
        ends_at: datetime | None = None,
    ) -> SilenceFact:
        return SilenceFact(
            action=action,
            silence_id=done.placements[0].silence_id,
            source=", ".join(p.cluster for p in done.placements),
            matchers=request.matchers,
            comment=request.comment,
            created_by=request.created_by,
            ends_at=ends_at or request.ends_at,
            previous_id=previous[0].silence_id if previous else request.id,
            matched=matched,
            already_silenced=already_silenced,
            placements=tuple(done.placements),
            failures=tuple(done.failures),
            previous=tuple(previous),
        )

    def _placements(self, silence: Silence) -> tuple[Placement, ...]:
        """Where it lives: its placements, or (listed by one source) the clusters of its origins."""
        if silence.placements:
            return silence.placements
        clusters = self.clusters
        named = dict.fromkeys(clusters[o] for o in silence.origins if o in clusters)
        return tuple(Placement(c, silence.id, silence.origins) for c in named)

    async def update(
        self, silence: Silence, *, ends_at: datetime, comment: str | None = None
    ) -> SilenceFact:
        """Extend or re-word it in every cluster (one fact). Alertmanager's own semantics: a
        POST with the id changes it in place when only the end and comment change, else it
        expires it and makes a new one; the answer's id is the current one either way."""
        now = self.clock.now()
        request = SilenceRequest(
            silence.matchers,
            silence.starts_at,
            ends_at,
            silence.created_by,
            silence.comment if comment is None else comment,
        )
        validate(request, now)
        placements = self._placements(silence)

        def own(p: Placement) -> SilenceRequest:
            return SilenceRequest(
                request.matchers, request.starts_at, ends_at, request.created_by,
                request.comment, id=p.silence_id,
            )  # fmt: skip

        def post(own: SilenceRequest) -> Callable[[AlertSource], Awaitable[str]]:
            return lambda member: member.create_silence(own)

        done = await self._each([(p.cluster, post(own(p)), p.members, own(p)) for p in placements])
        done.check("extend")
        action = "extended" if request.comment == silence.comment else "edited"
        return self._fact(action, request, done, previous=placements)

    async def expire(self, silence: Silence) -> SilenceFact:
        """Expire it in every cluster where it lives (one member each: peers gossip it)."""
        placements = self._placements(silence)
        if not placements:
            placements = tuple(
                Placement(c, silence.id) for c in dict.fromkeys(self.clusters.values())
            )

        def delete(p: Placement) -> Callable[[AlertSource], Awaitable[str]]:
            async def call(member: AlertSource) -> str:
                await member.expire_silence(p.silence_id)
                return p.silence_id

            return call

        done = await self._each([(p.cluster, delete(p), p.members, None) for p in placements])
        done.check("expire")
        request = SilenceRequest(
            silence.matchers, silence.starts_at, silence.ends_at, silence.created_by,
            silence.comment,
        )  # fmt: skip
        return self._fact("expired", request, done, ends_at=self.clock.now())

    async def list(self) -> tuple[list[Silence], dict[str, str]]:
        """Active silences from every source (errors per source, never raised), one per
        logical silence with where it lives, soonest ending first. Returns (silences, errors)."""
        able = [s for s in self.sources if s.can_silence]
        results = await asyncio.gather(
            *(bounded(s.list_silences(), self.timeout_s, s.name) for s in able),
            return_exceptions=True,
        )  # a hung Alertmanager is one error, not a view without the others
        listed: dict[str, list[Silence]] = {}
        errors: dict[str, str] = {}
        for source, result in zip(able, results, strict=True):
            if isinstance(result, SourceError):
                errors[source.name] = str(result)
            elif isinstance(result, BaseException):
                errors[source.name] = f"{type(result).__name__}: {result}"
            else:
                listed[source.name] = result
        merged = merge_listed(listed, self.clusters)
        return sorted(merged, key=lambda s: s.ends_at), errors
