"""The filter's `@state=` and `@receiver=` terms, grouping by any label, and what the title
says is hidden: the plain definitions (domain.alerts) and the fast rows (domain.alert_view)
held to the same answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from msgspec.structs import replace

from tests.ui.fakes import make_alert
from warroom.domain.alert_view import AlertIndex, View, build_rows, group_of, hidden_text
from warroom.domain.alerts import (
    Alert,
    AlertFilter,
    AlertState,
    Matcher,
    group_by_label,
    group_by_name,
)
from warroom.sources.alertmanager import decode_alerts

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _alerts() -> list[Alert]:
    def at(minutes: int) -> datetime:
        return T0 + timedelta(minutes=minutes)

    active = replace(
        make_alert("HighErrors", "critical", at(0), service="api", team="core"),
        receivers=("pager",),
    )
    silenced = replace(
        make_alert("HighErrors", "critical", at(1), service="web", team="core"),
        state=AlertState.SUPPRESSED,
        silenced_by=("s1",),
        receivers=("pager", "slack"),
    )
    acked = replace(
        make_alert("DiskFull", "warning", at(2), service="db", team="storage"),
        state=AlertState.SUPPRESSED,
        silenced_by=("ack1",),
        acked_by="ann@example.org",
        acked_at=at(3),
        receivers=("slack",),
    )
    inhibited = replace(
        make_alert("Latency", "warning", at(3), service="api", team="core"),
        state=AlertState.SUPPRESSED,
        inhibited_by=(active.fingerprint,),
        receivers=("slack",),
    )
    no_team = make_alert("Latency", "info", at(4), service="batch")
    return [active, silenced, acked, inhibited, no_team]


def _names(alerts: list[Alert]) -> list[tuple[str, str]]:
    return [(a.name, a.service) for a in alerts]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("@state=active", [("HighErrors", "api"), ("Latency", "batch")]),
        ("@state=suppressed", [("HighErrors", "web"), ("DiskFull", "db"), ("Latency", "api")]),
        ("@state=silenced", [("HighErrors", "web"), ("DiskFull", "db")]),
        ("@state=acked", [("DiskFull", "db")]),
        ("@state=inhibited", [("Latency", "api")]),
        ("@state!=suppressed", [("HighErrors", "api"), ("Latency", "batch")]),
        ("@state=~active|acked", [("HighErrors", "api"), ("DiskFull", "db"), ("Latency", "batch")]),
        ("@receiver=pager", [("HighErrors", "api"), ("HighErrors", "web")]),
        ("@receiver!=slack", [("HighErrors", "api"), ("Latency", "batch")]),
        ("@receiver=~sl.*", [("HighErrors", "web"), ("DiskFull", "db"), ("Latency", "api")]),
        (
            "@receiver=slack @state=suppressed team=core",
            [("HighErrors", "web"), ("Latency", "api")],
        ),
        ("@state=active errors", [("HighErrors", "api")]),
    ],
)
def test_state_and_receiver_terms_in_the_filter_and_the_fast_rows(
    text: str, want: list[tuple[str, str]]
) -> None:
    alerts = _alerts()
    flt = AlertFilter.parse(text)
    assert _names(flt.apply(alerts)) == want
    index = AlertIndex(alerts)
    rows = build_rows(index, View(flt, show_suppressed=True))
    got = {(r.alert.name, r.alert.service) for r in rows if r.alert}
    assert got == set(want)
    assert not flt.as_matchers() or all(not m.name.startswith("@") for m in flt.as_matchers())


def test_a_state_term_is_never_a_silence_matcher_and_a_bad_one_is_a_word() -> None:
    flt = AlertFilter.parse("@state=acked service=db @receiver=~(")
    assert flt.as_matchers() == [Matcher("service", "db")]
    assert [str(m) for m in flt.specials] == ['state="acked"']
    assert flt.words == ("@receiver=~(",)
    with pytest.raises(ValueError):
        Matcher.parse("@state=active")


def test_typing_on_narrows_with_state_terms_and_the_index_agrees() -> None:
    alerts = _alerts()
    index = AlertIndex(alerts)
    first = AlertFilter.parse("@state=suppressed")
    assert len(index.matching(first)) == 3
    second = AlertFilter.parse("@state=suppressed @receiver=slack")
    assert [index.sorted[i] for i in index.matching(second)] == second.apply(index.sorted)
    # dropping a term widens again: the earlier result must not be reused
    assert len(index.matching(AlertFilter.parse("@receiver=slack"))) == 3


@pytest.mark.parametrize("label", ["alertname", "team", "service", "severity", "missing"])
def test_grouping_by_any_label_agrees_with_the_plain_definition(label: str) -> None:
    alerts = _alerts()
    quiet = {a.fingerprint for a in alerts if a.is_silenced or a.is_inhibited}
    firing = [a for a in alerts if a.fingerprint not in quiet]
    groups = group_by_label(firing, label)
    index = AlertIndex(alerts)
    view = View(grouped=True, show_suppressed=False, group_label=label)
    rows = build_rows(index, view)
    assert [(r.alert.fingerprint, r.count) for r in rows if r.alert] == [
        (g.alerts[0].fingerprint, g.count) for g in groups
    ]
    for row, group in zip(rows, groups, strict=True):
        got = group_of(index, view, row)
        if group.count == 1:
            assert got is None and row.key == group.alerts[0].fingerprint
        else:
            assert got is not None and got.alerts == group.alerts and got.label == label


def test_group_members_and_common_labels_for_a_group_silence() -> None:
    alerts = [
        make_alert("HighErrors", "critical", T0, service="api", team="core", pod="a"),
        make_alert("Latency", "warning", T0 + timedelta(minutes=1), service="api", team="core"),
        make_alert("Latency", "warning", T0 + timedelta(minutes=2), service="web", team="edge"),
    ]
    index = AlertIndex(alerts)
    view = View(grouped=True, group_label="team")
    rows = build_rows(index, view)
    assert [(r.group, r.count) for r in rows] == [("core", 2), (None, 1)]
    group = group_of(index, view, rows[0])
    assert group is not None and group.name == "core"
    assert [a.name for a in group.alerts] == ["HighErrors", "Latency"]
    assert [str(m) for m in group.matchers] == ['service="api"', 'team="core"']
    assert group_by_name(alerts)[1].matchers[0] == Matcher("alertname", "Latency")
    # members are what the filter lets through, never the whole label value
    narrowed = View(AlertFilter.parse("latency"), grouped=True, group_label="team")
    kept = group_of(index, narrowed, rows[0])
    assert kept is not None and [(a.name, a.service) for a in kept.alerts] == [("Latency", "api")]


def test_what_the_title_says_is_hidden() -> None:
    alerts = _alerts()
    assert AlertIndex(alerts).hidden == "1 acked, 1 silenced, 1 inhibited hidden"
    assert hidden_text(a for a in alerts if not (a.is_silenced or a.is_inhibited)) == ""
    many = [replace(alerts[2], fingerprint=str(i)) for i in range(1200)]
    assert hidden_text(many) == "1,200 acked hidden"


def test_the_decoder_keeps_receivers() -> None:
    body = (
        b'[{"labels":{"alertname":"A","severity":"critical"},"annotations":{},'
        b'"startsAt":"2026-03-01T12:00:00Z","updatedAt":"2026-03-01T12:05:00+01:00",'
        b'"fingerprint":"f1","status":{"state":"active","silencedBy":[],"inhibitedBy":[]},'
        b'"receivers":[{"name":"pager"},{"name":"team-db"}]},'
        b'{"labels":{"alertname":"B"},"fingerprint":"f2"}]'
    )
    first, second = decode_alerts(body, "am").items
    assert first.receivers == ("pager", "team-db")
    assert second.receivers == ()
