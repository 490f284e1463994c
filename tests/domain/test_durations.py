"""The one duration grammar: what it accepts, and the one message for what it does not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warroom.domain.durations import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("2d", 172800),
        ("1w", 604800),
        ("500ms", 0.5),
        ("1.5h", 5400),
        ("10min", 600),
        (" 45 ", 45),
        ("2H", 7200),
    ],
)
def test_accepted(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


def test_bare_number_takes_the_callers_unit() -> None:
    assert parse_duration("90", default_unit="m") == 5400


@pytest.mark.parametrize("text", ["", "soon", "1h30", "-5m", "5x", "m", "1e3s", "9" * 400 + "d"])
def test_refused_with_one_message(text: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_duration(text, what="silence")
    message = str(err.value)
    assert message.startswith("silence: ") and "try 90s, 15m, 1h30m or 2d" in message
    assert "\n" not in message


@given(st.text(max_size=40))
def test_any_text_is_a_number_or_one_line_error(text: str) -> None:
    try:
        value = parse_duration(text)
    except ValueError as exc:
        assert "\n" not in str(exc).replace(repr(text), "")
    else:
        assert value >= 0
