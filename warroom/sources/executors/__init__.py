"""Step executors: shell, SQL, PromQL, HTTP, and the docker/kubernetes SDK fast paths.

`build_executors` returns them in routing order: the first whose `handles()` says yes runs the
step, so docker and kubectl steps reach their SDKs before the plain shell sees them. Heavy
libraries are imported inside the executors when a step runs, never at import time.
"""

from __future__ import annotations

from typing import Any

from warroom.domain.ports import StepExecutor
from warroom.sources.executors.docker import DockerExecutor
from warroom.sources.executors.http import HttpExecutor
from warroom.sources.executors.kubernetes import KubernetesExecutor
from warroom.sources.executors.promql import PromqlExecutor
from warroom.sources.executors.shell import ShellExecutor
from warroom.sources.executors.sql import SqlExecutor


def build_executors(
    *,
    postgres_dsn: str | None,
    statement_timeout_ms: int,
    prometheus: Any | None,
    docker_host_env: bool = True,
    kubeconfig: str | None = None,
) -> list[StepExecutor]:
    """Executors in routing order. `prometheus` is anything with `async query_vector(promql)`;
    `docker_host_env=False` turns the docker SDK path off (shell only)."""
    executors: list[StepExecutor] = []
    if docker_host_env:
        executors.append(DockerExecutor())
    executors.append(KubernetesExecutor(kubeconfig=kubeconfig))
    if postgres_dsn:
        executors.append(SqlExecutor(postgres_dsn, statement_timeout_ms=statement_timeout_ms))
    if prometheus is not None:
        executors.append(PromqlExecutor(prometheus))
    executors.append(HttpExecutor())
    executors.append(ShellExecutor())
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
