"""Silence policy (refusals naming the rule, typed overrides) and similar silences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warroom.domain.alerts import Alert, Matcher, Silence
from warroom.domain.silence_policy import (
    PolicyRule,
    SilencePolicy,
    Similarity,
    decide,
    similar_silences,
)

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def ms(*texts: str) -> tuple[Matcher, ...]:
    return tuple(Matcher.parse(t) for t in texts)


def alert(name: str, **labels: str) -> Alert:
    return Alert(name + str(sorted(labels.items())), name, labels, {}, NOW)


def test_min_matchers_two_refuses_one_matcher_naming_the_rule() -> None:
    decision = decide(SilencePolicy(min_matchers=2), ms("service=db"))
    assert not decision.allowed
    assert [r.rule for r in decision.refusals] == [PolicyRule.MIN_MATCHERS]
    assert "min_matchers = 2" in decision.message
    assert 'service="db"' in decision.message
    assert "\n" not in decision.message


def test_an_override_passes_and_carries_its_reason_and_author() -> None:
    decision = decide(
        SilencePolicy(min_matchers=2),
        ms("service=db"),
        override_reason="  whole db tier is being migrated  ",
        by="alice",
    )
    assert decision.allowed
    assert decision.override is not None
    assert decision.override.reason == "whole db tier is being migrated"
    assert decision.override.by == "alice"
    assert "min_matchers" in decision.override.text and "alice" in decision.override.text


def test_a_blank_reason_is_no_override() -> None:
    decision = decide(SilencePolicy(min_matchers=2), ms("service=db"), override_reason="   ")
    assert not decision.allowed and decision.override is None


def test_enough_matchers_pass_without_override() -> None:
    decision = decide(SilencePolicy(min_matchers=2), ms("service=db", "alertname=DBDown"))
    assert decision.allowed and decision.override is None and decision.message == ""


@pytest.mark.parametrize(
    "matchers",
    [("severity=critical",), ("env=prod", "cluster=eu1"), ("region=~eu.*", "severity!=info")],
)
def test_only_broad_labels_are_refused(matchers: tuple[str, ...]) -> None:
    decision = decide(SilencePolicy(), ms(*matchers))
    assert [r.rule for r in decision.refusals] == [PolicyRule.BROAD_LABELS_ONLY]
    assert "broad_labels" in decision.message


def test_vacuous_regex_does_not_count_as_a_matcher() -> None:
    decision = decide(SilencePolicy(min_matchers=2), ms("service=db", "instance=~.*"))
    assert [r.rule for r in decision.refusals] == [PolicyRule.MIN_MATCHERS]


def test_matching_more_than_max_alerts_is_refused_with_the_count() -> None:
    alerts = [alert("DBDown", service="db", instance=str(i)) for i in range(5)]
    alerts.append(alert("DBDown", service="web"))
    policy = SilencePolicy(max_matching_alerts=4)
    decision = decide(policy, ms("service=db"), alerts)
    assert [r.rule for r in decision.refusals] == [PolicyRule.MAX_MATCHING_ALERTS]
    assert "matches 5 alerts" in decision.message and "max_matching_alerts = 4" in decision.message
    assert decide(SilencePolicy(max_matching_alerts=5), ms("service=db"), alerts).allowed


def test_hostile_matcher_value_is_shown_inert() -> None:
    decision = decide(SilencePolicy(min_matchers=2), (Matcher("service", "db\x1b]52;c;x\x07\n"),))
    assert "\x1b" not in decision.message and "\n" not in decision.message


def silence(sid: str, *matchers: str, ends_in_min: float = 60, state: str = "active") -> Silence:
    return Silence(
        sid,
        ms(*matchers),
        NOW - timedelta(hours=1),
        NOW + timedelta(minutes=ends_in_min),
        "bob",
        "c",
        state,
    )


def test_similar_silences_same_superset_subset_and_recently_expired() -> None:
    existing = [
        silence("same", "alertname=DBDown", "service=db"),
        silence("broader", "service=db"),
        silence("narrower", "alertname=DBDown", "service=db", "instance=db-1"),
        silence("lapsed", "service=db", ends_in_min=-30, state="expired"),
        silence("old", "service=db", ends_in_min=-3 * 24 * 60, state="expired"),
        silence("other", "service=web"),
        silence("overlap", "service=db", "instance=db-2"),
    ]
    found = similar_silences(ms("service=db", "alertname=DBDown"), existing, NOW)
    got = [(s.silence.id, s.similarity, s.expired) for s in found]
    assert got == [
        ("same", Similarity.SAME, False),
        ("broader", Similarity.BROADER, False),
        ("lapsed", Similarity.BROADER, True),
        ("narrower", Similarity.NARROWER, False),
    ]


def test_operator_and_regex_distinguish_matchers() -> None:
    existing = [silence("neg", "service!=db"), silence("re", "service=~db")]
    assert similar_silences(ms("service=db"), existing, NOW) == []
