"""Silence safety at creation: a policy that refuses too-broad silences, and similar silences.

A mistaken silence hides the next real outage (Alertmanager #2326, #3492), so before one is
made the console checks it against a configurable policy. A refusal names the rule in one
line; the commander may still go ahead with a typed reason, and that override is a value the
caller writes to the incident log (nothing here does IO). Similar silences (the same matchers,
or a superset/subset of them, active or recently expired) are shown so nobody stacks a second
silence on the first or re-creates one that just lapsed without knowing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from warroom.domain.alerts import Alert, Matcher, Silence, matching_alerts
from warroom.domain.untrusted import clip, one_line

# Labels that narrow nothing on their own: a silence on only these mutes a whole environment.
BROAD_LABELS = frozenset({"severity", "env", "environment", "cluster", "region"})


class PolicyRule(StrEnum):
    """Each rule's name is what the config key is called and what the refusal says."""

    MIN_MATCHERS = "min_matchers"
    BROAD_LABELS_ONLY = "broad_labels"
    MAX_MATCHING_ALERTS = "max_matching_alerts"


@dataclass(frozen=True, slots=True)
class SilencePolicy:
    """What a silence must satisfy. `max_matching_alerts=None` means no limit;
    `confirm_over_alerts=None` never asks twice for a count (broad labels still do)."""

    min_matchers: int = 1
    broad_labels: frozenset[str] = BROAD_LABELS
    max_matching_alerts: int | None = None
    confirm_over_alerts: int | None = 20


@dataclass(frozen=True, slots=True)
class Refusal:
    rule: PolicyRule
    message: str  # one line, names the rule and its setting


@dataclass(frozen=True, slots=True)
class PolicyOverride:
    """A refused silence made anyway: who, why, and which rules were overridden (to be logged)."""

    refusals: tuple[Refusal, ...]
    reason: str
    by: str

    @property
    def text(self) -> str:
        rules = ", ".join(r.rule.value for r in self.refusals)
        return (
            f"silence policy overridden ({rules}) by {one_line(self.by)}: {one_line(self.reason)}"
        )


@dataclass(frozen=True, slots=True)
class PolicyDecision:
    allowed: bool
    refusals: tuple[Refusal, ...] = ()
    override: PolicyOverride | None = None

    @property
    def message(self) -> str:
        """The first refusal's line (what a status bar shows), or '' when nothing was refused."""
        return self.refusals[0].message if self.refusals else ""


def _matchers_text(matchers: Sequence[Matcher]) -> str:
    return clip(one_line(", ".join(str(m) for m in matchers)), 120) or "no matchers"


def _is_vacuous(matcher: Matcher) -> bool:
    """A regex matcher that matches every value (`x=~".*"`) narrows nothing."""
    if matcher.is_regex and matcher.is_equal:
        return matcher.value in (".*", ".*?", "(.*)", "^.*$")
    return False


def refusals(
    policy: SilencePolicy, matchers: Sequence[Matcher], alerts: Iterable[Alert] = ()
) -> list[Refusal]:
    """Every rule these matchers break, in a fixed order (fewest matchers first)."""
    found: list[Refusal] = []
    effective = [m for m in matchers if not _is_vacuous(m)]
    shown = _matchers_text(matchers)
    if len(effective) < policy.min_matchers:
        found.append(
            Refusal(
                PolicyRule.MIN_MATCHERS,
                f"refused by silence policy min_matchers = {policy.min_matchers}: "
                f"{len(effective)} matcher{'s' if len(effective) != 1 else ''} ({shown})",
            )
        )
    narrowing = [m for m in effective if m.is_equal and m.name not in policy.broad_labels]
    if effective and not narrowing:
        broad = ", ".join(sorted(policy.broad_labels))
        found.append(
            Refusal(
                PolicyRule.BROAD_LABELS_ONLY,
                f"refused by silence policy broad_labels: only broad labels ({shown}); "
                f"add one that is not {broad}",
            )
        )
    if policy.max_matching_alerts is not None:
        caught = len(matching_alerts(list(matchers), alerts))
        if caught > policy.max_matching_alerts:
            found.append(
                Refusal(
                    PolicyRule.MAX_MATCHING_ALERTS,
                    f"refused by silence policy max_matching_alerts = "
                    f"{policy.max_matching_alerts}: it matches {caught} alerts ({shown})",
                )
            )
    return found


def only_broad(policy: SilencePolicy, matchers: Sequence[Matcher]) -> bool:
    """True when no matcher narrows: every one is vacuous, negative or on a broad label."""
    effective = [m for m in matchers if not _is_vacuous(m)]
    return not any(m.is_equal and m.name not in policy.broad_labels for m in effective)


def second_look(
    policy: SilencePolicy, matchers: Sequence[Matcher], alerts: Iterable[Alert] = ()
) -> str:
    """The line that asks a second, explicit confirmation, or '' when one is enough: a silence
    on only broad labels, or matching more alerts than `confirm_over_alerts`, names its count."""
    if not matchers:
        return ""
    caught = len(matching_alerts(list(matchers), alerts))
    count = f"it matches {caught} alert{'s' if caught != 1 else ''}"
    if only_broad(policy, matchers):
        return f"only broad labels ({_matchers_text(matchers)}): {count}"
    limit = policy.confirm_over_alerts
    if limit is not None and caught > limit:
        return f"{count}, more than {limit} ({_matchers_text(matchers)})"
    return ""


def decide(
    policy: SilencePolicy,
    matchers: Sequence[Matcher],
    alerts: Iterable[Alert] = (),
    *,
    override_reason: str = "",
    by: str = "",
) -> PolicyDecision:
    """Allowed when no rule is broken, or when broken with a non-blank typed reason."""
    broken = tuple(refusals(policy, matchers, alerts))
    if not broken:
        return PolicyDecision(True)
    reason = override_reason.strip()
    if not reason:
        return PolicyDecision(False, broken)
    return PolicyDecision(True, broken, PolicyOverride(broken, reason, by))


# ---------------------------------------------------------------- similar silences


class Similarity(StrEnum):
    SAME = "same matchers"
    BROADER = "broader"  # the existing silence has a subset of the matchers: it catches more
    NARROWER = "narrower"  # it has a superset: it catches a part of what the new one would


@dataclass(frozen=True, slots=True)
class SimilarSilence:
    silence: Silence
    similarity: Similarity
    expired: bool


def _key(matcher: Matcher) -> tuple[str, str, bool, bool]:
    return (matcher.name, matcher.value, matcher.is_regex, matcher.is_equal)


def similar_silences(
    matchers: Sequence[Matcher],
    silences: Iterable[Silence],
    now: datetime,
    *,
    recent: timedelta = timedelta(hours=24),
) -> list[SimilarSilence]:
    """Active or recently expired silences whose matchers equal, contain or are within these.

    Pending silences count as active (they will be). Same first, then newest ending first."""
    wanted = {_key(m) for m in matchers}
    found: list[SimilarSilence] = []
    if not wanted:
        return found
    for silence in silences:
        expired = silence.state == "expired" or silence.ends_at <= now
        if expired and silence.ends_at < now - recent:
            continue
        theirs = {_key(m) for m in silence.matchers}
        if not theirs:
            continue
        if theirs == wanted:
            kind = Similarity.SAME
        elif theirs < wanted:
            kind = Similarity.BROADER
        elif theirs > wanted:
            kind = Similarity.NARROWER
        else:
            continue
        found.append(SimilarSilence(silence, kind, expired))
    order = list(Similarity)
    found.sort(key=lambda s: (order.index(s.similarity), s.expired, -s.silence.ends_at.timestamp()))
    return found
