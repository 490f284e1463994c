"""What the alert list shows, computed fast enough for a storm: the one filter, grouping and
inhibition nesting the console uses (pure; the widget only draws the rows).

The answers are those of `AlertFilter.accepts`, `sort_alerts` and `group_by_name` in
`domain.alerts` (the tests hold them side by side), reached in O(n) per change, never per key
press: alerts are sorted once per refresh (`AlertIndex`), a matcher is evaluated once per
distinct label value, and typing that narrows a filter searches only the previous result.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from warroom.domain.alerts import (
    Alert,
    AlertFilter,
    AlertGroup,
    Matcher,
    filter_values,
    group_key,
    special_matches,
)

THREAD_AT = 20_000  # alerts: from here on the list compares, sorts and filters in a thread
SORT_RUN = 4_096  # keys sorted in one call (see sorted_positions)


@dataclass(slots=True)
class AlertRow:
    """One line of the list: an alert, a group of alerts, or a divider. Never changed once
    made (not `frozen` only because that makes construction 3x slower, see `Alert`)."""

    alert: Alert | None  # a group's most urgent member
    count: int = 1
    indent: bool = False
    divider: str = ""
    group: str | None = None  # a group row (count > 1): the grouping label's value

    @property
    def key(self) -> str:
        if self.divider:
            return "divider:" + self.divider
        assert self.alert is not None
        return ("group:" + (self.group or "")) if self.count > 1 else self.alert.fingerprint


@dataclass(frozen=True, slots=True)
class View:
    """What the rows show: the filter, the two toggles and the label groups are made by."""

    filter: AlertFilter = field(default_factory=AlertFilter)
    grouped: bool = False
    show_suppressed: bool = True
    group_label: str = "alertname"


def narrows(new: AlertFilter, old: AlertFilter) -> bool:
    """Whether everything `new` accepts, `old` accepts too (typing more of the same filter), so
    `new` need only search `old`'s result: each old matcher is kept, each old word is inside a
    new word."""
    return bool(old) and (
        all(m in new.matchers for m in old.matchers)
        and all(m in new.specials for m in old.specials)
        and all(any(w in nw for nw in new.words) for w in old.words)
    )


def find_key(rows: Sequence[AlertRow], key: str, near: int) -> int:
    """Where the row with `key` is now, searched outward from `near` (a refresh moves the
    cursor's alert a few lines at most); `near` if it is gone."""
    n = len(rows)
    for d in range(min(n, 512)):
        for i in (near - d, near + d):
            if 0 <= i < n and rows[i].key == key:
                return i
    return next((i for i, row in enumerate(rows) if row.key == key), near)


def sorted_positions(keys: list[Any]) -> list[int]:
    """`sorted(range(len(keys)), key=keys.__getitem__)`, in runs merged in Python: one sort of
    100,000 keys is a single call that holds the GIL for a few hundred ms (every key press
    waits); runs of SORT_RUN hold it for a few ms each, and the merge lets go between keys."""
    n = len(keys)
    key = keys.__getitem__
    if n < THREAD_AT:  # sorted on the event loop anyway: one call is quicker
        return sorted(range(n), key=key)
    runs = [sorted(range(i, min(i + SORT_RUN, n)), key=key) for i in range(0, n, SORT_RUN)]
    return list(heapq.merge(*runs, key=key))


def _order(a: Alert) -> tuple[Any, ...]:
    """Where an alert stands in the list: most severe, oldest, name, fingerprint."""
    return (a.severity, a.starts_at, a.name, a.fingerprint)


def first_listed(alerts: Sequence[Alert]) -> Alert | None:
    """The alert on the list's first line with no filter (the one it selects first): the
    first active alert in `AlertIndex` order, found without sorting; None when every alert is
    silenced or inhibited (the first line is then the divider)."""
    active = (a for a in alerts if not (a.is_silenced or a.is_inhibited))
    return min(active, key=_order, default=None)


class AlertIndex:
    """The alerts of one refresh, sorted once (severity, age, name, fingerprint, as
    `sort_alerts`); the inputs a filter needs are prepared the first time one asks."""

    __slots__ = ("_hay", "_memo", "alerts", "any_inhibited", "hidden", "quiet", "rows", "sorted")

    def __init__(self, alerts: list[Alert]) -> None:
        self.alerts = alerts
        keys = [_order(a) for a in alerts]
        ordered = [alerts[i] for i in sorted_positions(keys)]
        self.sorted = ordered
        self.quiet = [a.is_silenced or a.is_inhibited for a in ordered]
        self.rows = [AlertRow(a) for a in ordered]
        self.any_inhibited = any(a.inhibited_by for a in ordered)
        self.hidden = hidden_text(a for a, q in zip(ordered, self.quiet, strict=True) if q)
        self._hay: list[str] | None = None
        self._memo: tuple[AlertFilter, list[int]] | None = None

    def matching(self, flt: AlertFilter) -> Sequence[int]:
        """Positions (in sorted order) of the alerts `flt.accepts`, computed once per
        distinct label value."""
        if not flt:
            return range(len(self.sorted))
        memo = self._memo
        if memo is not None and memo[0] == flt:
            return memo[1]
        kept: Sequence[int] = (
            memo[1] if memo is not None and narrows(flt, memo[0]) else range(len(self.sorted))
        )
        for matcher in flt.matchers:
            kept = self._by_matcher(matcher, kept)
        for special in flt.specials:
            kept = self._by_special(special, kept)
        if flt.words:
            hay = self._haystacks()
            words = flt.words
            kept = [i for i in kept if all(w in hay[i] for w in words)]
        result = list(kept)
        self._memo = (flt, result)
        return result

    def _by_matcher(self, matcher: Matcher, kept: Sequence[int]) -> list[int]:
        # `alert_labels(a)` is {"alertname": a.name, **a.labels}: look the value up the same way
        name = matcher.name
        ordered = self.sorted
        value_of: Callable[[Alert], str] = (
            (lambda a: a.labels.get("alertname", a.name))
            if name == "alertname"
            else (lambda a: a.labels.get(name, ""))
        )
        answers: dict[str, bool] = {}
        out = []
        for i in kept:
            value = value_of(ordered[i])
            hit = answers.get(value)
            if hit is None:
                hit = answers[value] = matcher.matches({name: value})
            if hit:
                out.append(i)
        return out

    def _by_special(self, matcher: Matcher, kept: Sequence[int]) -> list[int]:
        ordered = self.sorted
        answers: dict[tuple[str, ...], bool] = {}
        out = []
        for i in kept:
            values = filter_values(ordered[i], matcher.name)
            hit = answers.get(values)
            if hit is None:
                hit = answers[values] = special_matches(matcher, values)
            if hit:
                out.append(i)
        return out

    def _haystacks(self) -> list[str]:
        """What free words search, as `AlertFilter.accepts` builds it (lower-cased)."""
        if self._hay is None:
            self._hay = [
                " ".join(
                    (
                        a.name,
                        *{"alertname": a.name, **a.labels}.values(),
                        a.summary,
                        a.severity.word,
                    )
                ).lower()
                for a in self.sorted
            ]
        return self._hay


def hidden_text(alerts: Iterable[Alert]) -> str:
    """What the firing count leaves out, for the title: "3 acked, 2 silenced, 1 inhibited
    hidden" (an ack is a silence, counted once, as acked); "" when nothing is."""
    counts = {"acked": 0, "silenced": 0, "inhibited": 0}
    for alert in alerts:
        if alert.is_silenced:
            counts["acked" if alert.is_acked else "silenced"] += 1
        elif alert.is_inhibited:
            counts["inhibited"] += 1
    shown = [f"{n:,} {what}" for what, n in counts.items() if n]
    return ", ".join(shown) + " hidden" if shown else ""


def index_for(alerts: list[Alert], current: AlertIndex) -> AlertIndex:
    """`current` if these are the same alerts, else a new index."""
    old = current.alerts
    if alerts is old or (len(alerts) == len(old) and alerts == old):
        return current
    return AlertIndex(list(alerts))


def build_rows(index: AlertIndex, view: View) -> list[AlertRow]:
    """The lines for `index` as `view` asks: active alerts first (grouped by name, or with the
    alerts they inhibit folded under them), then the silenced and inhibited after a divider."""
    ordered, quiet, alert_rows = index.sorted, index.quiet, index.rows
    positions = index.matching(view.filter)
    active = [i for i in positions if not quiet[i]]
    folded: set[str] = set()
    rows: list[AlertRow]
    if view.grouped:
        label = view.group_label
        groups: dict[str, list[int]] = {}  # value -> [first position, count], sorted order
        for i in active:
            value = group_key(ordered[i], label)
            group = groups.get(value)
            if group is None:
                groups[value] = [i, 1]
            else:
                group[1] += 1
        rows = [
            alert_rows[i] if count == 1 else AlertRow(ordered[i], count=count, group=value)
            for value, (i, count) in groups.items()
        ]
    elif not index.any_inhibited:
        rows = [alert_rows[i] for i in active]
    else:
        by_inhibitor: dict[str, list[AlertRow]] = {}
        firing = {ordered[i].fingerprint for i in active}
        for i in positions:
            alert = ordered[i]
            if alert.is_inhibited and not alert.is_silenced:
                parent = next((fp for fp in alert.inhibited_by if fp in firing), None)
                if parent:
                    by_inhibitor.setdefault(parent, []).append(AlertRow(alert, indent=True))
                    folded.add(alert.fingerprint)
        rows = []
        for i in active:
            rows.append(alert_rows[i])
            children = by_inhibitor.get(ordered[i].fingerprint)
            if children:
                rows.extend(children)
    if view.show_suppressed:
        quiet_rows = [
            alert_rows[i]
            for i in positions
            if quiet[i] and (not folded or ordered[i].fingerprint not in folded)
        ]
        if quiet_rows:
            rows.append(AlertRow(None, divider=f"silenced / inhibited ({len(quiet_rows)})"))
            rows.extend(quiet_rows)
    return rows


def group_of(index: AlertIndex, view: View, row: AlertRow) -> AlertGroup | None:
    """The group a grouped row stands for, with every member the filter lets through and
    that is neither silenced nor inhibited (what `build_rows` counted), most urgent first;
    None for a row that is not a group."""
    if row.group is None or row.count <= 1:
        return None
    ordered, quiet, label = index.sorted, index.quiet, view.group_label
    members = tuple(
        ordered[i]
        for i in index.matching(view.filter)
        if not quiet[i] and group_key(ordered[i], label) == row.group
    )
    return AlertGroup(row.group, members, label) if members else None
