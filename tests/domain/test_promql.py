"""PromQL placeholders become literals: a hostile label value never changes the query's shape."""

from __future__ import annotations

import re

import pytest

from warroom.domain.errors import RunbookError
from warroom.domain.promql import fill, regex_literal, string_literal_body

QUERY = 'sum(rate(http_requests_total{job=~"$service",status=~"5.."}[5m]))'


def test_plain_value_fills_in() -> None:
    assert fill(QUERY, {"service": "api"}) == QUERY.replace("$service", "api")


def test_quote_breakout_stays_inside_the_string() -> None:
    hostile = 'demo"}[5m])) * 0 or vector(0.01) #'
    out = fill(QUERY, {"service": hostile})
    assert out == QUERY.replace("$service", string_literal_body(regex_literal(hostile)))
    unescaped = re.sub(r'\\\\|\\"', "", out)
    assert unescaped.count('"') == QUERY.count('"')  # no quote was added or freed


def test_regex_characters_are_escaped_after_match_operators() -> None:
    assert fill('up{job=~"$job"}', {"job": ".*"}) == 'up{job=~"\\\\.\\\\*"}'
    assert fill('up{job="$job"}', {"job": ".*"}) == 'up{job=".*"}'
    assert fill('up{job!~"<job>"}', {"job": "a|b"}) == 'up{job!~"a\\\\|b"}'


def test_bare_placeholders_take_only_identifiers_and_durations() -> None:
    assert fill("rate(x[$window])", {"window": "5m"}) == "rate(x[5m])"
    with pytest.raises(RunbookError):
        fill("rate(x[$window])", {"window": "5m]) or vector(1"})


def test_missing_value_is_left_for_the_caller() -> None:
    assert fill('up{job="$job"}', {}) == 'up{job="$job"}'


def test_literal_helpers() -> None:
    assert string_literal_body('a"b\\c\n') == 'a\\"b\\\\c\\n'
    assert regex_literal("a.b") == "a\\.b"
