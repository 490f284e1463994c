"""Issue 17's settings as the console takes them: `[history]`, `[silence_policy]` and
`[maintenance]` from a real config file (and the environment) down to the history store the
CLI opens beside the incident store and the policy the silence dialog checks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from warroom.cli.console import open_history
from warroom.config import load_settings
from warroom.domain.errors import ConfigError
from warroom.domain.silence_policy import SilencePolicy
from warroom.stores.history_sqlite import SqliteHistoryStore

CONFIG = """
[history]
retention_days = 7
max_events = 20000

[silence_policy]
min_matchers = 2
broad_labels = ["env", "cluster"]
max_matching_alerts = 50

[maintenance]
file = "~/ops/maintenance.toml"
lead_minutes = 5
"""


def test_sections_reach_the_settings_and_the_history_store(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    settings = load_settings(config, environ={})
    assert settings.silence_policy == SilencePolicy(2, frozenset({"env", "cluster"}), 50)
    assert (settings.maintenance_file, settings.maintenance_lead_minutes) == (
        "~/ops/maintenance.toml",
        5.0,
    )
    store = open_history(settings, str(tmp_path / "incidents.db"))
    assert isinstance(store, SqliteHistoryStore)
    assert store.path == tmp_path / "incidents.history.db"  # beside the incidents
    assert (store.retention, store.max_events) == (timedelta(days=7), 20000)


def _empty(tmp_path: Path) -> Path:
    """An empty config file (never the machine's own)."""
    config = tmp_path / "empty.toml"
    config.write_text("")
    return config


def test_defaults_and_the_environment(tmp_path: Path) -> None:
    environ = {"WARROOM_SILENCE_POLICY__MIN_MATCHERS": "3"}
    settings = load_settings(_empty(tmp_path), environ=environ)
    assert settings.silence_policy.min_matchers == 3
    assert settings.silence_policy.max_matching_alerts is None  # 0: no limit
    assert (settings.history_retention_days, settings.history_max_events) == (30, 500_000)
    assert settings.maintenance_file == ""


@pytest.mark.parametrize(
    "text",
    ["[history]\nretention_days = 0\n", "[silence_policy]\nmin_matchers = -1\n",
     "[maintenance]\nlead_minutes = 0\n", "[history]\nkeep = 3\n"],
)  # fmt: skip
def test_out_of_bounds_or_unknown_keys_are_refused(tmp_path: Path, text: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigError):
        load_settings(config, environ={})


def test_an_unknown_store_url_keeps_no_history_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(_empty(tmp_path), environ={})
    assert open_history(settings, "mysql://db/incidents") is None
    assert "no alert history" in capsys.readouterr().err
