"""Step executors: shell, SQL, PromQL, HTTP, and the docker/kubernetes SDK fast paths.

`build_executors` returns them in routing order: the first whose `handles()` says yes runs the
step, so docker and kubectl steps reach their SDKs before the plain shell sees them. Heavy
libraries are imported inside the executors when a step runs, never at import time.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from warroom.domain.ports import StepExecutor
from warroom.sources.executors.docker import DockerExecutor
from warroom.sources.executors.http import HttpExecutor
from warroom.sources.executors.kubernetes import KubernetesExecutor
from warroom.sources.executors.promql import PromqlExecutor
from warroom.sources.executors.shell import ShellExecutor, ShellOptions, default_output_dir
from warroom.sources.executors.sql import SqlExecutor


def build_executors(
    *,
    postgres_dsn: str | None,
    statement_timeout_ms: int,
    prometheus: Any | None,
    docker_host_env: bool = True,
    kubeconfig: str | None = None,
    secrets: Iterable[str] = (),
    env_allow: Iterable[str] = (),
    output_dir: Path | None = None,
) -> list[StepExecutor]:
    """Executors in routing order. `prometheus` is anything with `async query_vector(promql)`;
    `docker_host_env=False` turns the docker SDK path off (shell only). `secrets` are redacted
    from shell output; `env_allow` names extra variables steps may see; `output_dir` keeps full
    outputs too big for a log entry (default: the data dir's `step-output`)."""
    options = ShellOptions(
        env_allow=tuple(env_allow),
        secrets=tuple(secrets),
        output_dir=output_dir if output_dir is not None else default_output_dir(),
    )
    executors: list[StepExecutor] = []
    if docker_host_env:
        executors.append(DockerExecutor(shell_options=options))
    executors.append(KubernetesExecutor(kubeconfig=kubeconfig, shell_options=options))
    if postgres_dsn:
        executors.append(
            SqlExecutor(postgres_dsn, statement_timeout_ms=statement_timeout_ms, options=options)
        )
    if prometheus is not None:
        executors.append(PromqlExecutor(prometheus, options=options))
    executors.append(HttpExecutor(options=options))
    executors.append(ShellExecutor.from_options(options))
    return executors


__all__ = [
    "DockerExecutor",
    "HttpExecutor",
    "KubernetesExecutor",
    "PromqlExecutor",
    "ShellExecutor",
    "SqlExecutor",
    "build_executors",
]
