"""Settings from one TOML file, then the environment, then flags (flags win).

All three land in one raw table that the schema validates once, so an environment variable or
a flag is checked exactly like the file, and its error names the variable or the flag instead
of the file. Environment: `WARROOM_SECTION__KEY` (nested, e.g. `WARROOM_UI__REFRESH_S=2`,
`WARROOM_ENVIRONMENTS__PROD__PROMETHEUS__URL=...`) and the older flat names in `LEGACY_ENV`.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec
from msgspec import inspect

from warroom.config.build import build_settings
from warroom.config.messages import explain, join_path, show
from warroom.config.schema import TOP_LEVEL_ENVIRONMENT, EnvironmentSection, FileConfig
from warroom.config.settings import Settings
from warroom.domain.errors import ConfigError
from warroom.domain.untrusted import one_line
from warroom.paths import config_file

PREFIX = "WARROOM_"
LEGACY_ENV: dict[str, tuple[str, ...]] = {
    "WARROOM_THEME": ("ui", "theme"),
    "WARROOM_REFRESH_S": ("ui", "refresh_s"),
    "WARROOM_BELL": ("ui", "bell"),
    "WARROOM_VIEWER": ("ui", "viewer"),
    "WARROOM_USER": ("ui", "user"),
    "WARROOM_ENV": ("environment",),
    "WARROOM_STORE": ("incident", "store"),
    "WARROOM_STEP_TIMEOUT_S": ("runbooks", "step_timeout_s"),
    "WARROOM_ACK_MINUTES": ("incident", "ack_minutes"),
}
NOT_SETTINGS = frozenset({"WARROOM_CONFIG"})  # where the file is, not what is in it
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

Origins = dict[tuple[str, ...], str]  # key path -> the variable or flag that set it


MAX_FILE_BYTES = 1_000_000  # a config file is a page of text; /dev/zero is not one


def read_file(target: Path) -> dict[str, Any]:
    if not target.is_file():
        raise ConfigError(f"{target}: not a regular file")
    try:
        with target.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ConfigError(
                f"{target}: larger than {MAX_FILE_BYTES // 1000} kB: not a config file"
            )
        return tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{target}: not valid TOML: {one_line_error(exc)}") from None
    except RecursionError:
        raise ConfigError(f"{target}: not valid TOML: nested too deeply") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{target}: cannot read: {one_line_error(exc)}") from None


def one_line_error(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _target_type(path: tuple[str, ...]) -> inspect.Type | None:
    """The schema type at `path`, or None when the path leads nowhere the schema knows."""
    node: inspect.Type = inspect.type_info(FileConfig)
    if path and path[0] in TOP_LEVEL_ENVIRONMENT:
        node = inspect.type_info(EnvironmentSection)
    for part in path:
        node = _unwrap(node)
        if isinstance(node, inspect.StructType):
            found = next((f.type for f in node.fields if f.name == part), None)
            if found is None:
                return None
            node = found
        elif isinstance(node, inspect.DictType):
            node = node.value_type
        else:
            return None
    return _unwrap(node)


def _unwrap(node: inspect.Type) -> inspect.Type:
    while True:
        if isinstance(node, inspect.Metadata):
            node = node.type
        elif isinstance(node, inspect.UnionType):
            options = [t for t in node.types if not isinstance(t, inspect.NoneType)]
            if len(options) != 1:
                return node
            node = options[0]
        else:
            return node


def env_value(raw: str, path: tuple[str, ...]) -> Any:
    """A variable's text as the value the schema wants: text stays text, `yes` is true, a
    number or `["a", "b"]` is read as a TOML value; a list of paths may be `a:b`."""
    kind = _target_type(path)
    if kind is None or isinstance(kind, inspect.StrType):
        return raw
    if isinstance(kind, inspect.BoolType) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    if isinstance(kind, inspect.ListType) and not raw.lstrip().startswith("["):
        return [p for p in raw.split(os.pathsep) if p]
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return raw  # the schema says what is wrong with it, naming the variable


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any, origin: str) -> None:
    node = data
    for depth, part in enumerate(path[:-1]):
        # environment names are case-sensitive in the file, not in a variable's name
        key = next((k for k in node if isinstance(k, str) and k.lower() == part), part)
        child = node.get(key)
        if not isinstance(child, dict):
            if child is not None:
                where = ".".join(path[: depth + 1])
                raise ConfigError(f"environment: {origin}: {where} is not a table in the file")
            child = node[key] = {}
        node = child
    node[path[-1]] = value


def overlay_env(data: dict[str, Any], environ: Mapping[str, str], origins: Origins) -> None:
    """Legacy flat names first, then nested ones (more specific, so they win)."""
    for var, path in LEGACY_ENV.items():
        if var in environ:
            _put(data, path, env_value(environ[var], path), var)
            origins[path] = var
    for var in sorted(environ):
        if not var.startswith(PREFIX) or var in NOT_SETTINGS or var in LEGACY_ENV:
            continue
        path = tuple(p.lower() for p in var[len(PREFIX) :].split("__"))
        if len(path) == 1 and not isinstance(
            _target_type(path), inspect.StrType | inspect.BoolType | inspect.FloatType
        ):
            continue  # a flat name that is no top-level setting (WARROOM_PG_DSN, ...)
        if not all(path):
            raise ConfigError(f"environment: {var}: empty section or key in the name")
        _put(data, path, env_value(environ[var], path), var)
        origins[path] = var


def overlay_flags(
    data: dict[str, Any], flags: Mapping[str, tuple[str, Any]], origins: Origins
) -> None:
    """`{"ui.refresh_s": ("--refresh", 2.0)}`: flags given (not None) win over everything."""
    for dotted, (flag, value) in flags.items():
        if value is None:
            continue
        path = tuple(dotted.split("."))
        _put(data, path, value, flag)
        origins[path] = flag


def fail(source: str, origins: Origins, parts: list[str | int], problem: str) -> ConfigError:
    key = join_path(parts)
    text = tuple(str(p) for p in parts)
    for length in range(len(text), 0, -1):
        origin = origins.get(text[:length])
        if origin is not None:
            where = "" if origin.startswith("--") else "environment: "
            return ConfigError(one_line(f"{where}{origin}: {problem}"))
    return ConfigError(one_line(f"{source}: {key}: {problem}" if key else f"{source}: {problem}"))


def _nul_at(value: Any, parts: list[str | int]) -> list[str | int] | None:
    """Where a NUL hides in the table: paths, URLs and names with one crash the OS calls."""
    items: Any = ()
    if isinstance(value, str):
        return parts if "\x00" in value else None
    if isinstance(value, dict):
        for key in value:
            if isinstance(key, str) and "\x00" in key:
                return [*parts, key]
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    for key, item in items:
        if (found := _nul_at(item, [*parts, key])) is not None:
            return found
    return None


def validate(
    data: Mapping[str, Any], source: str = "<config>", origins: Origins | None = None
) -> tuple[FileConfig, EnvironmentSection | None]:
    """The file config and the environment written at its top level (if any)."""
    origins = origins or {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: expected a table, got {show(data)}")
    if (where := _nul_at(data, [])) is not None:
        raise fail(source, origins, where, "contains a NUL character (no path or name can)")
    raw = dict(data)
    top = {k: raw.pop(k) for k in list(raw) if k in TOP_LEVEL_ENVIRONMENT}
    try:
        config = msgspec.convert(raw, FileConfig)
        single = msgspec.convert(top, EnvironmentSection) if top else None
    except msgspec.ValidationError as exc:
        parts, problem = explain(str(exc), data)
        raise fail(source, origins, parts, problem) from None
    return config, single


def resolve(
    path: Path | None,
    *,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, tuple[str, Any]] | None = None,
    required: bool = False,
) -> Settings:
    """The file at `path` (or the default place; a missing default file is fine), then
    `environ`, then `flags`, validated together."""
    target = path or config_file()
    data: dict[str, Any] = {}
    if target.exists():
        data = read_file(target)
    elif required or path is not None:
        raise ConfigError(f"{target}: no such config file")
    origins: Origins = {}
    data = copy.deepcopy(data)
    overlay_env(data, environ or {}, origins)
    overlay_flags(data, flags or {}, origins)
    source = str(target)
    config, single = validate(data, source, origins)
    return build_settings(
        config, single, source, lambda parts, problem: fail(source, origins, parts, problem)
    )
