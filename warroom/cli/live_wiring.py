"""Composition root for live mode: concrete sources for the active environment, as `Sources`.

Importing this module is cheap: the source modules import httpx / asyncpg /
prometheus_api_client only when first used, and they are imported here inside the functions.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from warroom.config import EnvironmentConfig, ServerConfig, Settings
from warroom.domain.errors import ConfigError
from warroom.domain.ports import AlertSource, SignalSource, Sources

if TYPE_CHECKING:
    from warroom.domain.clock import Clock


def settings_from_urls(
    settings: Settings,
    prometheus: str | None = None,
    alertmanagers: tuple[str, ...] | list[str] = (),
    environment: str | None = None,
) -> Settings:
    """`warroom --prometheus URL --alertmanager URL` with or without a config file: the URLs
    replace the active environment's servers (or make a "default" environment)."""
    if not prometheus and not alertmanagers:
        return settings
    for url in (prometheus, *alertmanagers):
        if url and not url.startswith(("http://", "https://")):
            raise ConfigError(f"flags: must start with http:// or https://, got {url!r}")
    name = (
        environment
        or settings.environment
        or (next(iter(settings.environments)) if settings.environments else "default")
    )
    base = settings.environments.get(name) or EnvironmentConfig(name=name)
    env = replace(
        base,
        prometheus=(_flag_server(prometheus, base.prometheus) if prometheus else base.prometheus),
        alertmanagers=(
            tuple(_flag_server(u, None) for u in alertmanagers)
            if alertmanagers
            else base.alertmanagers
        ),
    )
    envs = dict(settings.environments)
    envs[name] = env
    return replace(settings, environments=envs, environment=name)


def _flag_server(url: str, base: ServerConfig | None) -> ServerConfig:
    """A URL from a flag; if it names the configured server, keep that server's auth."""
    url = url.rstrip("/")
    if base is not None and base.url == url:
        return base
    return ServerConfig(url=url)


def build_live_sources(settings: Settings, clock: Clock | None = None) -> Sources:
    """Sources for `settings.active_environment`: one AlertmanagerSource per Alertmanager (or the
    read-only Prometheus alert fallback when none is configured), Prometheus and PostgreSQL
    signal sources, the service catalog, and whether this is production."""
    env = settings.active_environment
    if env is None:
        raise ConfigError(
            f"{settings.source_path or 'config'}: no environment configured "
            "(give --prometheus URL and/or --alertmanager URL, or [environments.NAME])"
        )
    alert_sources: list[AlertSource] = []
    signal_sources: dict[str, SignalSource] = {}
    catalog = None
    fallback: AlertSource | None = None

    if env.alertmanagers:
        from warroom.sources.alertmanager import AlertmanagerSource

        seen: set[str] = set()
        for server in env.alertmanagers:
            source = AlertmanagerSource(server)
            if source.name in seen:  # two unnamed servers must stay apart in merges
                source.name = f"{source.name}#{len(seen)}"
            seen.add(source.name)
            alert_sources.append(source)

    if env.prometheus is not None:
        from warroom.sources.prometheus import PrometheusAlertSource, PrometheusSignals

        prom = PrometheusSignals(env.prometheus)
        signal_sources["prometheus"] = prom
        catalog = prom
        if not alert_sources:
            alert_sources.append(PrometheusAlertSource(env.prometheus))
        else:
            fallback = PrometheusAlertSource(env.prometheus)

    if env.postgres is not None:
        from warroom.sources.postgres_signals import PostgresSignals

        signal_sources["postgres"] = PostgresSignals(env.postgres, clock=clock)

    from warroom.sources.executors import build_executors

    executors = build_executors(
        postgres_dsn=env.postgres.resolved_dsn() or None if env.postgres else None,
        statement_timeout_ms=env.postgres.statement_timeout_ms if env.postgres else 5000,
        prometheus=signal_sources.get("prometheus"),
    )
    return Sources(
        environment=env.name,
        alert_sources=tuple(alert_sources),
        signal_sources=signal_sources,
        executors=executors,
        catalog=catalog,
        fallback_alerts=fallback,
        is_drill=False,
        is_production=env.production,
    )


def prefetch_alerts(sources: Sources) -> None:
    """Begin every alert source's first fetch now, before the UI is imported: Alertmanager
    builds a storm's answer while Textual loads (measured in benchmarks/bench_real_alertmanager)."""
    for source in sources.alert_sources:
        prefetch = getattr(source, "prefetch", None)
        if prefetch is not None:
            prefetch()
