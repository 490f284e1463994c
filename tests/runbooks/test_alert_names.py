"""Alert names in every common form, and nothing that only looks like one."""

from __future__ import annotations

import pytest

from warroom.domain.runbook_parse import is_alert_like, parse_runbook_full
from warroom.domain.runbook_parse.alert_names import heading_alerts


def _alerts(text: str, path: str = "page.md") -> tuple[list[list[str]], list[str]]:
    result = parse_runbook_full(text, path)
    return [s.alerts for s in result.runbook.sections if s.alerts], result.named_alerts


@pytest.mark.parametrize(
    ("heading", "names"),
    [
        ("KubePodCrashLooping", ["KubePodCrashLooping"]),
        ("`KubePodCrashLooping`", ["KubePodCrashLooping"]),
        ("etcdMembersDown", ["etcdMembersDown"]),
        ("kubeletTooManyPods", ["kubeletTooManyPods"]),
        ("nodeFilesystemAlmostFull", ["nodeFilesystemAlmostFull"]),
        ("Runbook: HighErrorRate", ["HighErrorRate"]),
        ("Title: SidekiqQueueTooLarge", ["SidekiqQueueTooLarge"]),
        ('Alert Name: "PostgresReplicationLag"', ["PostgresReplicationLag"]),
        ("Alert: `api_down`", ["api_down"]),
        ("API Service Down (`TaskSchedulerAPIDown`)", ["TaskSchedulerAPIDown"]),
        ("KubeCPUOvercommit, KubeMemoryOvercommit", ["KubeCPUOvercommit", "KubeMemoryOvercommit"]),
        ("KubeAPIDown and KubeAPIErrorsHigh", ["KubeAPIDown", "KubeAPIErrorsHigh"]),
        ("2. HighLatencyP95", ["HighLatencyP95"]),
        ("HighLatencyP95 - latency above the SLO", ["HighLatencyP95"]),
        ("HighLatencyP95 (critical)", ["HighLatencyP95"]),
        ("TargetDown alert", ["TargetDown"]),
        ("KubeletDown Runbook", ["KubeletDown"]),
    ],
)
def test_heading_forms(heading: str, names: list[str]) -> None:
    assert heading_alerts(heading) == names


@pytest.mark.parametrize(
    "heading",
    [
        "Mitigation",
        "Diagnosis and mitigation",
        "PostgreSQL",
        "GitHub",
        "OpenShift",
        "ServiceMonitor",
        "StatefulSet",
        "NotReady",
        "Overview - what it means",
        "Data retention",
        "Title: Database failover",
        "Alert: none",
        "TODO",
        "Check the pods, then the nodes",
        "etcd",
        "kubectl",
    ],
)
def test_not_alerts(heading: str) -> None:
    assert heading_alerts(heading) == []


def test_alert_name_labels_in_prose_and_lists() -> None:
    for text in [
        "# Page\n\n**Alert Name:** DiskFullSoon\n\n## Diagnosis\n\n```bash\ndf -h\n```\n",
        "# Page\n\n- **Alert Name:** `DiskFullSoon`\n- **Severity:** critical\n",
        "# Page\n\n## Alert\n\n`DiskFullSoon`\n\n## Diagnosis\n\n```bash\ndf -h\n```\n",
        "# Page\n\n## Alert Name\n\nDiskFullSoon\n\n## Steps\n\n```bash\ndf -h\n```\n",
        "---\ntitle: DiskFullSoon\n---\n\n## Diagnosis\n\n```bash\ndf -h\n```\n",
    ]:
        sections, named = _alerts(text)
        assert sections == [["DiskFullSoon"]] and named == ["DiskFullSoon"], text


def test_an_alert_heading_claims_the_page_it_heads() -> None:
    text = "# Disk\n\n## Overview\n\nx\n\n## Alert\n\n`DiskFullSoon`\n\n## Fix\n\n```bash\ndf -h\n```\n"
    result = parse_runbook_full(text, "disk.md")
    (section,) = [s for s in result.runbook.sections if s.alerts]
    assert section.title == "Disk" and [st.command for st in section.steps] == ["df -h"]
    assert [p.title for p in section.phases] == ["Overview", "Alert", "Fix"]


def test_a_sentence_under_alert_names_no_code_words() -> None:
    text = "# Disk\n\n## Alert\n\nThis fires when `up` is 0 for `node_exporter`.\n"
    assert _alerts(text) == ([], [])


def test_the_file_name_names_the_alert() -> None:
    text = "## Meaning\n\nx\n\n## Mitigation\n\n```bash\nkubectl get pods\n```\n"
    result = parse_runbook_full(text, "runbooks/etcd/etcdMembersDown.md")
    (section,) = result.runbook.sections
    assert section.alerts == ["etcdMembersDown"]
    assert [(s.command, s.phase) for s in section.steps] == [("kubectl get pods", "Mitigation")]
    assert parse_runbook_full(text, "runbooks/database.md").named_alerts == []


def test_is_alert_like() -> None:
    assert all(map(is_alert_like, ["KubeNodeNotReady", "etcdNoLeader", "HighCPU", "X509Expiry"]))
    assert not any(map(is_alert_like, ["Kubernetes", "Prometheus", "MySQL", "nodes", "kube"]))


@pytest.mark.parametrize(
    ("text", "path", "alerts"),
    [
        ("# Services\n\n## ELBs and CloudFront\n\n## PubSub\n", "services.md", []),
        ("# PlantUML\n\n## Summary\n\nx\n", "plantuml/readiness.md", []),
        ("# Node CPU alerts\n\n## HighCPU\n\n### Profiling\n", "node_cpu.md", [["HighCPU"]]),
        ("# Watchdog\n\n## Meaning\n\nAlways firing.\n", "general/Watchdog.md", [["Watchdog"]]),
        ("# Watchdog\n\nA dog.\n", "pets/Watchdog.md", []),
        ("# InfoInhibitor\n\n## Impact\n\nNone.\n", "InfoInhibitor.md", [["InfoInhibitor"]]),
        ("# NorthboundStale\n\n## Meaning\n", "NorthboundStaleAlert.md", [["NorthboundStale"]]),
        ("## Fix\n\n```bash\nls\n```\n", "Connect_to_Rails_Console.md", []),
    ],
)
def test_names_nothing_marks_must_read_as_alerts(
    text: str, path: str, alerts: list[list[str]]
) -> None:
    assert _alerts(text, path)[0] == alerts
