"""Scenario files: the shipped ones load and honour the contract; bad ones fail in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.drill.conftest import CONTRACT
from warroom.domain.errors import ConfigError
from warroom.drill import DEFAULT_SCENARIO, list_scenarios, load_scenario, parse_scenario
from warroom.drill.scenario import GOLDEN_KEYS


def test_list_scenarios_is_sorted_and_covers_the_contract() -> None:
    infos = list_scenarios()
    names = [i.name for i in infos]
    assert names == sorted(names)
    assert set(CONTRACT) <= set(names)
    assert DEFAULT_SCENARIO == "error-rate"
    assert DEFAULT_SCENARIO in names
    for info in infos:
        assert info.title.strip() and info.description.strip()


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_shipped_scenario_matches_contract(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.name == name
    assert {a.name for a in scenario.alerts} == CONTRACT[name]["alerts"]
    expected_labels = CONTRACT[name]["labels"]
    assert isinstance(expected_labels, dict)
    for rule in scenario.alerts:
        for key, value in expected_labels.items():
            assert rule.labels.get(key) == value, (rule.name, key)
        assert rule.labels["severity"] in ("warning", "critical")
        assert rule.annotations["summary"]
        assert rule.annotations["runbook_url"].startswith("runbooks/")
        assert rule.annotations["runbook_url"].split("#")[0].endswith(".md")
    for key in GOLDEN_KEYS:
        assert key in scenario.signals
    assert scenario.services


def test_error_rate_escalates_from_warning_to_critical() -> None:
    severities = {a.name: a.labels["severity"] for a in load_scenario("error-rate").alerts}
    assert severities == {"HighErrorRate": "warning", "HighErrorRateCritical": "critical"}


def test_db_connections_has_a_warning_and_a_critical_rule() -> None:
    rules = load_scenario("db-connections").alerts
    assert sorted(r.labels["severity"] for r in rules) == ["critical", "warning"]


def test_unknown_name_lists_known_scenarios() -> None:
    with pytest.raises(ConfigError) as info:
        load_scenario("no-such-drill")
    message = str(info.value)
    assert "no-such-drill" in message
    for name in CONTRACT:
        assert name in message
    assert "\n" not in message


def test_scenario_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    scenario = load_scenario(str(path))
    assert scenario.name == "mine"
    assert scenario.path == str(path)


def test_missing_scenario_file(tmp_path: Path) -> None:
    missing = tmp_path / "gone.toml"
    with pytest.raises(ConfigError, match=r"gone\.toml: cannot read scenario file"):
        load_scenario(str(missing))


MINIMAL = """
name = "mine"
title = "A small drill"
description = "One alert, one fix."

[[signals]]
key = "error_rate"
baseline = 0.5
burn = [{ at_s = 0, to = 20, over_s = 60 }]

[[alerts]]
name = "HighErrorRate"
signal = "error_rate"
above = 5
labels = { severity = "warning", service = "api" }
summary = "errors"

[[remedies]]
name = "rollback"
match = 'rollout undo'
recover = ["error_rate"]
"""


def _replace(old: str, new: str) -> str:
    assert old in MINIMAL
    return MINIMAL.replace(old, new, 1)


BAD_FILES = [
    ("not toml", "name = ", "bad.toml: not valid TOML"),
    ("missing name", _replace('name = "mine"', ""), "bad.toml: name: missing"),
    (
        "name type",
        _replace('name = "mine"', "name = 3"),
        "bad.toml: name: expected a string, got an integer 3",
    ),
    ("unknown top key", "colour = 'red'\n" + MINIMAL, "bad.toml: colour: unknown key"),
    (
        "typo in alert",
        _replace("above = 5", "abve = 5"),
        "bad.toml: alerts[0].abve: unknown key",
    ),
    (
        "no condition",
        _replace("above = 5", ""),
        "bad.toml: alerts[0].above: give exactly one of `above` or `below`",
    ),
    (
        "unknown signal",
        _replace('signal = "error_rate"', 'signal = "cpu"'),
        "bad.toml: alerts[0].signal: no signal 'cpu'",
    ),
    (
        "bad regex",
        _replace("match = 'rollout undo'", "match = 'rollout (undo'"),
        "bad.toml: remedies[0].match: bad regular expression",
    ),
    (
        "remedy without effect",
        _replace('recover = ["error_rate"]', ""),
        "bad.toml: remedies[0].recover: a remedy must recover",
    ),
    (
        "no severity",
        _replace('severity = "warning", ', ""),
        "bad.toml: alerts[0].labels.severity: missing",
    ),
    (
        "burn out of order",
        _replace(
            "burn = [{ at_s = 0, to = 20, over_s = 60 }]",
            "burn = [{ at_s = 10, to = 20 }, { at_s = 0, to = 5 }]",
        ),
        "bad.toml: signals[0].burn[1].at_s: burn segments must be in time order",
    ),
    (
        "negative duration",
        _replace("match = 'rollout undo'", "match = 'rollout undo'\nduration_s = -1"),
        "bad.toml: remedies[0].duration_s: must be at least 0",
    ),
    (
        "boolean as number",
        _replace("baseline = 0.5", "baseline = true"),
        "bad.toml: signals[0].baseline: expected a number, got true/false True",
    ),
    (
        "decoy that cures",
        MINIMAL + "\n[[decoys]]\nname = 'd'\nmatch = 'x'\nrecover = ['error_rate']\n",
        "bad.toml: decoys[0].relapse_after_s: a decoy that recovers signals must relapse",
    ),
    (
        "no alerts",
        MINIMAL.split("[[alerts]]")[0] + MINIMAL.split('summary = "errors"')[1],
        "bad.toml: alerts: a scenario needs at least one",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES]
)
def test_bad_scenario_is_one_line_config_error(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_scenario(text, "bad.toml")
    message = str(info.value)
    assert message.startswith(expected), message
    assert "\n" not in message


def test_minimal_scenario_parses() -> None:
    scenario = parse_scenario(MINIMAL, "mine.toml")
    assert scenario.services == ("api",)
    assert [r.name for r in scenario.responses()] == ["rollback"]
