"""Fixtures for the runbook tests: reference documents, a real dockerd, a local k8s API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runbooks.kube_api import FakeKubeAPI

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
