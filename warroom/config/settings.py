"""The settings the console runs with: flat, frozen, built once from the validated file.

The file's shape (sections) lives in `schema`; the running code reads these flat attributes
(`settings.refresh_s`, `settings.active_environment`), and `dataclasses.replace` works on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from warroom.config.context_schema import ChangeCommandSection, DockerSection, KubernetesSection
from warroom.config.schema import PostgresConfig, ServerConfig
from warroom.domain.scope import DEFAULT_SCOPE_LABELS
from warroom.domain.signals import DEFAULT_SIGNALS, SignalSpec
from warroom.domain.silence_policy import SilencePolicy


@dataclass(frozen=True, slots=True)
class EnvironmentConfig:
    name: str
    prometheus: ServerConfig | None = None
    alertmanagers: tuple[ServerConfig, ...] = ()
    postgres: PostgresConfig | None = None
    production: bool = False
    color: str = ""  # a theme variable name or colour for the header/border; "" = by production
    scope_labels: tuple[str, ...] = DEFAULT_SCOPE_LABELS  # labels naming a service, best first
    docker: DockerSection | None = None  # the Service region's sources (None: found at wiring)
    kubernetes: KubernetesSection | None = None
    changes: tuple[ChangeCommandSection, ...] = ()


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
    who_changes_status: str = "commander"  # [incident]: "commander" or "anyone"
    four_eyes: bool | None = None  # [incident]: None = on for production environments
    source_path: str = ""  # the config file these came from, for messages
    history_retention_days: int = 30  # [history]: the alert history's retention and row limit
    history_max_events: int = 500_000
    silence_policy: SilencePolicy = field(default_factory=SilencePolicy)  # [silence_policy]
    maintenance_file: str = ""  # [maintenance]: schedules made into silences ("" = none)
    maintenance_lead_minutes: float = 10.0

    @property
    def active_environment(self) -> EnvironmentConfig | None:
        if not self.environments:
            return None
        if self.environment:
            return self.environments.get(self.environment)
        return next(iter(self.environments.values()))
