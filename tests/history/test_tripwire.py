"""Silence tripwire: new critical alerts that an active silence mutes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from warroom.domain.alerts import Alert, AlertState, Matcher, Placement, Silence
from warroom.domain.tripwire import newly_firing, tripwire

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def silence(
    sid: str, *matchers: str, left_min: float = 47.5, state: str = "active", who: str = "alice"
) -> Silence:
    return Silence(
        sid,
        tuple(Matcher.parse(m) for m in matchers),
        NOW - timedelta(hours=1),
        NOW + timedelta(minutes=left_min),
        who,
        "c",
        state,
    )


def alert(
    name: str, severity: str = "critical", started_min_ago: float = 1, **labels: str
) -> Alert:
    return Alert(
        f"{name}-{sorted(labels.items())}",
        name,
        {"severity": severity, **labels},
        {},
        NOW - timedelta(minutes=started_min_ago),
    )


def test_new_critical_alert_matching_a_silence_trips_with_the_banner_text() -> None:
    tripped = tripwire([silence("3f2a9c", "service=db")], [alert("DBDown", service="db")], NOW)
    assert [t.text for t in tripped] == [
        "muted critical: DBDown matched silence 3f2a by alice, 47 min left"
    ]


def test_warnings_other_services_expired_and_older_alerts_do_not_trip() -> None:
    silences = [
        silence("aaaa", "service=db"),
        silence("bbbb", "service=web", state="expired", left_min=-5),
        silence("cccc", "service=web", left_min=-1, state="active"),  # lapsed since the poll
    ]
    alerts = [
        alert("DBSlow", severity="warning", service="db"),
        alert("WebDown", service="web"),
        alert(
            "DBDown", started_min_ago=120, service="db"
        ),  # firing before the silence: silenced knowingly
    ]
    assert tripwire(silences, alerts, NOW) == []


def test_alertmanagers_silenced_by_counts_even_when_matchers_differ() -> None:
    muted = Alert(
        "fp",
        "DBDown",
        {"severity": "critical", "service": "db"},
        {},
        NOW,
        AlertState.SUPPRESSED,
        ("dead",),
    )
    tripped = tripwire([silence("dead", "service=~d.*x")], [muted], NOW)
    assert [t.silence.id for t in tripped] == ["dead"]


def test_silenced_by_names_the_silence_in_any_cluster_it_lives_in() -> None:
    """One silence in two clusters: the alert's Alertmanager names its own id, not the first."""
    muted = Alert(
        "fp",
        "DBDown",
        {"severity": "critical", "service": "db"},
        {},
        NOW,
        AlertState.SUPPRESSED,
        ("us1-id",),
    )
    both = replace(
        silence("eu1-id", "service=~d.*x"),
        placements=(Placement("eu1", "eu1-id"), Placement("us1", "us1-id")),
    )
    elsewhere = replace(both, placements=(Placement("eu1", "eu1-id"), Placement("ap1", "other")))
    assert [t.silence.ids for t in tripwire([both], [muted], NOW)] == [("eu1-id", "us1-id")]
    assert tripwire([elsewhere], [muted], NOW) == []


def test_pending_silence_does_not_trip_and_several_silences_are_all_named() -> None:
    pending = Silence(
        "pend",
        (Matcher("service", "db"),),
        NOW + timedelta(minutes=5),
        NOW + timedelta(hours=1),
        "bob",
        "c",
        "pending",
    )
    long = silence("long", "service=db", left_min=300, who="bob\x1b]0;x\x07")
    tripped = tripwire(
        [pending, silence("short", "service=db"), long], [alert("DBDown", service="db")], NOW
    )
    assert [t.silence.id for t in tripped] == ["long", "short"]
    assert tripped[0].text.endswith("5h 00m left") and "\x1b" not in tripped[0].text
    assert len({t.key for t in tripped}) == 2


def test_newly_firing_is_the_diff_by_fingerprint() -> None:
    a, b = alert("A"), alert("B")
    assert newly_firing([a.fingerprint], [a, b]) == [b]
