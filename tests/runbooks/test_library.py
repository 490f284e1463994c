"""Finding an alert's runbook: `runbook_url`s by file name and GitHub anchor, names, and which
of several files wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.domain.runbook_parse import slug
from warroom.services.runbook_library import load_library

ETCD = "# etcdMembersDown\n\n## Diagnosis\n\n```shell\n$ kubectl get nodes\n```\n"
DISK = (
    "# Disk alerts\n\n## node_filesystem.almost_full (warning)\n\n```bash\ndf -h\n```\n\n"
    "## Inodes: `NodeInodesLow`\n\n```bash\ndf -i\n```\n"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "etcd").mkdir()
    (tmp_path / "etcd" / "etcdMembersDown.md").write_text(ETCD)
    (tmp_path / "disk.md").write_text(DISK)
    return tmp_path


@pytest.mark.parametrize(
    "url",
    [
        "https://runbooks.prometheus-operator.dev/runbooks/etcd/etcdmembersdown",
        "https://runbooks.prometheus-operator.dev/runbooks/etcd/etcdmembersdown/",
        "https://github.com/org/runbooks/blob/main/etcd/etcdMembersDown.md",
        "https://github.com/org/runbooks/blob/main/etcd/ETCDMEMBERSDOWN.MD?plain=1",
    ],
)
def test_runbook_url_by_last_path_segment(folder: Path, url: str) -> None:
    found = load_library([folder]).section_for("SomethingElse", {"runbook_url": url})
    assert found is not None and found[1].alerts == ["etcdMembersDown"]


def test_runbook_url_that_names_another_file_finds_nothing(folder: Path) -> None:
    url = "https://runbooks.example/etcd/etcdMembersDownSoon"
    assert load_library([folder]).section_for("X", {"runbook_url": url}) is None


def test_runbook_url_anchor_by_github_slug(folder: Path) -> None:
    assert slug("node_filesystem.almost_full (warning)") == "node_filesystemalmost_full-warning"
    library = load_library([folder])
    for anchor in ["node_filesystemalmost_full-warning", "Node_FilesystemAlmost_Full-Warning"]:
        found = library.section_for("X", {"runbook_url": f"https://x/disk.md#{anchor}"})
        assert found is not None and found[1].title == "node_filesystem.almost_full (warning)"
    found = library.section_for("X", {"runbook_url": "https://x/disk#inodes-nodeinodeslow"})
    assert found is not None and found[1].alerts == ["NodeInodesLow"]


def test_an_anchor_inside_an_alert_section_finds_that_section(folder: Path) -> None:
    url = "https://x/etcd/etcdMembersDown.md#diagnosis"
    found = load_library([folder]).section_for("X", {"runbook_url": url})
    assert found is not None and found[1].alerts == ["etcdMembersDown"]


def test_the_first_folder_wins_and_the_others_are_listed(tmp_path: Path) -> None:
    user, shipped = tmp_path / "user", tmp_path / "shipped"
    for d, cmd in [(user, "kubectl get nodes -o wide"), (shipped, "kubectl get nodes")]:
        d.mkdir()
        (d / "etcd.md").write_text(f"# etcdMembersDown\n\n```bash\n{cmd}\n```\n")
    library = load_library([user, shipped])
    runbook, section = library.section_for("etcdMembersDown") or (None, None)
    assert runbook is not None and runbook.path.startswith(str(user))
    assert section is not None and section.steps[0].command == "kubectl get nodes -o wide"
    covering = library.covering("etcdMembersDown")
    assert [r.path for r, _ in covering] == [str(user / "etcd.md"), str(shipped / "etcd.md")]
