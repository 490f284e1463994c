"""Alerts as the commander sees them: severity first, then age; filterable and groupable."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

import msgspec
from msgspec.structs import replace

from warroom.domain.matchers import TERM, Matcher

# silences live in their own module; many callers import them from here, where they were first
from warroom.domain.silence_types import (  # noqa: F401
    ACK_COMMENT_PREFIX,
    Placement,
    Silence,
    SilenceRequest,
    ack_comment,
    is_ack_silence,
)


class Severity(IntEnum):
    """Lower sorts first. Every severity has a word and a symbol: colour is never alone."""

    CRITICAL = 0
    WARNING = 1
    INFO = 2
    NONE = 3

    @classmethod
    def parse(cls, text: str | None) -> Severity:
        # remembered per label value: an alert storm asks for the same few 100,000 times
        known = _SEVERITY_OF.get(text)
        if known is None:
            known = _SEVERITY_WORDS.get((text or "").strip().lower(), cls.NONE)
            if len(_SEVERITY_OF) < 256:
                _SEVERITY_OF[text] = known
        return known

    @property
    def word(self) -> str:
        return ("CRIT", "WARN", "INFO", "NONE")[self]

    @property
    def symbol(self) -> str:
        return ("✖", "▲", "●", "○")[self]

    @property
    def ascii_symbol(self) -> str:
        return ("X", "!", "i", "-")[self]


_SEVERITY_WORDS = {
    "critical": Severity.CRITICAL,
    "crit": Severity.CRITICAL,
    "page": Severity.CRITICAL,
    "p0": Severity.CRITICAL,
    "p1": Severity.CRITICAL,
    "error": Severity.CRITICAL,
    "high": Severity.CRITICAL,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "medium": Severity.WARNING,
    "p2": Severity.WARNING,
    "info": Severity.INFO,
    "low": Severity.INFO,
    "p3": Severity.INFO,
    "none": Severity.NONE,
}
_SEVERITY_OF: dict[str | None, Severity] = {}  # label value as given -> Severity.parse


class AlertState(StrEnum):
    ACTIVE = "active"
    SUPPRESSED = "suppressed"
    UNPROCESSED = "unprocessed"
    RESOLVED = "resolved"


class Alert(msgspec.Struct, gc=False):
    """One firing alert. Never changed once made: a refresh builds new ones, and `replace()`
    (`msgspec.structs.replace`) makes a changed copy, so diffing is cheap and safe.

    A msgspec Struct with `gc=False`: an alert holds only strings, string maps and tuples,
    datetimes and enums, so it can never be part of a reference cycle, and the cyclic garbage
    collector need not track it. A 100,000-alert storm then adds ~100,000 fewer tracked objects:
    building one triggers a few ms of collection instead of ~200 ms, and a full collection
    afterwards walks 7 ms instead of 28 ms (measured with benchmarks.bench_alert_storm's
    answers). Not frozen, for speed: a refresh builds 100,000 of these."""

    fingerprint: str
    name: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at: datetime
    state: AlertState = AlertState.ACTIVE
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()
    generator_url: str = ""
    acked_by: str | None = None
    acked_at: datetime | None = None
    receivers: tuple[str, ...] = ()  # Alertmanager's `receivers` (names), for `@receiver=`

    @property
    def severity(self) -> Severity:
        return Severity.parse(self.labels.get("severity"))

    @property
    def service(self) -> str:
        return self.labels.get("service") or self.labels.get("job") or ""

    @property
    def instance(self) -> str:
        return self.labels.get("instance") or self.labels.get("pod") or ""

    @property
    def summary(self) -> str:
        return (
            self.annotations.get("summary")
            or self.annotations.get("description")
            or self.annotations.get("message")
            or ""
        )

    @property
    def runbook_url(self) -> str:
        return self.annotations.get("runbook_url") or self.annotations.get("runbook") or ""

    @property
    def is_silenced(self) -> bool:
        return self.state is AlertState.SUPPRESSED and bool(self.silenced_by)

    @property
    def is_inhibited(self) -> bool:
        return self.state is AlertState.SUPPRESSED and bool(self.inhibited_by)

    @property
    def is_acked(self) -> bool:
        return self.acked_by is not None

    def age_seconds(self, now: datetime) -> float:
        return (now - self.starts_at).total_seconds()

    def with_ack(self, by: str | None, at: datetime | None) -> Alert:
        return replace(self, acked_by=by, acked_at=at)


def fingerprint_of(labels: Mapping[str, str]) -> str:
    """A stable id from labels, for sources that do not give one (Prometheus, the drill)."""
    import hashlib

    text = "\x1f".join(f"{k}\x1e{v}" for k, v in sorted(labels.items()))
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def sort_alerts(alerts: Iterable[Alert]) -> list[Alert]:
    """Most severe first, then oldest first, then name for a stable order."""
    return sorted(alerts, key=lambda a: (a.severity, a.starts_at, a.name, a.fingerprint))


def unsuppressed(alerts: Iterable[Alert]) -> list[Alert]:
    """The alerts firing and neither silenced nor inhibited, most urgent first."""
    return sort_alerts(
        a
        for a in alerts
        if a.state is not AlertState.RESOLVED and not (a.is_silenced or a.is_inhibited)
    )


def merge_alerts(batches: Mapping[str, Sequence[Alert]]) -> list[Alert]:
    """Merge alerts from several Alertmanagers, de-duplicated by fingerprint.

    An alert seen by several origins keeps every origin's name; if any origin sees it active,
    it is active (an HA peer that has not yet applied a silence must not hide a firing alert).
    """
    merged: dict[str, Alert] = {}
    for origin, alerts in batches.items():
        for alert in alerts:
            seen = merged.get(alert.fingerprint)
            if seen is None:
                # copy only when the origin must be added: a storm from one source is not copied
                if origin not in alert.origins:
                    alert = replace(alert, origins=(*alert.origins, origin))
                merged[alert.fingerprint] = alert
                continue
            state = seen.state
            if AlertState.ACTIVE in (seen.state, alert.state):
                state = AlertState.ACTIVE
            merged[alert.fingerprint] = replace(
                seen,
                origins=tuple(dict.fromkeys((*seen.origins, *alert.origins, origin))),
                state=state,
                silenced_by=tuple(dict.fromkeys((*seen.silenced_by, *alert.silenced_by))),
                inhibited_by=tuple(dict.fromkeys((*seen.inhibited_by, *alert.inhibited_by))),
                receivers=tuple(dict.fromkeys((*seen.receivers, *alert.receivers))),
            )
    return list(merged.values())


@dataclass(frozen=True, slots=True)
class AlertGroup:
    """The alerts sharing one value of the grouping label (`name`; "" when they lack it), most
    urgent first: what `s` on a group row silences (`matchers`: `common_matchers`)."""

    name: str
    alerts: tuple[Alert, ...]
    label: str = "alertname"

    @property
    def severity(self) -> Severity:
        return min(a.severity for a in self.alerts)

    @property
    def count(self) -> int:
        return len(self.alerts)

    @property
    def matchers(self) -> tuple[Matcher, ...]:
        """What `s` on the group silences: `common_matchers` of its members (the silence
        dialog's preview says what else shares those labels)."""
        return common_matchers(self.alerts)


def common_matchers(alerts: Sequence[Alert]) -> tuple[Matcher, ...]:
    """Equality matchers on every label (alertname first) that all `alerts` share with one
    value: a group's silence catches the group and what joins it later, nothing unrelated."""
    if not alerts:
        return ()
    first = alerts[0]
    shared = {"alertname": first.name, **first.labels}
    for alert in alerts[1:]:
        labels = {"alertname": alert.name, **alert.labels}
        shared = {k: v for k, v in shared.items() if labels.get(k) == v}
    names = sorted(k for k, v in shared.items() if v and k != "alertname")
    lead = [Matcher("alertname", shared["alertname"])] if shared.get("alertname") else []
    return (*lead, *(Matcher(k, shared[k]) for k in names))


def group_key(alert: Alert, label: str) -> str:
    """The value an alert is grouped under: `alert_labels(alert)[label]`, "" when absent."""
    return alert.name if label == "alertname" else alert.labels.get(label, "")


def group_by_label(alerts: Iterable[Alert], label: str) -> list[AlertGroup]:
    """Group by one label, as Alertmanager's group-by; groups ordered like their most
    urgent member (alerts without the label form the group "")."""
    buckets: dict[str, list[Alert]] = {}
    for alert in sort_alerts(alerts):
        buckets.setdefault(group_key(alert, label), []).append(alert)
    return [AlertGroup(value, tuple(members), label) for value, members in buckets.items()]


def group_by_name(alerts: Iterable[Alert]) -> list[AlertGroup]:
    """Group by alertname (the default grouping)."""
    return group_by_label(alerts, "alertname")


# ---------------------------------------------------------------- filtering


def alert_labels(alert: Alert) -> dict[str, str]:
    """Labels including alertname, as Alertmanager matches them."""
    return {"alertname": alert.name, **alert.labels}


def matching_alerts(matchers: Sequence[Matcher], alerts: Iterable[Alert]) -> list[Alert]:
    """The alerts a silence with these matchers would catch (for the live preview)."""
    if not matchers:
        return []
    return [a for a in alerts if all(m.matches(alert_labels(a)) for m in matchers)]


def filter_values(alert: Alert, what: str) -> tuple[str, ...]:
    """What `@state=` (active, suppressed, silenced, inhibited, acked, unprocessed: an acked
    alert is also silenced and suppressed) or
    `@receiver=` compares, karma-style: a term matches when any of these values does."""
    if what == "receiver":
        return alert.receivers
    states: tuple[str, ...] = (alert.state.value,)
    if alert.silenced_by:
        states += ("silenced",)
    if alert.inhibited_by:
        states += ("inhibited",)
    return (*states, "acked") if alert.acked_by is not None else states


def special_matches(matcher: Matcher, values: tuple[str, ...]) -> bool:
    """A `@state`/`@receiver` term against an alert's values: `=`/`=~` when any value
    matches, `!=`/`!~` when none does."""
    positive = Matcher(matcher.name, matcher.value, matcher.is_regex)
    hit = any(positive.matches({matcher.name: v}) for v in values)
    return hit if matcher.is_equal else not hit


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """The `/` filter: free words match name, labels and summary; `k=v` terms are matchers;
    `@state=`/`@receiver=` terms (`specials`, named without the `@`) test what is not a
    label."""

    words: tuple[str, ...] = ()
    matchers: tuple[Matcher, ...] = ()
    text: str = ""
    specials: tuple[Matcher, ...] = ()

    @classmethod
    def parse(cls, text: str) -> AlertFilter:
        words: list[str] = []
        matchers: list[Matcher] = []
        specials: list[Matcher] = []
        for m in TERM.finditer(text):
            key = m.group("key")
            if key:
                special = key in ("@state", "@receiver")
                try:  # (a term that does not parse is searched for as a word)
                    term = Matcher.parse(m.group(0)[1:] if special else m.group(0))
                except ValueError:
                    words.append(m.group(0).lower())
                    continue
                (specials if special else matchers).append(term)
            else:
                words.append(m.group("text").strip('"').lower())
        return cls(tuple(words), tuple(matchers), text.strip(), tuple(specials))

    def __bool__(self) -> bool:
        return bool(self.words or self.matchers or self.specials)

    def accepts(self, alert: Alert) -> bool:
        labels = alert_labels(alert)
        if not all(m.matches(labels) for m in self.matchers):
            return False
        if not all(special_matches(m, filter_values(alert, m.name)) for m in self.specials):
            return False
        if not self.words:
            return True
        haystack = " ".join(
            (alert.name, *labels.values(), alert.summary, alert.severity.word)
        ).lower()
        return all(word in haystack for word in self.words)

    def apply(self, alerts: Iterable[Alert]) -> list[Alert]:
        if not self:
            return list(alerts)
        return [a for a in alerts if self.accepts(a)]

    def as_matchers(self) -> list[Matcher]:
        """Matchers for a bulk silence from this filter (free words cannot become matchers)."""
        return list(self.matchers)
