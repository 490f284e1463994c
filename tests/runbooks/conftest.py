"""Fixtures for the runbook tests: reference documents, a real dockerd, a local k8s API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runbooks.kube_api import FakeKubeAPI
from tests.servers.dockerd import DockerDaemon

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
# ../shared/reference beside the repo (a worktree sits one folder deeper: look further up)
REFERENCE = next(
    (p / "shared" / "reference" for p in REPO.parents if (p / "shared" / "reference").is_dir()),
    (REPO / ".." / "shared" / "reference").resolve(),
)
PUBLIC = REFERENCE / "public-runbooks"
RUNBOOKS = REPO / "runbooks"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    assert REFERENCE.is_dir(), f"reference runbooks missing at {REFERENCE}"
    return REFERENCE


@pytest.fixture(scope="session")
def dockerd() -> Iterator[DockerDaemon]:
    """A real dockerd for the session. Fails (never skips) when it cannot start."""
    daemon = DockerDaemon()
    try:
        daemon.start()
        yield daemon
    finally:
        daemon.cleanup()


@pytest.fixture
def docker_env(dockerd: DockerDaemon, monkeypatch: pytest.MonkeyPatch) -> DockerDaemon:
    """DOCKER_HOST pointed at the suite's daemon, and no containers left from other tests."""
    dockerd.remove_all()
    monkeypatch.setenv("DOCKER_HOST", dockerd.host)
    return dockerd


@pytest.fixture
def kube_api() -> Iterator[FakeKubeAPI]:
    api = FakeKubeAPI()
    api.start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def kubeconfig(kube_api: FakeKubeAPI, tmp_path: Path) -> str:
    return kube_api.kubeconfig(str(tmp_path / "kubeconfig"))
