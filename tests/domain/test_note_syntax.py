"""What a commander types into the note box becomes the right kind of entry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from warroom.domain.incident import EntryKind
from warroom.domain.note_syntax import parse_note

NOW = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def utc_local(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def test_plain_note() -> None:
    note = parse_note("  rolled back  ", NOW)
    assert (note.kind, note.text, note.at) == (EntryKind.NOTE, "rolled back", None)


def test_backdated_note_keeps_the_given_time() -> None:
    note = parse_note("@14:02 first 5xx seen", NOW)
    assert note.at == datetime(2026, 11, 24, 14, 2, tzinfo=UTC) and note.text == "first 5xx seen"
    yesterday = parse_note("@23:50 late deploy", NOW)
    assert yesterday.at == datetime(2026, 11, 23, 23, 50, tzinfo=UTC)


def test_decision_action_and_correction() -> None:
    assert parse_note("decision: fail over to region b", NOW).kind is EntryKind.DECISION
    action = parse_note("action: add alert on pool size owner=bob due=2026-12-01", NOW)
    assert (action.kind, action.text, action.owner, action.due) == (
        EntryKind.ACTION_ITEM, "add alert on pool size", "bob", "2026-12-01",
    )  # fmt: skip
    fix = parse_note("correct 3f2a9c: it was 14:05, not 14:02", NOW)
    assert (fix.kind, fix.corrects, fix.text) == (
        EntryKind.CORRECTION,
        "3f2a9c",
        "it was 14:05, not 14:02",
    )


@pytest.mark.parametrize("bad", ["", "   ", "@25:99 x", "@noon x", "decision:   ", "@14:02"])
def test_bad_input_is_a_one_line_error(bad: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_note(bad, NOW)
    assert "\n" not in str(err.value)
