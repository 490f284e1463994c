"""The silence policy at creation time: the verdict, similar silences, and the logged override.

Wraps `SilenceService.list` (every Alertmanager, errors per source) with the pure rules of
`domain.silence_policy`. Alertmanager's list drops expired silences, so the guard remembers the
ones it saw and that have since gone: those are the "recently expired" a commander should see
before making the same silence again. An override is written to the incident log as a
`silence` entry (kind, rule, reason, who), so the post-mortem shows who overrode what and why.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from warroom.domain.alerts import Alert, Silence, SilenceRequest
from warroom.domain.clock import Clock
from warroom.domain.errors import WarroomError
from warroom.domain.incident import Entry, EntryKind
from warroom.domain.silence_policy import (
    PolicyDecision,
    PolicyOverride,
    SilencePolicy,
    SimilarSilence,
    decide,
    similar_silences,
)
from warroom.services.incident_log import IncidentLog
from warroom.services.polling import bounded
from warroom.services.silences import SilenceService

RECENT = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class SilenceCheck:
    decision: PolicyDecision
    similar: tuple[SimilarSilence, ...]
    errors: Mapping[str, str]  # sources that could not list their silences


class SilenceGuard:
    def __init__(
        self,
        silences: SilenceService,
        policy: SilencePolicy,
        clock: Clock,
        *,
        recent: timedelta = RECENT,
    ) -> None:
        self.silences = silences
        self.policy = policy
        self.clock = clock
        self.recent = recent
        self._seen: dict[str, Silence] = {}

    async def check(
        self, request: SilenceRequest, alerts: Iterable[Alert] = (), *, override_reason: str = ""
    ) -> SilenceCheck:
        """The policy's verdict on `request` (with the typed reason, if any) and the similar
        silences, active or expired within `recent`."""
        now = self.clock.now()
        errors = await self._remember(now)
        decision = decide(
            self.policy,
            request.matchers,
            alerts,
            override_reason=override_reason,
            by=request.created_by,
        )
        similar = similar_silences(request.matchers, self._seen.values(), now, recent=self.recent)
        return SilenceCheck(decision, tuple(similar), errors)

    async def _remember(self, now: datetime) -> Mapping[str, str]:
        """List the silences and keep those since gone as expired (for `recent`)."""
        live, errors = await self.silences.list()
        current = {s.id: s for s in live}
        if (
            not errors
        ):  # only a full answer says which silences are gone: expired, now at the latest
            for sid, seen in list(self._seen.items()):
                if sid not in current and seen.state != "expired":
                    self._seen[sid] = replace(seen, state="expired", ends_at=min(seen.ends_at, now))
        for sid, seen in list(self._seen.items()):
            if seen.state == "expired" and seen.ends_at < now - self.recent:
                del self._seen[sid]
        self._seen.update(current)
        return errors

    async def verdict(
        self,
        request: SilenceRequest,
        alerts: Iterable[Alert],
        *,
        override_reason: str = "",
        timeout_s: float = 5.0,
    ) -> PolicyDecision:
        """The decision at save: the full check, or, when the silences cannot be listed in
        time, the rules alone (none of them needs the silences)."""
        alerts = list(alerts)
        try:
            check = await bounded(
                self.check(request, alerts, override_reason=override_reason),
                timeout_s,
                "silence policy",
            )
        except WarroomError:
            return decide(
                self.policy,
                request.matchers,
                alerts,
                override_reason=override_reason,
                by=request.created_by,
            )
        return check.decision

    async def known(self, timeout_s: float = 5.0) -> tuple[Silence, ...]:
        """Active and recently expired silences, for the dialog to find the similar ones as
        the matchers are edited (`similar_silences`); what was known when they cannot be
        listed in time."""
        with contextlib.suppress(WarroomError):
            await bounded(self._remember(self.clock.now()), timeout_s, "silences")
        return tuple(self._seen.values())


async def log_override(
    log: IncidentLog, override: PolicyOverride, request: SilenceRequest
) -> Entry:
    """The override as a `silence` entry in the incident log (or its pre-incident buffer)."""
    return await log.record(
        EntryKind.SILENCE,
        override.text,
        {
            "action": "policy-override",
            "rules": [r.rule.value for r in override.refusals],
            "refusals": [r.message for r in override.refusals],
            "reason": override.reason,
            "by": override.by,
            "matchers": [str(m) for m in request.matchers],
        },
    )
