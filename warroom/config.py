"""Settings: one TOML file, then `WARROOM_*` environment variables, then flags (flags win).

Plain dataclasses and tomllib keep start-up fast (the first frame must not wait on imports).
Every validation failure is a `ConfigError` whose message names the file, the key and what
is wrong, in one line.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from warroom.domain.errors import ConfigError
from warroom.domain.signals import DEFAULT_SIGNALS, SignalSpec


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """How to reach one HTTP server (Prometheus or Alertmanager). Secrets are never inline
    on the command line: tokens come from an environment variable or a file."""

    url: str
    name: str = ""
    token_env: str = ""
    token_file: str = ""
    username: str = ""
    password_env: str = ""
    password_file: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    ca_file: str = ""
    client_cert: str = ""
    client_key: str = ""
    insecure_skip_verify: bool = False
    timeout_s: float = 5.0  # connect / between two reads
    deadline_s: float = 30.0  # one whole call, however the server trickles its answer
    max_answer_mb: float = 256.0  # one answer, decoded (after gzip)

    def label(self) -> str:
        return self.name or self.url


@dataclass(frozen=True, slots=True)
class PostgresConfig:
    dsn: str = ""
    dsn_env: str = ""
    statement_timeout_ms: int = 5000

    def resolved_dsn(self) -> str:
        if self.dsn_env:
            return os.environ.get(self.dsn_env, "")
        return self.dsn


@dataclass(frozen=True, slots=True)
class EnvironmentConfig:
    name: str
    prometheus: ServerConfig | None = None
    alertmanagers: tuple[ServerConfig, ...] = ()
    postgres: PostgresConfig | None = None
    production: bool = False
    color: str = ""  # a theme variable name or colour for the header/border; "" = by production


@dataclass(frozen=True, slots=True)
class Settings:
    environments: Mapping[str, EnvironmentConfig] = field(default_factory=dict)
    environment: str = ""
    theme: str = "warroom-dark"
    refresh_s: float = 5.0
    bell: bool = True
    viewer: bool = False
    user: str = ""
    keymap: Mapping[str, str] = field(default_factory=dict)
    signals: tuple[SignalSpec, ...] = DEFAULT_SIGNALS
    runbook_paths: tuple[str, ...] = ()
    theme_paths: tuple[str, ...] = ()
    step_timeout_s: float = 60.0
    ack_minutes: float = 15.0
    silence_hours: float = 1.0
    store: str = ""
    update_every_s: int = 0  # 0: by severity (P0/P1 15 min, P2 30 min, P3 1 h)
    source_path: str = ""  # the config file these came from, for messages

    @property
    def active_environment(self) -> EnvironmentConfig | None:
        if not self.environments:
            return None
        if self.environment:
            return self.environments.get(self.environment)
        return next(iter(self.environments.values()))


def default_config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("warroom") / "config.toml"


# ---------------------------------------------------------------- loading


class _Reader:
    """Reads typed values out of a TOML table, naming file and key on any error."""

    def __init__(self, path: str, table: Mapping[str, Any], prefix: str = "") -> None:
        self.path = path
        self.table = table
        self.prefix = prefix
        self.used: set[str] = set()

    def _fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: {self.prefix}{key}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        self.used.add(key)
        if key not in self.table:
            return default
        value = self.table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(kind, tuple) and float in kind and isinstance(value, int):
            value = float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            want = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            got = type(value).__name__
            raise self._fail(key, f"expected {_friendly(want)}, got {_friendly(got)} {value!r}")
        return value

    def positive(self, key: str, default: float) -> float:
        value = self.get(key, float, default)
        if value <= 0:
            raise self._fail(key, f"must be greater than 0, got {value}")
        return float(value)

    def child(self, key: str) -> _Reader | None:
        table = self.get(key, dict)
        return None if table is None else _Reader(self.path, table, f"{self.prefix}{key}.")

    def check_unknown(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise self._fail(unknown[0], "unknown key")


def _friendly(name: str) -> str:
    return {
        "str": "a string",
        "float": "a number",
        "int": "an integer",
        "bool": "true/false",
        "dict": "a table",
        "list": "a list",
    }.get(name, name)


def _server(reader: _Reader) -> ServerConfig:
    url = reader.get("url", str)
    if not url:
        raise reader._fail("url", "missing (every server needs a url)")
    if not url.startswith(("http://", "https://")):
        raise reader._fail("url", f"must start with http:// or https://, got {url!r}")
    for secret in ("token", "password", "bearer_token"):
        if secret in reader.table:
            raise reader._fail(
                secret,
                f"secrets are not kept inline: use {secret.split('_')[-1]}_env or {secret.split('_')[-1]}_file",
            )
    headers = reader.get("headers", dict, {})
    server = ServerConfig(
        url=url.rstrip("/"),
        name=reader.get("name", str, ""),
        token_env=reader.get("token_env", str, ""),
        token_file=reader.get("token_file", str, ""),
        username=reader.get("username", str, ""),
        password_env=reader.get("password_env", str, ""),
        password_file=reader.get("password_file", str, ""),
        headers={str(k): str(v) for k, v in headers.items()},
        ca_file=reader.get("ca_file", str, ""),
        client_cert=reader.get("client_cert", str, ""),
        client_key=reader.get("client_key", str, ""),
        insecure_skip_verify=reader.get("insecure_skip_verify", bool, False),
        timeout_s=reader.positive("timeout_s", 5.0),
        deadline_s=reader.positive("deadline_s", 30.0),
        max_answer_mb=reader.positive("max_answer_mb", 256.0),
    )
    reader.check_unknown()
    return server


def _environment(name: str, reader: _Reader) -> EnvironmentConfig:
    prom = reader.child("prometheus")
    ams_raw = reader.get("alertmanagers", list, [])
    ams: list[ServerConfig] = []
    for i, item in enumerate(ams_raw):
        if not isinstance(item, dict):
            raise reader._fail(f"alertmanagers[{i}]", "expected a table with a url")
        ams.append(_server(_Reader(reader.path, item, f"{reader.prefix}alertmanagers[{i}].")))
    single = reader.child("alertmanager")
    if single is not None:
        ams.append(_server(single))
    pg = reader.child("postgres")
    postgres = None
    if pg is not None:
        postgres = PostgresConfig(
            dsn=pg.get("dsn", str, ""),
            dsn_env=pg.get("dsn_env", str, ""),
            statement_timeout_ms=int(pg.positive("statement_timeout_ms", 5000)),
        )
        pg.check_unknown()
    env = EnvironmentConfig(
        name=name,
        prometheus=_server(prom) if prom else None,
        alertmanagers=tuple(ams),
        postgres=postgres,
        production=reader.get("production", bool, name.lower() in ("prod", "production")),
        color=_color(reader),
    )
    return env


_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}|[a-z_]+|(?:rgb|hsl)a?\([^)]*\)")


def _color(reader: _Reader) -> str:
    """A colour for this environment's header: #rrggbb, #rgb, a colour name, rgb() or hsl()."""
    color = reader.get("color", str, "").strip()
    if color and not _COLOR.fullmatch(color):
        raise reader._fail("color", f"not a colour: {color!r} (try #b00020 or darkred)")
    return color


_SIGNAL_KEYS = {
    "key",
    "name",
    "query",
    "unit",
    "warn",
    "critical",
    "range",
    "step",
    "source",
    "higher_is_worse",
}


def _signal(reader: _Reader) -> SignalSpec:
    name = reader.get("name", str)
    query = reader.get("query", str)
    if not name:
        raise reader._fail("name", "missing")
    if not query:
        raise reader._fail("query", "missing")
    source = reader.get("source", str, "prometheus")
    if source not in ("prometheus", "postgres"):
        raise reader._fail("source", f"must be prometheus or postgres, got {source!r}")
    spec = SignalSpec(
        key=reader.get("key", str, "") or name.lower().replace(" ", "_"),
        name=name,
        query=query,
        unit=reader.get("unit", str, ""),
        warn=reader.get("warn", float, None),
        critical=reader.get("critical", float, None),
        range_s=int(reader.positive("range", 1800)),
        step_s=int(reader.positive("step", 30)),
        source=source,
        higher_is_worse=reader.get("higher_is_worse", bool, True),
    )
    reader.check_unknown()
    return spec


def parse_settings(data: Mapping[str, Any], path: str = "<config>") -> Settings:
    top = _Reader(path, data)
    ui = top.child("ui") or _Reader(path, {}, "ui.")
    incident = top.child("incident") or _Reader(path, {}, "incident.")
    runbooks = top.child("runbooks") or _Reader(path, {}, "runbooks.")

    environments: dict[str, EnvironmentConfig] = {}
    envs = top.child("environments")
    if envs is not None:
        for name in list(envs.table):
            sub = envs.child(name)
            assert sub is not None
            environments[name] = _environment(name, sub)
            sub.check_unknown()
    # a single environment may also be written at the top level
    if any(k in data for k in ("prometheus", "alertmanager", "alertmanagers", "postgres")):
        environments.setdefault(
            top.get("environment", str, "default") or "default",
            _environment(top.get("environment", str, "default") or "default", top),
        )

    signals_raw = top.get("signals", list, None)
    signals = DEFAULT_SIGNALS
    if signals_raw is not None:
        parsed = []
        for i, item in enumerate(signals_raw):
            if not isinstance(item, dict):
                raise top._fail(f"signals[{i}]", "expected a table")
            parsed.append(_signal(_Reader(path, item, f"signals[{i}].")))
        signals = tuple(parsed)

    keymap = ui.get("keymap", dict, {})
    for k, v in keymap.items():
        if not isinstance(v, str):
            raise ui._fail(f"keymap.{k}", f"expected a key name string, got {v!r}")

    settings = Settings(
        environments=environments,
        environment=top.get("environment", str, ""),
        theme=ui.get("theme", str, "warroom-dark"),
        refresh_s=ui.positive("refresh_s", 5.0),
        bell=ui.get("bell", bool, True),
        viewer=ui.get("viewer", bool, False),
        user=ui.get("user", str, ""),
        keymap=dict(keymap),
        signals=signals,
        runbook_paths=tuple(runbooks.get("paths", list, [])),
        theme_paths=tuple(ui.get("theme_paths", list, [])),
        step_timeout_s=runbooks.positive("step_timeout_s", 60.0),
        ack_minutes=incident.positive("ack_minutes", 15.0),
        silence_hours=incident.positive("silence_hours", 1.0),
        store=incident.get("store", str, ""),
        update_every_s=int(incident.get("update_every_s", int, 0)),
        source_path=path,
    )
    for reader in (ui, incident, runbooks):
        reader.check_unknown()
    top.check_unknown()
    if settings.environment and environments and settings.environment not in environments:
        raise top._fail(
            "environment",
            f"no environment named {settings.environment!r} (have: {', '.join(environments)})",
        )
    return settings


def load_settings(path: Path | None, *, required: bool = False) -> Settings:
    """Read the TOML file at `path` (or the default place). A missing default file is fine."""
    target = path or default_config_path()
    if not target.exists():
        if required or path is not None:
            raise ConfigError(f"{target}: no such config file")
        return Settings()
    try:
        data = tomllib.loads(target.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{target}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{target}: cannot read: {exc}") from None
    return parse_settings(data, str(target))


_ENV_FIELDS = {
    "WARROOM_THEME": ("theme", str),
    "WARROOM_REFRESH_S": ("refresh_s", float),
    "WARROOM_BELL": ("bell", bool),
    "WARROOM_VIEWER": ("viewer", bool),
    "WARROOM_USER": ("user", str),
    "WARROOM_ENV": ("environment", str),
    "WARROOM_STORE": ("store", str),
    "WARROOM_STEP_TIMEOUT_S": ("step_timeout_s", float),
    "WARROOM_ACK_MINUTES": ("ack_minutes", float),
}


def apply_env(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """`WARROOM_*` overrides, between the file and the flags."""
    changes: dict[str, Any] = {}
    for var, (name, kind) in _ENV_FIELDS.items():
        if var not in environ:
            continue
        raw = environ[var]
        try:
            if kind is bool:
                if raw.lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError
                changes[name] = raw.lower() in ("1", "true", "yes", "on")
            elif kind is float:
                changes[name] = float(raw)
                if changes[name] <= 0:
                    raise ValueError
            else:
                changes[name] = raw
        except ValueError:
            raise ConfigError(
                f"environment: {var}: not a valid {_friendly(kind.__name__)}: {raw!r}"
            ) from None
    return replace(settings, **changes) if changes else settings


def with_overrides(settings: Settings, **overrides: Any) -> Settings:
    """Flags win: apply every override that was actually given (not None)."""
    known = {f.name for f in fields(Settings)}
    given = {k: v for k, v in overrides.items() if v is not None and k in known}
    return replace(settings, **given) if given else settings
