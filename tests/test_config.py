"""Config: TOML, then WARROOM_* environment, then flags; one-line errors naming file and key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from warroom.cli import main
from warroom.config import load_settings, parse_settings
from warroom.domain.errors import ConfigError

WARROOM = Path(sys.executable).parent / "warroom"


def test_full_config_parses(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        """
environment = "prod"
[ui]
refresh_s = 2
theme = "warroom-light"
[ui.keymap]
"warroom.ack" = "A"
[environments.prod]
production = true
[environments.prod.prometheus]
url = "http://127.0.0.1:9090/"
token_env = "PROM_TOKEN"
[[environments.prod.alertmanagers]]
url = "http://127.0.0.1:9093"
[[signals]]
name = "Queue"
query = "select 1"
source = "postgres"
warn = 10
"""
    )
    s = load_settings(path)
    env = s.active_environment
    assert env is not None and env.production and env.prometheus.url == "http://127.0.0.1:9090"
    assert s.refresh_s == 2.0 and s.keymap == {"warroom.ack": "A"}
    assert s.signals[0].source == "postgres" and s.signals[0].warn == 10.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"ui": {"refresh_s": "fast"}}, "c.toml: ui.refresh_s: expected a number"),
        ({"ui": {"refresh_s": -1}}, "ui.refresh_s: must be at least 1, got -1"),
        ({"ui": {"refresh_s": float("nan")}}, "ui.refresh_s: must be at least 1, got nan"),
        ({"ui": {"refresh_s": float("inf")}}, "ui.refresh_s: must be at most 3600, got inf"),
        ({"runbooks": {"step_timeout_s": 0.01}}, "runbooks.step_timeout_s: must be at least 0.1"),
        (
            {"prometheus": {"url": "http://x", "timeout_s": 1e9}},
            "prometheus.timeout_s: must be at most 600",
        ),
        ({"incident": {"update_every_s": 5}}, "incident.update_every_s: must be 0 or at least 60"),
        ({"ui": {"keymap": {"warroom.ack": 1}}}, "ui.keymap.warroom.ack: expected a string"),
        (
            {"signals": [{"name": "x", "query": "q", "range": "soon"}]},
            "signals[0].range: not a duration",
        ),
        (
            {"signals": [{"name": "x", "query": "q", "source": "mysql"}]},
            "signals[0].source: not an allowed value",
        ),
        ({"ui": {"colour": "red"}}, "ui.colour: unknown key"),
        ({"prometheus": {"url": "localhost:9090"}}, "prometheus.url: must start with http"),
        (
            {"prometheus": {"url": "http://x", "token": "abc"}},
            "prometheus.token: secrets are not kept inline",
        ),
        ({"signals": [{"name": "x"}]}, "signals[0].query: missing"),
        (
            {"environment": "nope", "environments": {"prod": {"prometheus": {"url": "http://x"}}}},
            "no environment named 'nope'",
        ),
    ],
)
def test_bad_config_is_one_line(data: dict, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_settings(data, "c.toml")
    assert message in str(err.value) and "\n" not in str(err.value)


def test_env_overrides_flat_and_nested(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[ui]\nrefresh_s = 9\n[environments.Prod.prometheus]\nurl = 'http://a'\n")
    env = {
        "WARROOM_REFRESH_S": "1.5",
        "WARROOM_VIEWER": "yes",
        "WARROOM_UI__BELL": "off",
        "WARROOM_RUNBOOKS__PATHS": "/a:/b",
        "WARROOM_ENVIRONMENTS__PROD__PROMETHEUS__URL": "http://b:9090/",
        "WARROOM_CONFIG": "ignored: it names the file",
    }
    s = load_settings(path, environ=env)
    assert s.refresh_s == 1.5 and s.viewer and not s.bell
    assert s.runbook_paths == ("/a", "/b")
    assert s.environments["Prod"].prometheus is not None
    assert s.environments["Prod"].prometheus.url == "http://b:9090"


def test_nested_env_wins_over_flat_and_flags_win_over_both(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("")
    env = {"WARROOM_REFRESH_S": "7", "WARROOM_UI__REFRESH_S": "8"}
    assert load_settings(path, environ=env).refresh_s == 8
    flags = {"ui.refresh_s": ("--refresh", 3.0)}
    assert load_settings(path, environ=env, flags=flags).refresh_s == 3


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WARROOM_REFRESH_S": "soon"}, "environment: WARROOM_REFRESH_S: expected a number"),
        (
            {"WARROOM_UI__REFRESH_S": "nan"},
            "environment: WARROOM_UI__REFRESH_S: must be at least 1",
        ),
        ({"WARROOM_UI__COLOUR": "red"}, "environment: WARROOM_UI__COLOUR: unknown key"),
        ({"WARROOM_UI__BELL": "maybe"}, "environment: WARROOM_UI__BELL: expected true/false"),
        ({"WARROOM_UI__": "x"}, "environment: WARROOM_UI__: empty section or key"),
    ],
)
def test_bad_env_names_the_variable(tmp_path: Path, env: dict[str, str], message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text("")
    with pytest.raises(ConfigError) as err:
        load_settings(path, environ=env)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_bad_flag_names_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "c.toml"
    good.write_text("")
    assert main(["--config", str(good), "--refresh", "nan"]) == 2
    assert main(["--config", str(good), "--refresh", "0.01"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "warroom: --refresh: must be at least 1, got nan",
        "warroom: --refresh: must be at least 1, got 0.01",
    ]


def test_signal_names_become_safe_unique_keys() -> None:
    s = parse_settings(
        {
            "signals": [
                {"name": "Req/s", "query": "q"},
                {"name": "Backlog (SQL)", "query": "select 1", "source": "postgres"},
                {"name": "5xx", "query": "q"},
                {"name": "%%%", "query": "q"},
                {"name": "Lag", "query": "q", "range": "1h", "step": "1m"},
            ]
        }
    )
    assert [x.key for x in s.signals] == ["req_s", "backlog_sql", "s_5xx", "signal_4", "lag"]
    assert (s.signals[4].range_s, s.signals[4].step_s) == (3600, 60)
    with pytest.raises(ConfigError) as err:
        parse_settings(
            {"signals": [{"name": "Req/s", "query": "q"}, {"name": "req s", "query": "q"}]},
            "c.toml",
        )
    assert str(err.value) == (
        "c.toml: signals[1].name: 'req s' gives key 'req_s', already used by signals[0]; "
        "give one of them its own key"
    )


def test_no_config_explains_and_exits_2(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([str(WARROOM)], capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert "warroom drill" in result.stderr and "--prometheus" in result.stderr
    assert len(result.stderr.splitlines()) <= 8


def test_bad_config_file_from_cli_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[ui]\nrefresh_s = [1]\n")
    assert main(["--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.toml: ui.refresh_s" in err and "Traceback" not in err
    assert main(["--config", str(tmp_path / "missing.toml")]) == 2


def test_environment_colour_is_checked() -> None:
    ok = parse_settings(
        {"environments": {"prod": {"color": "darkred", "prometheus": {"url": "http://x"}}}}
    )
    assert ok.environments["prod"].color == "darkred"
    with pytest.raises(ConfigError, match=r"environments.prod.color: not a colour"):
        parse_settings(
            {"environments": {"prod": {"color": "#12345", "prometheus": {"url": "http://x"}}}}
        )


def test_config_and_paths_load_no_ui_or_client_library() -> None:
    code = (
        "import sys, warroom.config, warroom.paths, warroom.config.keymap\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert not loaded & {
        "textual",
        "rich",
        "httpx",
        "asyncpg",
        "docker",
        "kubernetes",
        "platformdirs",
    }


def test_env_flag_names_a_known_environment_or_one_the_urls_make(tmp_path: Path) -> None:
    from warroom.cli import build_parser
    from warroom.cli.console import resolve_settings

    config = tmp_path / "c.toml"
    config.write_text("[environments.prod.prometheus]\nurl = 'http://127.0.0.1:9090'\n")
    parse = build_parser().parse_args
    with pytest.raises(ConfigError, match=r"^--env: no environment named 'stag' \(have: prod\)$"):
        resolve_settings(parse(["--config", str(config), "--env", "stag"]))
    made = resolve_settings(
        parse(["--config", str(config), "--env", "stag", "--prometheus", "http://127.0.0.1:9091"])
    )
    env = made.active_environment
    assert env is not None and env.name == "stag" and env.prometheus is not None
    assert env.prometheus.url == "http://127.0.0.1:9091" and set(made.environments) == {
        "prod",
        "stag",
    }
