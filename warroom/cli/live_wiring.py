"""Composition root for live mode: concrete sources for the active environment, as `Sources`.

Importing this module is cheap: the source modules import httpx / asyncpg /
prometheus_api_client only when first used, and they are imported here inside the functions.
"""

from __future__ import annotations

import base64
import os
import re
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from warroom.config import EnvironmentConfig, ServerConfig, Settings
from warroom.config.context_schema import DockerSection, KubernetesSection
from warroom.domain.errors import ConfigError
from warroom.domain.scope import DEFAULT_SCOPE_LABELS
from warroom.sources.on_first_use import OnFirstUse

if TYPE_CHECKING:
    from collections.abc import Sequence

    from warroom.domain.clock import Clock
    from warroom.domain.ports import AlertSource, SignalSource, Sources, StepExecutor
    from warroom.domain.service_context import ServiceContextSource


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


def build_live_sources(
    settings: Settings, clock: Clock | None = None, *, prefetch: bool = False
) -> Sources:
    """Sources for `settings.active_environment`: one AlertmanagerSource per Alertmanager (or the
    read-only Prometheus alert fallback when none is configured), Prometheus and PostgreSQL
    signal sources, the service catalog, and whether this is production.

    With `prefetch` (the console), what it shows first is asked for as soon as the sources that
    answer it exist, before the executors and the rest are even imported (`_prefetch`)."""
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

        prom = PrometheusSignals(env.prometheus, env.scope_labels)
        signal_sources["prometheus"] = prom
        catalog = prom
        if not alert_sources:
            alert_sources.append(PrometheusAlertSource(env.prometheus))
        else:
            fallback = PrometheusAlertSource(env.prometheus)

    if env.postgres is not None:
        from warroom.sources.postgres_signals import PostgresSignals

        signal_sources["postgres"] = PostgresSignals(env.postgres, clock=clock)

    if prefetch:
        _prefetch(settings, alert_sources, signal_sources)
    from warroom.domain.ports import Sources

    secrets = configured_secrets(settings)  # step output and its full-output file, redacted

    def executors() -> list[StepExecutor]:
        from warroom.sources.executors import build_executors

        return build_executors(
            postgres_dsn=env.postgres.resolved_dsn() or None if env.postgres else None,
            statement_timeout_ms=env.postgres.statement_timeout_ms if env.postgres else 5000,
            prometheus=signal_sources.get("prometheus"),
            secrets=secrets,
        )

    return Sources(
        environment=env.name,
        alert_sources=tuple(alert_sources),
        signal_sources=signal_sources,
        executors=OnFirstUse(executors),
        catalog=catalog,
        fallback_alerts=fallback,
        is_drill=False,
        is_production=env.production,
        context_sources=build_context_sources(env, clock=clock, secrets=secrets),
    )


def build_context_sources(
    env: EnvironmentConfig,
    *,
    clock: Clock | None = None,
    secrets: tuple[str, ...] = (),
    environ: Mapping[str, str] | None = None,
) -> tuple[ServiceContextSource, ...]:
    """The Service region's sources. Docker and Kubernetes when configured `enabled = true`,
    or (unset) when cheaply found: a `DOCKER_HOST` or local socket file, a kubeconfig file or
    a service account. Nothing connects here and neither client is imported: an absent source
    takes no space, and a present one says on its first poll if it cannot answer."""
    # (each source's module, and the executors' package the commands need, only when used)
    from warroom.sources.docker_context import DockerContextSource, docker_reachable
    from warroom.sources.kubeconfig import kubernetes_reachable

    found: list[ServiceContextSource] = []
    docker = env.docker or DockerSection()
    if docker.enabled or (docker.enabled is None and docker_reachable(docker.host, environ)):
        found.append(
            DockerContextSource(
                host=docker.host,
                selector_label=docker.selector_label,
                project=docker.project,
                timeout_s=docker.timeout_s,
                clock=clock,
            )
        )
    kube = env.kubernetes or KubernetesSection()
    if kube.enabled or (kube.enabled is None and kubernetes_reachable(kube.kubeconfig, environ)):
        from warroom.sources.kubernetes_context import KubernetesContextSource

        found.append(
            KubernetesContextSource(
                kubeconfig=kube.kubeconfig,
                context=kube.context,
                namespace=kube.namespace,
                selector_labels=kube.selector_labels,
                timeout_s=kube.timeout_s,
                clock=clock,
                environ=environ,
            )
        )
    if not env.changes:
        return tuple(found)
    from warroom.sources.command_changes import CommandChangesSource
    from warroom.sources.executors.shell import ShellOptions

    options = ShellOptions(secrets=secrets)
    for command in env.changes:
        found.append(
            CommandChangesSource(
                command.name,
                command.command,
                timeout_s=command.timeout_s,
                every_s=command.every_s,
                options=options,
                clock=clock,
            )
        )
    return tuple(found)


# `password=...` / `sslpassword=...` in a libpq key=value DSN (quoted or bare)
_KV_PASSWORD = re.compile(r"(?:^|\s)(?:ssl)?password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")


def configured_secrets(settings: Settings) -> tuple[str, ...]:
    """Every secret the configuration can resolve to, gathered once for every surface.

    Tokens and passwords of every server of every environment (from `*_env` variables and
    `*_file` files), their basic-auth header forms, secret-looking custom headers, passwords
    in server URLs, in PostgreSQL DSNs (signals and the incident store; URL, `?password=` and
    key=value forms) and `PGPASSWORD`. The screen, the store, step output, errors and exports
    are all redacted with this one list (`ConsoleContext.secrets`)."""
    from warroom.sources import http as _http

    found: list[str] = []
    dsns = [settings.store]
    for env in settings.environments.values():
        for server in (env.prometheus, *env.alertmanagers):
            if server is None:
                continue
            values = _http.secret_values(server)
            found.extend(values)
            found.extend(_basic_forms(server, values))
        if env.postgres is not None:
            dsns.append(env.postgres.resolved_dsn())
    for dsn in dsns:
        found.extend(dsn_passwords(dsn))
    found.append(os.environ.get("PGPASSWORD", ""))
    variants = [v for s in found if s for v in (s, quote(s, safe=""))]
    return tuple(sorted(set(variants), key=lambda v: (-len(v), v)))


def _basic_forms(server: ServerConfig, values: list[str]) -> list[str]:
    """`Authorization: Basic <base64(user:password)>` as it would appear in a dump."""
    users = [server.username] if server.username else []
    userinfo = urlsplit(server.url).netloc.rpartition("@")[0]
    if userinfo:
        user, _, password = userinfo.partition(":")
        users.append(unquote(user))
        values = [*values, unquote(password)]
    return [
        base64.b64encode(f"{user}:{value}".encode()).decode()
        for user in users
        for value in values
        if value
    ]


def dsn_passwords(dsn: str) -> list[str]:
    """The password(s) written into a PostgreSQL DSN, as written and percent-decoded."""
    if not dsn:
        return []
    found: list[str] = []
    if "://" in dsn:
        try:
            parts = urlsplit(dsn)
        except ValueError:
            return []
        userinfo = parts.netloc.rpartition("@")[0]
        if ":" in userinfo:
            found.append(userinfo.partition(":")[2])
        found.extend(v for k, v in parse_qsl(parts.query) if k in ("password", "sslpassword"))
    else:
        for m in _KV_PASSWORD.finditer(dsn):
            value = m.group(1)
            if value.startswith("'"):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            found.append(value)
    return [v for p in found if p for v in {p, unquote(p)}]


def prefetch_alerts(alert_sources: Sequence[AlertSource]) -> None:
    """Begin every alert source's first fetch now, before the UI is imported: Alertmanager
    builds a storm's answer while Textual loads (measured in benchmarks/bench_real_alertmanager)."""
    for source in alert_sources:
        prefetch = getattr(source, "prefetch", None)
        if prefetch is not None:
            prefetch()


def _prefetch(
    settings: Settings,
    alert_sources: Sequence[AlertSource],
    signal_sources: dict[str, SignalSource],
    timeout_s: float = 5.0,
) -> None:
    """What the console shows first, asked for now, before the UI is imported: the alerts, and
    each golden signal's first history and value. Each goes out through the standard library
    in a thread, so none waits for the app, nor the app for httpx or requests to be imported.

    The signals start in the scope of the alert the list selects first (its service), so
    their first queries wait for the first alerts (at most `timeout_s`), in their thread."""
    prefetch_alerts(alert_sources)
    env = settings.active_environment
    labels = env.scope_labels if env is not None else DEFAULT_SCOPE_LABELS

    def scope() -> str | None:
        from warroom.domain.alert_view import first_listed
        from warroom.domain.alerts import merge_alerts
        from warroom.domain.scope import service_scope

        deadline = time.monotonic() + timeout_s
        batches = {
            source.name: source.prefetched(max(0.0, deadline - time.monotonic()))
            for source in alert_sources
            if hasattr(source, "prefetched")
        }
        first = first_listed(merge_alerts(batches))
        return service_scope(first.labels, labels) if first is not None else None

    for name, source in signal_sources.items():
        begin = getattr(source, "prefetch", None)
        if begin is not None:
            begin([spec for spec in settings.signals if spec.source == name], scope)
