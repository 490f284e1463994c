"""The config file's shape: one msgspec Struct per section, every field documented and bounded.

The `description` of each field is what the README's config reference is generated from
(`python -m warroom.config.reference`), so a field without one fails the reference test.
Numbers carry bounds: a `nan`, `inf`, negative or huge value is refused by the schema, so no
setting can make the console poll 22 times a second or never. Checks that span fields raise
`ValueError("key: problem")` from `__post_init__`; the loader turns that into one line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, Literal

from msgspec import Meta, Struct, field
from msgspec.structs import force_setattr

from warroom.config.context_schema import (
    ChangeCommandSection,
    DockerSection,
    KubernetesSection,
    _doc,
)
from warroom.domain.durations import parse_duration
from warroom.domain.scope import DEFAULT_SCOPE_LABELS
from warroom.domain.silence_policy import BROAD_LABELS

Finite = Annotated[float, Meta(ge=-1e15, le=1e15)]  # a threshold: any finite number

_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}|[a-z_]+|(?:rgb|hsl)a?\([^)]*\)")
_KEY = re.compile(r"[a-z][a-z0-9_]*")


class ServerConfig(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """How to reach one HTTP server (Prometheus or Alertmanager). Secrets are never inline:
    tokens and passwords come from an environment variable or a file."""

    url: Annotated[str, _doc("base URL, http:// or https:// (required)")]
    name: Annotated[str, _doc("a short name shown in messages (default: the URL)")] = ""
    cluster: Annotated[
        str,
        _doc(
            "Alertmanager only: the HA cluster it belongs to; peers sharing a name get a silence"
            " once (in one reachable member), separate clusters each their own (default: its name)"
        ),
    ] = ""
    token_env: Annotated[str, _doc("environment variable holding a bearer token")] = ""
    token_file: Annotated[str, _doc("file holding a bearer token")] = ""
    username: Annotated[str, _doc("basic-auth user name")] = ""
    password_env: Annotated[str, _doc("environment variable holding the basic-auth password")] = ""
    password_file: Annotated[str, _doc("file holding the basic-auth password")] = ""
    headers: Annotated[
        dict[str, str],
        Meta(max_length=64),
        _doc('extra request headers, e.g. { "X-Scope-OrgID" = "ops" }'),
    ] = field(default_factory=dict)
    ca_file: Annotated[str, _doc("PEM file of the CA that signed the server's certificate")] = ""
    client_cert: Annotated[str, _doc("PEM client certificate for mutual TLS")] = ""
    client_key: Annotated[str, _doc("PEM private key of client_cert")] = ""
    insecure_skip_verify: Annotated[bool, _doc("skip TLS verification (never in production)")] = (
        False
    )
    timeout_s: Annotated[
        float, _doc("seconds to connect and between two reads, 0.1 to 600", ge=0.1, le=600)
    ] = 5.0
    deadline_s: Annotated[
        float,
        _doc("seconds for one whole call, however slowly it answers, 0.1 to 600", ge=0.1, le=600),
    ] = 30.0
    max_answer_mb: Annotated[
        float, _doc("largest answer, in MB after gzip, 0.01 to 4096", ge=0.01, le=4096)
    ] = 256.0

    def __post_init__(self) -> None:
        if not self.url:
            raise ValueError("url: missing (every server needs a url)")
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"url: must start with http:// or https://, got {self.url!r}")
        force_setattr(self, "url", self.url.rstrip("/"))

    def label(self) -> str:
        return self.name or self.url


class PostgresConfig(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A PostgreSQL database for SQL signals and SQL runbook steps."""

    dsn: Annotated[str, _doc("connection string (prefer dsn_env: a DSN may hold a password)")] = ""
    dsn_env: Annotated[str, _doc("environment variable holding the DSN")] = ""
    statement_timeout_ms: Annotated[
        int, _doc("statement_timeout per query, 100 to 600000 ms", ge=100, le=600_000)
    ] = 5000

    def resolved_dsn(self, environ: Mapping[str, str] | None = None) -> str:
        if self.dsn_env:
            return (environ if environ is not None else os.environ).get(self.dsn_env, "")
        return self.dsn


class EnvironmentSection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One environment to watch (`[environments.NAME]`, or written at the top level)."""

    prometheus: Annotated[ServerConfig | None, _doc("the Prometheus server")] = None
    alertmanagers: Annotated[
        list[ServerConfig],
        Meta(max_length=32),
        _doc("Alertmanagers, merged by fingerprint (an HA pair, regions); at most 32"),
    ] = field(default_factory=list)
    alertmanager: Annotated[
        ServerConfig | None, _doc("one Alertmanager (shorthand for a single alertmanagers entry)")
    ] = None
    postgres: Annotated[PostgresConfig | None, _doc("PostgreSQL for SQL signals and steps")] = None
    production: Annotated[
        bool | None, _doc('marked as production (default: true for "prod"/"production")')
    ] = None
    color: Annotated[
        str, _doc("header colour for this environment: #rrggbb, #rgb, a name, rgb() or hsl()")
    ] = ""
    scope_labels: Annotated[
        list[Annotated[str, Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]],
        Meta(min_length=1, max_length=16),
        _doc("labels that name a service, best first; panels query by the one the alert has"),
    ] = field(default_factory=lambda: list(DEFAULT_SCOPE_LABELS))
    docker: Annotated[DockerSection | None, _doc("containers from a docker daemon")] = None
    kubernetes: Annotated[KubernetesSection | None, _doc("pods from a Kubernetes cluster")] = None
    changes: Annotated[
        list[ChangeCommandSection],
        Meta(max_length=16),
        _doc("commands listing recent changes (git log of a deploy repo); at most 16"),
    ] = field(default_factory=list)

    def __post_init__(self) -> None:
        color = self.color.strip()
        if color and not _COLOR.fullmatch(color):
            raise ValueError(f"color: not a colour: {color!r} (try #b00020 or darkred)")
        force_setattr(self, "color", color)


class UiSection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`[ui]`: how the console looks and who sits at it."""

    theme: Annotated[str, _doc("colour theme (warroom-dark, warroom-light, ...)")] = "warroom-dark"
    refresh_s: Annotated[
        float,
        _doc("poll interval in seconds, 1 to 3600 (backs off while a server fails)", ge=1, le=3600),
    ] = 5.0
    bell: Annotated[bool, _doc("ring the terminal bell for a newly firing critical alert")] = True
    viewer: Annotated[bool, _doc("shared-screen mode: shows everything, runs nothing")] = False
    user: Annotated[str, _doc("who is at the keyboard (default: SUDO_USER or USER @ hostname)")] = (
        ""
    )
    keymap: Annotated[
        dict[str, str], _doc('remap keys by binding id, e.g. "warroom.ack" = "A"')
    ] = field(default_factory=dict)
    theme_paths: Annotated[list[str], _doc("extra folders of theme TOML files")] = field(
        default_factory=list
    )


class IncidentSection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`[incident]`: the incident record and its cadences."""

    store: Annotated[
        str, _doc('"" = SQLite in the data dir; or a SQLite path; or postgresql://...')
    ] = ""
    ack_minutes: Annotated[
        float, _doc("an ack is a silence this long, extended while open; 1 to 1440", ge=1, le=1440)
    ] = 15.0
    silence_hours: Annotated[
        float, _doc("default silence duration in hours, 0.05 to 720", ge=0.05, le=720)
    ] = 1.0
    update_every_s: Annotated[
        int,
        _doc(
            "status-update cadence in seconds, 60 to 86400; 0 = by severity "
            "(P0/P1 15 min, P2 30 min, P3 1 h)",
            ge=0,
            le=86400,
        ),
    ] = 0
    who_changes_status: Annotated[
        Literal["commander", "anyone"],
        _doc(
            '"commander": only the incident commander (or anyone, while none is assigned) '
            'changes the status and hands over roles; "anyone": every non-viewer console may'
        ),
    ] = "commander"
    four_eyes: Annotated[
        bool | None,
        _doc(
            "a destructive runbook step runs only once a second person (another console, not "
            "a viewer) approves it within 5 minutes; needs a shared (postgresql://) store; "
            "default: on for production environments"
        ),
    ] = None

    def __post_init__(self) -> None:
        if 0 < self.update_every_s < 60:
            raise ValueError(f"update_every_s: must be 0 or at least 60, got {self.update_every_s}")


class RunbooksSection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`[runbooks]`: where runbooks come from and how long a step may run."""

    paths: Annotated[list[str], _doc("extra runbook files or folders (the shipped ones stay)")] = (
        field(default_factory=list)
    )
    step_timeout_s: Annotated[
        float, _doc("default timeout of a runbook step in seconds, 0.1 to 600", ge=0.1, le=600)
    ] = 60.0


class HistorySection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`[history]`: the alert history kept beside the incidents ("seen before", flapping)."""

    retention_days: Annotated[
        int, _doc("days of fire/resolve events kept, 1 to 3650", ge=1, le=3650)
    ] = 30
    max_events: Annotated[
        int,
        _doc(
            "events kept at most (oldest dropped first), 1000 to 50000000", ge=1000, le=50_000_000
        ),
    ] = 500_000


class SilencePolicySection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`[silence_policy]`: silences refused at creation (overridable with a typed reason)."""

    min_matchers: Annotated[
        int, _doc("a silence needs at least this many matchers, 0 to 32", ge=0, le=32)
    ] = 1
    broad_labels: Annotated[
        list[Annotated[str, Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]],
        Meta(max_length=64),
        _doc("labels that narrow nothing alone: a silence on only these is refused"),
    ] = field(default_factory=lambda: sorted(BROAD_LABELS))
    max_matching_alerts: Annotated[
        int,
        _doc(
            "refuse a silence matching more firing alerts than this; 0 = no limit",
            ge=0,
            le=10_000_000,
        ),
    ] = 0
    confirm_over_alerts: Annotated[
        int,
        _doc(
            "a silence matching more alerts than this (or only broad labels) names the count"
            " and asks a second time; 0 = never, 0 to 10000000",
            ge=0,
            le=10_000_000,
        ),
    ] = 20


class MaintenanceSection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`[maintenance]`: recurring windows made into Alertmanager silences by the console."""

    file: Annotated[
        str, _doc('schedules file ([[maintenance]] tables); "" = none (no silences made)')
    ] = ""
    lead_minutes: Annotated[
        float,
        _doc(
            "make a window's silence this many minutes before it starts, 1 to 1440", ge=1, le=1440
        ),
    ] = 10.0


Seconds = int | str  # 1800 or "30m"


class SignalSection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`[[signals]]`: one golden-signal panel. `$service` in the query is the service in scope."""

    name: Annotated[str, _doc("panel title, any text (required)")]
    query: Annotated[
        str, _doc("PromQL, or SQL returning one number when source is postgres (required)")
    ]
    key: Annotated[
        str, _doc("stable id (lower-case letters, digits, _); default: derived from name")
    ] = ""
    unit: Annotated[str, _doc('unit shown after the value, e.g. "%" or "s"')] = ""
    warn: Annotated[Finite | None, _doc("warning threshold, in the query's unit")] = None
    critical: Annotated[Finite | None, _doc("critical threshold, in the query's unit")] = None
    range: Annotated[
        Seconds, _doc('history shown: seconds or a duration like "30m"; 1 min to 7 days')
    ] = 1800
    step: Annotated[
        Seconds,
        _doc('sample spacing: seconds or a duration like "30s"; at most 11000 samples per range'),
    ] = 30
    source: Annotated[
        Literal["prometheus", "postgres"], _doc("where the query runs: prometheus or postgres")
    ] = "prometheus"
    higher_is_worse: Annotated[
        bool, _doc("false when a low value is the bad one (e.g. throughput)")
    ] = True

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("name: missing")
        if not self.query.strip():
            raise ValueError("query: missing")
        if self.key and not _KEY.fullmatch(self.key):
            raise ValueError(
                f"key: must be a lower-case identifier like error_rate, got {self.key!r}"
            )
        range_s = _seconds("range", self.range, 60, 7 * 86400)
        step_s = _seconds("step", self.step, 1, 3600)
        if range_s / step_s > 11_000:
            raise ValueError(f"step: {step_s} s over a {range_s} s range is over 11000 points")
        force_setattr(self, "range", range_s)
        force_setattr(self, "step", step_s)

    @property
    def range_s(self) -> int:
        return int(self.range)

    @property
    def step_s(self) -> int:
        return int(self.step)


def _seconds(key: str, value: int | str, low: int, high: int) -> int:
    seconds = value if isinstance(value, int) else parse_duration(value, what=key)
    if not low <= seconds <= high:
        raise ValueError(f"{key}: must be between {low} and {high} seconds, got {seconds}")
    return int(seconds)


class FileConfig(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The whole file. A single environment may also be written at the top level
    (`[prometheus]`, `[alertmanager]`, ...), named by `environment` or "default"."""

    environment: Annotated[str, _doc("which [environments.NAME] to watch (--env)")] = ""
    environments: Annotated[dict[str, EnvironmentSection], _doc("the environments, by name")] = (
        field(default_factory=dict)
    )
    ui: Annotated[UiSection, _doc("look and feel")] = field(default_factory=UiSection)
    incident: Annotated[IncidentSection, _doc("the incident record")] = field(
        default_factory=IncidentSection
    )
    runbooks: Annotated[RunbooksSection, _doc("runbooks")] = field(default_factory=RunbooksSection)
    history: Annotated[HistorySection, _doc("alert history")] = field(
        default_factory=HistorySection
    )
    silence_policy: Annotated[SilencePolicySection, _doc("silence policy")] = field(
        default_factory=SilencePolicySection
    )
    maintenance: Annotated[MaintenanceSection, _doc("maintenance windows")] = field(
        default_factory=MaintenanceSection
    )
    signals: Annotated[
        Annotated[list[SignalSection], Meta(max_length=32)] | None,
        _doc("golden-signal panels, at most 32 (default: the four golden signals)"),
    ] = None


# keys that make the top level a single environment
TOP_LEVEL_ENVIRONMENT = frozenset(EnvironmentSection.__struct_fields__)
