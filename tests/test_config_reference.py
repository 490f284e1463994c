"""The README's config reference is generated from the schema: every field documented, and
the README says exactly what the models say (regenerate: python -m warroom.config.reference
--write README.md)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from warroom.config import load_settings, parse_settings
from warroom.config.reference import SECTIONS, descriptions, main, reference

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.parametrize(
    ("heading", "struct", "env"), SECTIONS, ids=[s[1].__name__ for s in SECTIONS]
)
def test_every_field_has_a_description(heading: str, struct: type, env: str) -> None:
    missing = [name for name, text in descriptions(struct).items() if not text.strip()]
    assert not missing, f"{struct.__name__}: no description for {missing}"
    assert (struct.__doc__ or "").strip(), f"{struct.__name__} has no docstring"


def test_readme_reference_matches_the_models() -> None:
    assert reference() in README.read_text(encoding="utf-8")
    assert main(["--check", str(README)]) == 0


def test_a_stale_readme_is_caught(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "README.md"
    stale.write_text(README.read_text(encoding="utf-8").replace("poll interval", "poll rate"))
    assert main(["--check", str(stale)]) == 1
    assert "config reference is stale" in capsys.readouterr().err
    assert main(["--write", str(stale)]) == 0
    assert main(["--check", str(stale)]) == 0


def test_the_documented_variables_are_read(tmp_path: Path) -> None:
    """Each `WARROOM_SECTION__KEY` the reference lists for [ui], [incident] and [runbooks]."""
    config = tmp_path / "c.toml"
    config.write_text("")
    env = {
        "WARROOM_UI__THEME": "warroom-light",
        "WARROOM_UI__REFRESH_S": "30",
        "WARROOM_UI__BELL": "false",
        "WARROOM_UI__VIEWER": "true",
        "WARROOM_UI__USER": "Dana (IC)",
        "WARROOM_UI__KEYMAP": '{ "warroom.ack" = "A" }',
        "WARROOM_UI__THEME_PATHS": '["/t1", "/t2"]',
        "WARROOM_INCIDENT__STORE": "postgresql://db/incidents",
        "WARROOM_INCIDENT__ACK_MINUTES": "20",
        "WARROOM_INCIDENT__SILENCE_HOURS": "2.5",
        "WARROOM_INCIDENT__UPDATE_EVERY_S": "900",
        "WARROOM_RUNBOOKS__PATHS": "/r1",
        "WARROOM_RUNBOOKS__STEP_TIMEOUT_S": "120",
        "WARROOM_ENVIRONMENT": "prod",
        "WARROOM_ENVIRONMENTS__PROD__PROMETHEUS__URL": "http://127.0.0.1:9090",
        "WARROOM_ENVIRONMENTS__PROD__PROMETHEUS__TIMEOUT_S": "2",
    }
    s = load_settings(config, environ=env)
    assert (s.theme, s.refresh_s, s.bell, s.viewer, s.user) == (
        "warroom-light",
        30,
        False,
        True,
        "Dana (IC)",
    )
    assert s.keymap == {"warroom.ack": "A"} and s.theme_paths == ("/t1", "/t2")
    assert (s.store, s.ack_minutes, s.silence_hours, s.update_every_s) == (
        "postgresql://db/incidents",
        20,
        2.5,
        900,
    )
    assert s.runbook_paths == ("/r1",) and s.step_timeout_s == 120
    env_prod = s.active_environment
    assert env_prod is not None and env_prod.name == "prod" and env_prod.production
    assert env_prod.prometheus is not None and env_prod.prometheus.timeout_s == 2


def test_the_readme_example_config_is_valid() -> None:
    text = README.read_text(encoding="utf-8")
    example = text[text.index("```toml\nenvironment = ") + len("```toml\n") :]
    example = example[: example.index("```")]
    settings = parse_settings(tomllib.loads(example), "README.md")
    assert set(settings.environments) == {"prod", "staging"}
    assert [s.key for s in settings.signals] == ["error_rate", "connections"]
