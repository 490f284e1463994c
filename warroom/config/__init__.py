"""Settings: one TOML file, then `WARROOM_*` environment variables, then flags (flags win).

The file's shape is a set of msgspec Structs (`schema`), one per section, each field documented
and bounded; `loading` merges the three sources and validates them once; `build` turns the
result into the flat `Settings` the console runs with. Every failure is a `ConfigError` of one
line naming the file (or variable, or flag), the key and what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from warroom.config.build import build_settings
from warroom.config.identity import person_at_keyboard
from warroom.config.loading import fail, resolve, validate
from warroom.config.schema import PostgresConfig, ServerConfig
from warroom.config.settings import EnvironmentConfig, Settings
from warroom.domain.errors import ConfigError
from warroom.paths import config_file as default_config_path

__all__ = [
    "ConfigError",
    "EnvironmentConfig",
    "PostgresConfig",
    "ServerConfig",
    "Settings",
    "default_config_path",
    "load_settings",
    "parse_settings",
    "person_at_keyboard",
    "with_overrides",
]


def parse_settings(data: Mapping[str, Any], path: str = "<config>") -> Settings:
    """Settings from an already-read TOML table (`path` only names it in messages)."""
    config, single = validate(data, path)
    return build_settings(
        config, single, path, lambda parts, problem: fail(path, {}, parts, problem)
    )


def load_settings(
    path: Path | None,
    *,
    required: bool = False,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, tuple[str, Any]] | None = None,
) -> Settings:
    """The file at `path` (or the default place; a missing default file is fine), then the
    environment `environ` (none unless given), then `flags` as `{"ui.refresh_s": ("--refresh",
    2.0)}` (None values are flags not given)."""
    return resolve(path, environ=environ, flags=flags, required=required)


def with_overrides(settings: Settings, **overrides: Any) -> Settings:
    """Replace settings already validated (e.g. runbook paths added by the CLI)."""
    known = {f.name for f in fields(Settings)}
    given = {k: v for k, v in overrides.items() if v is not None and k in known}
    return replace(settings, **given) if given else settings
