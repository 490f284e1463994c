"""Untrusted text shown inert: no control byte survives, nothing vanishes."""

from __future__ import annotations

import pytest

from warroom.domain.untrusted import clip, inert, one_line

ESCAPES = [
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",  # OSC 52: write the clipboard
    "\x1b]0;owned\x07",  # OSC 0: window title
    "\x1b[2J\x1b[H",  # clear screen, cursor home
    "\x1b[31mred",  # SGR
    "\x9b31m",  # one-byte CSI
    "\x1bP+q\x1b\\",  # DCS
    "a\rb",  # carriage return overwrites
    "\x08\x08\x08",  # backspaces
    "\x7f",  # DEL
    "\u202erm -rf /\u202c",  # bidi override
    "\u2066x\u2069",  # isolate
    "\x00nul",
]


@pytest.mark.parametrize("text", ESCAPES)
def test_no_control_character_survives(text: str) -> None:
    shown = inert(text)
    assert not any((ord(c) < 0x20 and c not in "\t\n") or 0x7F <= ord(c) < 0xA0 for c in shown)
    assert "\u202e" not in shown and "\u2066" not in shown
    assert len(shown) >= len(text)  # made visible, never dropped


def test_plain_text_is_unchanged() -> None:
    assert (
        inert("DBDown on db-1: 95% used\n\tsee runbook")
        == "DBDown on db-1: 95% used\n\tsee runbook"
    )
    assert inert("ünïcødé ✓ 日本") == "ünïcødé ✓ 日本"


def test_escape_is_shown_as_a_glyph() -> None:
    assert inert("\x1b[2J") == "␛[2J"
    assert inert("\x9b") == "\\x9b"


def test_one_line_folds_newlines() -> None:
    assert one_line("a\nb\tc\x1b") == "a ⏎ b c␛"


def test_clip() -> None:
    assert clip("abcdef", 4) == "abc…"
    assert clip("abc", 4) == "abc"
    assert clip("abc", 0) == ""
