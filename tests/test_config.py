"""Config: TOML, then WARROOM_* environment, then flags; one-line errors naming file and key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from warroom.cli import main
from warroom.config import apply_env, load_settings, parse_settings
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
        ({"ui": {"refresh_s": -1}}, "ui.refresh_s: must be greater than 0"),
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


def test_env_overrides_and_bad_env() -> None:
    s = apply_env(parse_settings({}), {"WARROOM_REFRESH_S": "1.5", "WARROOM_VIEWER": "yes"})
    assert s.refresh_s == 1.5 and s.viewer
    with pytest.raises(ConfigError, match="WARROOM_REFRESH_S"):
        apply_env(parse_settings({}), {"WARROOM_REFRESH_S": "soon"})


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
