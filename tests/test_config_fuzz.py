"""Fuzz: whatever a config file or a WARROOM_* variable holds, loading ends in Settings within
their bounds or in one ConfigError line; never a traceback, never a value that spins the loop."""

from __future__ import annotations

import copy
import math
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec import inspect

from warroom.config import Settings, load_settings, parse_settings
from warroom.config.schema import EnvironmentSection, FileConfig
from warroom.domain.errors import ConfigError
from warroom.drill.scenario import scenario_from_table
from warroom.drill.scenario_schema import ScenarioFile


def _schema_paths(node: inspect.Type, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    while isinstance(node, inspect.Metadata | inspect.UnionType):
        if isinstance(node, inspect.Metadata):
            node = node.type
        else:
            options = [t for t in node.types if not isinstance(t, inspect.NoneType)]
            node = options[0]
    if isinstance(node, inspect.DictType):
        return [prefix, *_schema_paths(node.value_type, (*prefix, "prod"))]
    if isinstance(node, inspect.StructType):
        paths = [prefix] if prefix else []
        for field in node.fields:
            paths += _schema_paths(field.type, (*prefix, field.name))
        return paths
    return [prefix]


PATHS = _schema_paths(inspect.type_info(FileConfig)) + _schema_paths(
    inspect.type_info(EnvironmentSection)
)
KEYS = sorted({part for path in PATHS for part in path})

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["http://127.0.0.1:9090", "5m", "-1", "nan", "#fff", "q", "warroom.ack"]),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=8))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=12,
)


def _check(result: Settings) -> None:
    assert 1 <= result.refresh_s <= 3600
    assert 0.1 <= result.step_timeout_s <= 600
    for env in result.environments.values():
        for server in (env.prometheus, *env.alertmanagers):
            if server is not None:
                assert 0.1 <= server.timeout_s <= 600
    for spec in result.signals:
        assert spec.key and spec.range_s >= 60 and spec.step_s >= 1
        for bound in (spec.warn, spec.critical):
            assert bound is None or math.isfinite(bound)
    assert len({spec.key for spec in result.signals}) == len(result.signals)


def _one_line(error: ConfigError) -> None:
    message = str(error)
    assert message and "\n" not in message and "Traceback" not in message


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, values, max_size=6))
def test_any_table_is_settings_or_one_line(data: dict[str, Any]) -> None:
    try:
        _check(parse_settings(data, "fuzz.toml"))
    except ConfigError as exc:
        _one_line(exc)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PATHS), values)
def test_any_value_at_any_known_key(path: tuple[str, ...], value: Any) -> None:
    data: dict[str, Any] = {}
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
    try:
        _check(parse_settings(data, "fuzz.toml"))
    except ConfigError as exc:
        _one_line(exc)


env_names = st.one_of(
    st.sampled_from(PATHS).map(lambda p: "WARROOM_" + "__".join(p).upper()),
    st.sampled_from(["WARROOM_REFRESH_S", "WARROOM_BELL", "WARROOM_ENV", "WARROOM_THEME"]),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=12).map(
        lambda t: "WARROOM_" + t
    ),
)
env_text = st.one_of(
    st.text(max_size=30).filter(lambda t: "\x00" not in t),
    st.sampled_from(["nan", "inf", "-inf", "1e309", "0", "-5", "[1, 2]", "{a=1}", "yes", "'x'"]),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(env_names, env_text, max_size=4))
def test_any_environment_is_settings_or_one_line(environ: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "c.toml"
        config.write_text("")
        try:
            _check(load_settings(config, environ=environ))
        except ConfigError as exc:
            _one_line(exc)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_file_text_is_settings_or_one_line(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "c.toml"
        config.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            _check(load_settings(config))
        except ConfigError as exc:
            _one_line(exc)


def test_nesting_too_deep_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("x = " + "[" * 100_000 + "]" * 100_000)
    try:
        load_settings(config)
    except ConfigError as exc:
        assert str(exc) == f"{config}: not valid TOML: nested too deeply"
    else:
        raise AssertionError("a 100,000-deep array was accepted")


def test_a_device_or_a_huge_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * 2_000_000)
    for path, problem in ((Path("/dev/zero"), "not a regular file"), (big, "larger than 1000 kB")):
        try:
            load_settings(path)
        except ConfigError as exc:
            assert str(exc).startswith(f"{path}: {problem}")
        else:
            raise AssertionError(f"{path} was accepted")


SCENARIO = {
    "name": "mine",
    "title": "t",
    "description": "d",
    "signals": [{"key": "error_rate", "baseline": 0.5, "burn": [{"at_s": 0, "to": 20}]}],
    "alerts": [
        {"name": "High", "signal": "error_rate", "above": 5, "labels": {"severity": "warning"},
         "summary": "s"}
    ],
    "remedies": [{"name": "fix", "match": "undo", "recover": ["error_rate"]}],
}  # fmt: skip
SCENARIO_PATHS = _schema_paths(inspect.type_info(ScenarioFile))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(SCENARIO_PATHS), values), min_size=1, max_size=3))
def test_any_scenario_value_is_a_scenario_or_one_line(changes: list[Any]) -> None:
    """Drill files go through the same reader: a hostile value is one line too."""
    data = copy.deepcopy(SCENARIO)
    for path, value in changes:
        node: Any = data
        for part in path[:-1]:
            child = node.get(part) if isinstance(node, dict) else None
            if isinstance(child, list) and child:
                child = child[0]
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[path[-1]] = value
    try:
        scenario = scenario_from_table(data, "fuzz.toml")
    except ConfigError as exc:
        _one_line(exc)
    else:
        for curve in scenario.signals.values():
            assert math.isfinite(curve.baseline)
