"""The nine real public pages in ../shared/reference/public-runbooks: each page's alert is
found and no other, and `runbooks render` prints every command of its Diagnosis and
Mitigation in page order, filled and quoted (`$NAME`, `<my-name>` and `<name>` placeholders
from the labels given), with no prompt and no sample output.
"""

from __future__ import annotations

import json

import pytest

from tests.runbooks.conftest import PUBLIC
from warroom.cli import main
from warroom.domain.runbook_parser import parse_runbook_full
from warroom.domain.runbooks import StepKind

PAGES = {
    "po-KubePodCrashLooping.md": "KubePodCrashLooping",
    "po-KubePersistentVolumeFillingUp.md": "KubePersistentVolumeFillingUp",
    "po-NodeFilesystemSpaceFillingUp.md": "NodeFilesystemSpaceFillingUp",
    "po-etcdMembersDown.md": "etcdMembersDown",
    "po-KubeProxyDown.md": "KubeProxyDown",
    "po-KubeNodeNotReady.md": "KubeNodeNotReady",
    "os-TargetDown.md": "TargetDown",
    "gl-SidekiqQueueTooLarge.md": "SidekiqQueueTooLarge",
    "gl-postgresql-locking.md": None,  # a topic page: it names no alert, and none is made up
}
PROMPTS = ("$ ", "# ", "% ", "=# ", "=> ")


def _render_out(capsys: pytest.CaptureFixture[str], page: str, *args: str) -> str:
    alert = PAGES[page]
    assert alert is not None
    code = main(["runbooks", "render", str(PUBLIC / page), "--alert", alert, *args])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def _commands(out: str) -> list[str]:
    """The commands `render` printed (everything that is not a `#` comment), one per step."""
    commands: list[str] = []
    fresh = True
    for line in out.splitlines():
        if line.startswith("#") or line.startswith("--   $"):
            fresh = True
            continue
        if fresh:
            commands.append(line)
        else:
            commands[-1] += "\n" + line
        fresh = False
    return commands


def _render(capsys: pytest.CaptureFixture[str], page: str, *args: str) -> list[str]:
    return _commands(_render_out(capsys, page, *args))


def test_the_folder_holds_the_nine_pages() -> None:
    assert sorted(p.name for p in PUBLIC.glob("*.md")) == sorted(PAGES)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_page_alert_and_no_other(capsys: pytest.CaptureFixture[str], page: str) -> None:
    assert main(["runbooks", "check", "--json", str(PUBLIC / page)]) == 0
    (doc,) = json.loads(capsys.readouterr().out)["runbooks"]
    alert = PAGES[page]
    assert doc["alerts"] == ([alert] if alert else [])
    owning = [s for s in doc["sections"] if s["alerts"]]
    assert [s["alerts"] for s in owning] == ([[alert]] if alert else [])
    if alert:  # every runnable step of the page is reachable from its alert
        runnable = {(st["line"], st["command"]) for s in doc["sections"] for st in s["steps"]}
        assert runnable <= {(st["line"], st["command"]) for st in owning[0]["steps"]}


@pytest.mark.parametrize("page", sorted(p for p, a in PAGES.items() if a))
def test_no_runnable_step_keeps_a_prompt_or_output(page: str) -> None:
    result = parse_runbook_full((PUBLIC / page).read_text(), page)
    for section in result.runbook.sections:
        for step in section.steps:
            if step.kind.runnable:
                assert not step.command.lstrip().startswith(PROMPTS), step
                assert "NAME  " not in step.command and "PROVISIONER" not in step.command


def test_crash_looping_inline_commands(capsys: pytest.CaptureFixture[str]) -> None:
    result = parse_runbook_full((PUBLIC / "po-KubePodCrashLooping.md").read_text(), "p.md")
    section = result.runbook.sections[0]
    assert [(s.command, s.inline, s.phase) for s in section.steps] == [
        ("kubectl -n $NAMESPACE get pod $POD", True, "Diagnosis"),
        ("kubectl -n $NAMESPACE describe pod $POD", True, "Diagnosis"),
        ("kubectl -n $NAMESPACE logs $POD -c $CONTAINER", True, "Diagnosis"),
    ]
    assert [p.title for p in section.phases] == ["Meaning", "Impact", "Diagnosis", "Mitigation"]


def test_render_crash_looping(capsys: pytest.CaptureFixture[str]) -> None:
    labels = ["--label", "namespace=shop", "--label", "pod=web-1", "--label", "container=app"]
    assert _render(capsys, "po-KubePodCrashLooping.md", *labels) == [
        "kubectl -n shop get pod web-1",
        "kubectl -n shop describe pod web-1",
        "kubectl -n shop logs web-1 -c app",
    ]


def test_render_node_not_ready(capsys: pytest.CaptureFixture[str]) -> None:
    out = _render(capsys, "po-KubeNodeNotReady.md", "--label", "node=node1.example.com")
    assert out == ["kubectl get node node1.example.com -o yaml"]


def test_node_not_ready_sample_notification_is_text() -> None:
    result = parse_runbook_full((PUBLIC / "po-KubeNodeNotReady.md").read_text(), "p.md")
    kinds = [(s.kind, s.phase) for s in result.runbook.sections[0].steps]
    assert kinds == [(StepKind.TEXT, "Diagnosis"), (StepKind.SHELL, "Diagnosis")]


def test_render_kube_proxy_down(capsys: pytest.CaptureFixture[str]) -> None:
    assert _render(capsys, "po-KubeProxyDown.md") == [
        "kubectl get pods -l k8s-app=kube-proxy -n kube-system",
        "kubectl logs -n kube-system kube-proxy-b9g23",
        "kubectl edit cm -n kube-system kube-proxy-config",
        "kubectl delete pod -l k8s-app=kube-proxy -n kube-system",
    ]
    result = parse_runbook_full((PUBLIC / "po-KubeProxyDown.md").read_text(), "p.md")
    edit = result.runbook.sections[0].steps[2]
    assert edit.interactive and edit.phase_path == ("Mitigation", "AWS EKS")
    assert edit.expected_output == "...\nmetricsBindAddress: 0.0.0.0:10249\n..."


def test_render_volume_filling_up(capsys: pytest.CaptureFixture[str]) -> None:
    """The last command puts `<my-pvc>` inside a jq program in backticks: it is printed filled
    and quoted, or refused with the reason (never printed raw as a command)."""
    labels = ["--label", "namespace=shop", "--label", "persistentvolumeclaim=data-db-0"]
    out = _render_out(capsys, "po-KubePersistentVolumeFillingUp.md", *labels)
    commands = _commands(out)
    assert commands[:3] == [
        "kubectl get storageclass `kubectl -n shop get pvc data-db-0 -ojson | jq -r "
        "'.spec.storageClassName'`",
        "kubectl -n shop edit pvc data-db-0",
        "kubectl -n shop get pvc data-db-0",
    ]
    if len(commands) == 4:
        assert commands[3].startswith("kubectl -n shop delete pod `kubectl -n shop get")
        assert "data-db-0" in commands[3] and "<my-" not in commands[3]
    else:
        assert len(commands) == 3 and "# step 4 · shell · destructive" in out
        assert "# needs a value for: " in out.split("# step 4")[1]


def test_volume_filling_up_tree_and_sample_output() -> None:
    result = parse_runbook_full((PUBLIC / "po-KubePersistentVolumeFillingUp.md").read_text(), "p")
    section = result.runbook.sections[0]
    first = section.steps[0]
    assert first.phase == "Mitigation"
    assert first.phase_path == ("Mitigation", "Direct Volume resizing")
    assert first.expected_output.startswith("NAME ") and "kubernetes.io/gce-pd" in (
        first.expected_output
    )
    assert "Mitigation › Data retention" in [" › ".join(p.path) for p in section.phases]
    retention = next(p for p in section.phases if p.title == "Data retention")
    assert (
        retention.gist == "Deleting no longer needed data is the fastest and the cheapest solution."
    )


def test_render_node_filesystem(capsys: pytest.CaptureFixture[str]) -> None:
    out = _render(
        capsys,
        "po-NodeFilesystemSpaceFillingUp.md",
        "--label",
        "instance=node1",
        "--value",
        "instance label from alert=node1",
    )
    assert out == [
        "node_filesystem_free_bytes",
        "NODE_NAME=node1\nkubectl -n default debug node/$NODE_NAME",
    ]


def test_node_filesystem_debug_shell_lines_are_never_run() -> None:
    result = parse_runbook_full((PUBLIC / "po-NodeFilesystemSpaceFillingUp.md").read_text(), "p")
    steps = result.runbook.sections[0].steps
    debug = steps[1]
    assert debug.script and debug.interactive
    assert (
        debug.command
        == "NODE_NAME=<instance label from alert>\nkubectl -n default debug node/$NODE_NAME"
    )
    assert debug.session_lines == ("chroot /host",)
    assert all(not s.kind.runnable for s in steps[2:])  # the TODOs and the exits, in the shell
    assert "exit" in steps[-1].command and "$ " not in steps[-1].command


def test_render_etcd_members_down(capsys: pytest.CaptureFixture[str]) -> None:
    out = _render(capsys, "po-etcdMembersDown.md")
    assert out == [
        "kubectl get nodes -l node-role.kubernetes.io/master=",
        "kubectl get nodes -l node-role.kubernetes.io/master= -o template --template='{{range "
        '.items}}{{"===> node:> "}}{{.metadata.name}}{{"\\n"}}{{range $k, $v := '
        '.metadata.annotations}}{{println $k ":" $v}}{{end}}{{"\\n"}}{{end}}\'',
        "kubectl exec -c etcdctl -n openshift-etcd $(kubectl get po -l app=etcd -oname -n "
        "openshift-etcd | awk -F\"/\" 'NR==1{ print $2 }')",
    ]
    steps = parse_runbook_full((PUBLIC / "po-etcdMembersDown.md").read_text(), "p").runbook
    inside = [s for s in steps.sections[0].steps if "etcdctl version" in s.command]
    assert [s.kind for s in inside] == [StepKind.TEXT]  # typed inside the etcd pod


def test_render_target_down(capsys: pytest.CaptureFixture[str]) -> None:
    out = _render(
        capsys,
        "os-TargetDown.md",
        "--label",
        "namespace=openshift-monitoring",
        "--label",
        "pod=prometheus-k8s-0",
        "--value",
        "SERVICE_MONITOR_NAME=node-exporter",
        "--value",
        "SECRET_NAME=metrics-client-certs",
    )
    assert out == [
        "oc -n openshift-monitoring logs -l 'app.kubernetes.io/name=prometheus' --tail=-1 | \\\n"
        "grep 'Failed to determine correct type of scrape target.*' \\\n"
        "| sort | uniq -c | sort -n",
        "oc top pod prometheus-k8s-0",
        "oc exec -n openshift-monitoring prometheus-k8s-0 -- df",
        "oc get servicemonitor node-exporter -n openshift-monitoring -o yaml",
        "oc extract secret/metrics-client-certs -n openshift-monitoring --keys=tls.crt --to=- "
        "> certificate.crt",
        "openssl x509 -noout -enddate -in certificate.crt",
        "oc logs statefulset/prometheus-k8s -n openshift-monitoring",
        "oc logs deployment/cluster-monitoring-operator -n openshift-monitoring",
        "oc logs deployment/prometheus-operator -n openshift-monitoring",
    ]


def test_target_down_output_is_kept_not_run() -> None:
    steps = (
        parse_runbook_full((PUBLIC / "os-TargetDown.md").read_text(), "p").runbook.sections[0].steps
    )
    logs = steps[0]
    assert logs.expected_output.startswith('msg="Failed to determine correct type')
    assert logs.description == "NAMESPACE='<value of namespace label from alert>'"
    assert [s.kind for s in steps if s.command.startswith("notAfter=")] == [StepKind.TEXT]


def test_render_sidekiq_queue_too_large(capsys: pytest.CaptureFixture[str]) -> None:
    out = _render(capsys, "gl-SidekiqQueueTooLarge.md", "--value", "GITLAB_API_TOKEN_ADMIN=t0ken")
    assert out[:3] == [
        "curl -o /tmp/sq.rb https://gitlab.com/gitlab-com/runbooks/raw/master/scripts/sidekiq/sq.rb",
        "sudo gitlab-rails runner /tmp/sq.rb",
        "sudo gitlab-rails console",
    ]
    assert len(out) == 4 and out[3].startswith("curl --request DELETE --header ")
    assert "t0ken" in out[3] and "$GITLAB_API_TOKEN_ADMIN" not in out[3]


def test_sidekiq_chat_commands_and_console_are_not_run_on_the_bastion() -> None:
    steps = parse_runbook_full((PUBLIC / "gl-SidekiqQueueTooLarge.md").read_text(), "p").runbook
    all_steps = steps.sections[0].steps
    chat = [s for s in all_steps if s.command.startswith("/chatops")]
    assert chat and all(s.kind is StepKind.TEXT for s in chat)
    console = next(s for s in all_steps if s.command == "sudo gitlab-rails console")
    assert console.interactive


def test_postgresql_locking_transcripts(capsys: pytest.CaptureFixture[str]) -> None:
    result = parse_runbook_full((PUBLIC / "gl-postgresql-locking.md").read_text(), "p")
    sql = [s for sec in result.runbook.sections for s in sec.steps if s.kind is StepKind.SQL]
    assert [(s.command.split("\n")[0], s.expected_output) for s in sql] == [
        ("begin", "BEGIN"),
        ("lock TABLE mytable", "LOCK TABLE"),
        ("select count(*) from mytable", ""),
        ("with recursive l as (", ""),
        ("select pg_cancel_backend(<pid>)", ""),
        ("select pg_terminate_backend(<pid>)", ""),
    ]
    inline = [s for sec in result.runbook.sections for s in sec.steps if s.inline]
    assert inline == []  # `\watch 2`, `SELECT`, `kill <pid>` in prose are not commands
    page = str(PUBLIC / "gl-postgresql-locking.md")
    assert main(["runbooks", "render", page, "--alert", "PostgreSQL"]) == 1
    assert "no section covers alert" in capsys.readouterr().err


def test_render_has_no_prompt_or_sample_output(capsys: pytest.CaptureFixture[str]) -> None:
    out = _render(
        capsys,
        "po-KubePersistentVolumeFillingUp.md",
        "--value",
        "my-namespace=a",
        "--value",
        "my-pvc=b",
    )
    joined = "\n".join(out)
    assert "PROVISIONER" not in joined and "$ kubectl" not in joined
    assert len(out) in (3, 4)  # the jq-embedded one may be refused (see above)


@pytest.mark.parametrize("page", sorted(p for p, a in PAGES.items() if a))
def test_every_block_command_is_in_order(page: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Steps come in page order: their line numbers only go up."""
    path = PUBLIC / page
    section = parse_runbook_full(path.read_text(), str(path)).runbook.sections
    owner = next(s for s in section if s.alerts)
    lines = [s.line for s in owner.steps]
    assert lines == sorted(lines) and len(lines) >= 1
