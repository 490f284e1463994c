"""`[ui.keymap]` is checked at start: unknown ids, malformed keys and clashes are one line naming
the binding id and the key; a keymap that would take Quit away never reaches the screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.cli import main
from warroom.cli.keymap import war_room_bindings
from warroom.config.keymap import KeySpec, check_keymap, display_key
from warroom.domain.errors import ConfigError

SPECS = [
    KeySpec("warroom.ack", "a", "ack", "Ack"),
    KeySpec("warroom.note", "n", "note", "Note"),
    KeySpec("warroom.help", "question_mark", "help", "Help"),
    KeySpec("warroom.quit", "q", "quit", "Quit"),
    KeySpec(None, "j,down", "cursor_down", "Down"),
]
NAMES = {"?": "question_mark", "/": "slash"}


def check(keymap: dict[str, str]) -> dict[str, str]:
    return check_keymap(keymap, SPECS, source="c.toml", normalize=lambda k: NAMES.get(k, k))


def test_a_good_remap_is_kept_and_shown() -> None:
    keymap = check({"warroom.ack": "A", "warroom.note": "N,ctrl+n"})
    assert keymap == {"warroom.ack": "A", "warroom.note": "N,ctrl+n"}
    assert display_key("warroom.ack", "a", keymap) == "A"
    assert display_key("warroom.help", "question_mark", keymap) == "question_mark"
    assert display_key(None, "j", keymap) == "j"


def test_swapping_two_keys_is_not_a_clash() -> None:
    assert check({"warroom.ack": "q", "warroom.quit": "Q"})["warroom.quit"] == "Q"


@pytest.mark.parametrize(
    ("keymap", "message"),
    [
        (
            {"warroom.akc": "A"},
            "c.toml: ui.keymap.warroom.akc: unknown binding id (did you mean warroom.ack?)",
        ),
        (
            {"warroom.ack": "q"},
            "c.toml: ui.keymap.warroom.ack: key 'q' is already Quit (warroom.quit); "
            "pick another key (or remap that one too)",
        ),
        (
            {"warroom.note": "down"},
            "c.toml: ui.keymap.warroom.note: key 'down' is already Down; "
            "pick another key (or remap that one too)",
        ),
        (
            {"warroom.note": "?"},
            "c.toml: ui.keymap.warroom.note: key '?' is already Help (warroom.help); "
            "pick another key (or remap that one too)",
        ),
        ({"warroom.quit": ""}, "c.toml: ui.keymap.warroom.quit: not a key name: ''"),
        ({"warroom.ack": "a b"}, "c.toml: ui.keymap.warroom.ack: not a key name: 'a b'"),
    ],
)
def test_bad_keymaps_are_one_line(keymap: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        check(keymap)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_the_real_war_room_bindings_are_collected() -> None:
    ids = {s.id for s in war_room_bindings()}
    assert {"warroom.ack", "warroom.quit", "warroom.help"} <= ids


def test_a_keymap_that_takes_quit_away_stops_the_console_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    config = tmp_path / "c.toml"
    config.write_text('[ui.keymap]\n"warroom.ack" = "q"\n')
    assert main(["drill", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"warroom: {config}: ui.keymap.warroom.ack: key 'q' is already Quit (warroom.quit); "
        "pick another key (or remap that one too)\n"
    )
