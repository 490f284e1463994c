"""`build_live_sources` fills `Sources.context_sources` from config, and absent sources take
no space: no socket and no kubeconfig, and nothing configured, means none of them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers.dockerd import DockerDaemon
from warroom.cli.live_wiring import build_context_sources, build_live_sources
from warroom.config import parse_settings
from warroom.sources.command_changes import CommandChangesSource
from warroom.sources.docker_context import DockerContextSource
from warroom.sources.kubernetes_context import KubernetesContextSource


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment with neither a docker daemon nor a kubeconfig."""
    return {"DOCKER_HOST": f"unix://{tmp_path}/no.sock", "KUBECONFIG": str(tmp_path / "no"), "HOME": str(tmp_path), **extra}  # fmt: skip


def _settings(env: dict[str, object]) -> object:
    return parse_settings(
        {"environments": {"prod": {"prometheus": {"url": "http://127.0.0.1:9"}, **env}}}
    )


def test_nothing_found_nothing_configured_no_sources(tmp_path: Path) -> None:
    settings = _settings({})
    assert build_context_sources(settings.active_environment, environ=_env(tmp_path)) == ()  # type: ignore[attr-defined]


def test_found_without_config(tmp_path: Path, dockerd: DockerDaemon) -> None:
    (tmp_path / "kubeconfig").write_text("apiVersion: v1\nkind: Config\n")
    environ = _env(tmp_path, DOCKER_HOST=dockerd.host, KUBECONFIG=str(tmp_path / "kubeconfig"))
    found = build_context_sources(_settings({}).active_environment, environ=environ)  # type: ignore[attr-defined]
    assert [type(s) for s in found] == [DockerContextSource, KubernetesContextSource]


def test_configured_sources(tmp_path: Path) -> None:
    settings = _settings(
        {
            "docker": {
                "enabled": True,
                "host": "tcp://127.0.0.1:9",
                "project": "ops",
                "timeout_s": 2,
            },
            "kubernetes": {
                "enabled": True,
                "context": "eu",
                "namespace": "prod",
                "selector_labels": ["team.example/app"],
            },
            "changes": [{"name": "deploys", "command": ["git", "log"], "every_s": 30}],
        }
    )
    docker, kube, command = build_context_sources(
        settings.active_environment, environ=_env(tmp_path)
    )  # type: ignore[attr-defined]
    assert isinstance(docker, DockerContextSource)
    assert (docker.host, docker.project, docker.timeout_s) == ("tcp://127.0.0.1:9", "ops", 2)
    assert isinstance(kube, KubernetesContextSource)
    assert (kube.context_name, kube.namespace, kube.selector_labels) == (
        "eu",
        "prod",
        ("team.example/app",),
    )
    assert isinstance(command, CommandChangesSource)
    assert (command.name, command.command, command.every_s) == ("deploys", ("git", "log"), 30)


def test_disabled_even_when_found(tmp_path: Path, dockerd: DockerDaemon) -> None:
    (tmp_path / "kubeconfig").write_text("apiVersion: v1\nkind: Config\n")
    environ = _env(tmp_path, DOCKER_HOST=dockerd.host, KUBECONFIG=str(tmp_path / "kubeconfig"))
    settings = _settings({"docker": {"enabled": False}, "kubernetes": {"enabled": False}})
    assert build_context_sources(settings.active_environment, environ=environ) == ()  # type: ignore[attr-defined]


def test_build_live_sources_fills_context_sources(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in _env(tmp_path).items():
        monkeypatch.setenv(name, value)
    settings = _settings({"changes": [{"name": "deploys", "command": ["true"]}]})
    sources = build_live_sources(settings)  # type: ignore[arg-type]
    assert [s.name for s in sources.context_sources] == ["deploys"]


def test_wiring_imports_neither_client(tmp_path: Path) -> None:
    (tmp_path / "kubeconfig").write_text("apiVersion: v1\nkind: Config\n")
    code = (
        "import sys\n"
        "from warroom.cli.live_wiring import build_context_sources\n"
        "from warroom.config import parse_settings\n"
        "s = parse_settings({'environments': {'p': {'docker': {'enabled': True}}}})\n"
        f"found = build_context_sources(s.active_environment, environ={{'KUBECONFIG': {str(tmp_path / 'kubeconfig')!r}}})\n"
        "assert len(found) == 2, found\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'docker', 'kubernetes', 'yaml', 'requests'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
