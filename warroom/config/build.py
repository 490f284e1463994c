"""From the validated file to the running `Settings`: environments named, signal keys derived.

A signal's name is whatever a person typed (`Req/s`, `Backlog (SQL)`); the console needs an id
it can use as a widget id and a dictionary key, so one is derived here, and two signals that
end up with one key are refused naming both, instead of one panel silently eating the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from warroom.config.schema import (
    EnvironmentSection,
    FileConfig,
    SignalSection,
    SilencePolicySection,
)
from warroom.config.settings import EnvironmentConfig, Settings
from warroom.domain.errors import ConfigError
from warroom.domain.signals import DEFAULT_SIGNALS, SignalSpec
from warroom.domain.silence_policy import SilencePolicy

Fail = Callable[[list[str | int], str], ConfigError]
# what a [[signals]] table hands to the panel's spec as it is (the key is derived)
_SPEC_FIELDS: tuple[str, ...] = (
    "name", "query", "unit", "warn", "critical", "range_s", "step_s", "source", "higher_is_worse",
)  # fmt: skip


def signal_key(name: str, index: int) -> str:
    """A safe id from any name: lower-case letters, digits and `_`, starting with a letter."""
    key = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not key:
        return f"signal_{index + 1}"
    return key if key[0].isalpha() else f"s_{key}"


def environment(name: str, section: EnvironmentSection) -> EnvironmentConfig:
    alertmanagers = [*section.alertmanagers]
    if section.alertmanager is not None:
        alertmanagers.append(section.alertmanager)
    production = section.production
    return EnvironmentConfig(
        name=name,
        prometheus=section.prometheus,
        alertmanagers=tuple(alertmanagers),
        postgres=section.postgres,
        production=name.lower() in ("prod", "production") if production is None else production,
        color=section.color,
        scope_labels=tuple(section.scope_labels),
        docker=section.docker,
        kubernetes=section.kubernetes,
        changes=tuple(section.changes),
    )


def signals(sections: list[SignalSection], fail: Fail) -> tuple[SignalSpec, ...]:
    specs: list[SignalSpec] = []
    seen: dict[str, int] = {}
    for i, s in enumerate(sections):
        key = s.key or signal_key(s.name, i)
        if key in seen:
            field = "key" if s.key else "name"
            raise fail(
                ["signals", i, field],
                f"{getattr(s, field)!r} gives key {key!r}, already used by signals[{seen[key]}]; "
                "give one of them its own key",
            )
        seen[key] = i
        specs.append(SignalSpec(key=key, **{name: getattr(s, name) for name in _SPEC_FIELDS}))
    return tuple(specs)


def build_settings(
    config: FileConfig, single: EnvironmentSection | None, source: str, fail: Fail
) -> Settings:
    environments = {name: environment(name, env) for name, env in config.environments.items()}
    if single is not None:
        name = config.environment or "default"
        environments.setdefault(name, environment(name, single))
    if config.environment and environments and config.environment not in environments:
        raise fail(
            ["environment"],
            f"no environment named {config.environment!r} (have: {', '.join(environments)})",
        )
    ui, incident, runbooks = config.ui, config.incident, config.runbooks
    return Settings(
        environments=environments,
        environment=config.environment,
        theme=ui.theme,
        refresh_s=ui.refresh_s,
        bell=ui.bell,
        viewer=ui.viewer,
        user=ui.user,
        keymap=dict(ui.keymap),
        signals=DEFAULT_SIGNALS if config.signals is None else signals(config.signals, fail),
        runbook_paths=tuple(runbooks.paths),
        theme_paths=tuple(ui.theme_paths),
        step_timeout_s=runbooks.step_timeout_s,
        ack_minutes=incident.ack_minutes,
        silence_hours=incident.silence_hours,
        store=incident.store,
        update_every_s=incident.update_every_s,
        who_changes_status=incident.who_changes_status,
        four_eyes=incident.four_eyes,
        source_path=source,
        history_retention_days=config.history.retention_days,
        history_max_events=config.history.max_events,
        silence_policy=silence_policy(config.silence_policy),
        maintenance_file=config.maintenance.file,
        maintenance_lead_minutes=config.maintenance.lead_minutes,
    )


def silence_policy(section: SilencePolicySection) -> SilencePolicy:
    """The section as the guard takes it (0 = no limit on matching alerts)."""
    return SilencePolicy(
        min_matchers=section.min_matchers,
        broad_labels=frozenset(section.broad_labels),
        max_matching_alerts=section.max_matching_alerts or None,
        confirm_over_alerts=section.confirm_over_alerts or None,
    )
