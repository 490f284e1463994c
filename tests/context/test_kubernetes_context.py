"""The kubernetes context source against a local API server (tests/context/kube_api.py).

No Kubernetes API server can run on this machine: these run against recorded, complete API
objects (Deployment, ReplicaSets, Pods, Events as a 1.29 cluster returns them) served on
127.0.0.1 with list and watch semantics; the tests change the served objects as the cluster's
controllers would (a new ReplicaSet for a rollout, a pod that crashloops).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.context.bad_server import BadServer
from tests.context.kube_api import CREATED, FakeKubeCluster, crashlooping, replica_set, warning
from warroom.domain.clock import FrozenClock
from warroom.domain.errors import (
    SourceAuthError,
    SourceBadResponse,
    SourceTimeout,
    SourceUnavailable,
)
from warroom.domain.service_context import ChangeKind, ServiceContextSource
from warroom.sources.kubeconfig import kubernetes_reachable
from warroom.sources.kubernetes_context import KubernetesContextSource
from warroom.sources.kubernetes_mapping import selector_string

SINCE = datetime(2025, 1, 10, 9, 30, tzinfo=UTC)  # the window: the objects' CREATED is before
NOW = datetime(2025, 1, 10, 10, 0, tzinfo=UTC)


def _source(path: str, **kwargs: object) -> KubernetesContextSource:
    return KubernetesContextSource(
        kubeconfig=path,
        timeout_s=5,
        clock=FrozenClock(NOW),
        environ={},
        **kwargs,  # type: ignore[arg-type]
    )


def _roll_out(kube: FakeKubeCluster) -> None:
    """What the deployment controller does for `kubectl set image deploy/api api=…:2.5.0`:
    a ReplicaSet of revision 3 at 09:40, its first pod crashlooping, the old one scaled down."""
    new = replica_set(3, "registry.example/api:2.5.0", "6f7a8b9c0", 1)
    new["metadata"]["creationTimestamp"] = "2025-01-10T09:40:00Z"
    kube.put(new)
    dep = kube.get("Deployment", "api")
    dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "3"
    dep["metadata"]["generation"] += 1
    dep["spec"]["template"]["spec"]["containers"][0]["image"] = "registry.example/api:2.5.0"
    dep["status"].update(observedGeneration=dep["metadata"]["generation"], replicas=4, updatedReplicas=1, readyReplicas=2, availableReplicas=2)  # fmt: skip
    dep["status"]["conditions"][1].update(reason="ReplicaSetUpdated", message='ReplicaSet "api-6f7a8b9c0" is progressing.')  # fmt: skip
    kube.put(dep)
    bad = crashlooping("api-6f7a8b9c0-q7n2d", 4, "2025-01-10T09:52:13Z", reason="OOMKilled")
    bad["metadata"]["labels"]["pod-template-hash"] = "6f7a8b9c0"
    bad["metadata"]["ownerReferences"][0].update(name="api-6f7a8b9c0", uid="rs-6f7a8b9c0")
    bad["spec"]["containers"][0]["image"] = "registry.example/api:2.5.0"
    bad["metadata"]["creationTimestamp"] = bad["status"]["startTime"] = "2025-01-10T09:40:02Z"
    kube.put(bad)
    at = "2025-01-10T09:52:20Z"
    kube.put(warning("ev-backoff", "Pod", "api-6f7a8b9c0-q7n2d", "BackOff", "Back-off restarting\nfailed container api", at))  # fmt: skip
    kube.put(warning("ev-other", "Pod", "billing-5d9-x2", "BackOff", "not ours", at))
    old = warning(
        "ev-old", "Pod", "api-7d9f8c6b5-2xk9p", "Unhealthy", "Readiness probe failed", CREATED
    )
    kube.put(old)  # before the window


async def test_the_workload_its_pods_and_rollout(kube: FakeKubeCluster, tmp_path: Path) -> None:
    source = _source(kube.kubeconfig(str(tmp_path / "config"), current="prod-eu"))
    assert isinstance(source, ServiceContextSource)
    ctx = await source.context("api", SINCE)
    assert ctx.source == "kubernetes" and ctx.fetched_at == NOW and ctx.error is None
    (rollout,) = ctx.rollouts
    assert (rollout.kind, rollout.name, rollout.namespace) == ("deployment", "api", "prod")
    assert (rollout.revision, rollout.previous_revision, rollout.status) == ("2", "1", "complete")
    assert (rollout.desired, rollout.ready, rollout.updated) == (3, 3, 3)
    assert rollout.image == "registry.example/api:2.4.1"
    assert [p.name for p in ctx.pods] == ["api-7d9f8c6b5-2xk9p", "api-7d9f8c6b5-8fjq4"]
    p = ctx.pods[0]
    assert (p.phase, p.ready, p.containers, p.restarts, p.node, p.reason) == ("Running", 1, 1, 0, "node-a", "")  # fmt: skip
    assert p.started_at == datetime(2025, 1, 10, 9, 12, 44, tzinfo=UTC)
    assert ctx.changes == ()  # nothing in the window yet
    asked = [unquote(r) for r in kube.requests]
    assert "/apis/apps/v1/deployments?labelSelector=app.kubernetes.io/name=api" in asked
    await source.aclose()


async def test_a_rollout_and_a_crashlooping_pod(kube: FakeKubeCluster, tmp_path: Path) -> None:
    source = _source(kube.kubeconfig(str(tmp_path / "config"), current="prod-eu"))
    await source.context("api", SINCE)
    _roll_out(kube)
    ctx = await source.context("api", SINCE)
    await source.aclose()
    (rollout,) = ctx.rollouts
    assert (rollout.revision, rollout.previous_revision, rollout.status) == (
        "3",
        "2",
        "progressing",
    )
    assert rollout.image == "registry.example/api:2.5.0"
    crashing = next(p for p in ctx.pods if p.name == "api-6f7a8b9c0-q7n2d")
    assert (crashing.reason, crashing.restarts, crashing.ready) == ("CrashLoopBackOff", 4, 0)
    assert [(c.kind, c.text) for c in ctx.changes] == [
        (ChangeKind.WARNING, "BackOff: Back-off restarting failed container api"),
        (ChangeKind.OOM, "api-6f7a8b9c0-q7n2d/api restarted (OOMKilled, exit 137)"),
        (ChangeKind.DEPLOY, "revision 3 rolled out (registry.example/api:2.5.0)"),
    ]
    assert ctx.changes[2].at == datetime(2025, 1, 10, 9, 40, tzinfo=UTC)  # the new RS's creation
    assert ctx.changes[2].key == "kubernetes:rs:rs-6f7a8b9c0"
    assert ctx.changes[0].key == "kubernetes:event:ev-backoff"
    assert ctx.changes[1].key == "kubernetes:restart:pod-api-6f7a8b9c0-q7n2d:api:4"
    assert ctx.changes[0].subject == "pod/api-6f7a8b9c0-q7n2d"


async def test_a_rollback_and_a_stall(kube: FakeKubeCluster, tmp_path: Path) -> None:
    """`kubectl rollout undo` reuses the old ReplicaSet (revision 1 becomes 4): no new RS, so
    the revision seen changing between two polls is the deploy."""
    source = _source(kube.kubeconfig(str(tmp_path / "config"), current="prod-eu"))
    await source.context("api", SINCE)
    old = kube.get("ReplicaSet", "api-5c8b9d7f4")
    old["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "4"
    kube.put(old)
    dep = kube.get("Deployment", "api")
    dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "4"
    dep["status"]["conditions"][1].update(status="False", reason="ProgressDeadlineExceeded")
    kube.put(dep)
    ctx = await source.context("api", SINCE)
    again = await source.context("api", SINCE)
    await source.aclose()
    (rollout,) = ctx.rollouts
    assert (rollout.revision, rollout.previous_revision) == ("4", "2")
    assert rollout.status == "stalled: ProgressDeadlineExceeded"
    deploys = [c for c in ctx.changes if c.kind is ChangeKind.DEPLOY]
    assert [c.text for c in deploys] == [
        "revision 4 rolled out (was 2; registry.example/api:2.4.1)"
    ]
    assert deploys[0].at == NOW
    assert [c.key for c in again.changes] == [c.key for c in ctx.changes]  # kept, said once


async def test_the_second_label_and_a_hostile_service(
    kube: FakeKubeCluster, tmp_path: Path
) -> None:
    source = _source(kube.kubeconfig(str(tmp_path / "config"), current="prod-eu"))
    assert (await source.context("api", SINCE)).rollouts  # found by `app=api`
    assert "/apis/apps/v1/deployments?labelSelector=app=api" in map(unquote, kube.requests)
    kube.requests.clear()
    for hostile in ("api,tier!=x", "api)", "-api", "a" * 64, "", None):
        ctx = await source.context(hostile, SINCE)
        assert ctx.rollouts == () and ctx.pods == ()
    assert kube.requests == []  # refused before any request
    await source.aclose()


async def test_a_configured_namespace_or_the_context_s_when_forbidden(
    kube: FakeKubeCluster, tmp_path: Path
) -> None:
    path = kube.kubeconfig(str(tmp_path / "config"), current="prod-eu")
    named = _source(path, namespace="prod")
    assert (await named.context("api", SINCE)).rollouts
    await named.aclose()
    assert all("/namespaces/prod/" in r for r in kube.requests if "deployments" in r)
    kube.forbid_cluster_lists = True
    anywhere = _source(path)
    ctx = await anywhere.context("api", SINCE)
    await anywhere.aclose()
    assert [r.name for r in ctx.rollouts] == ["api"]


async def test_kubeconfig_merged_as_kubectl_does(tmp_path: Path) -> None:
    """KUBECONFIG=first:second, each with its own current-context: kubectl uses the first
    file's (the client alone would take the last's). Two servers tell them apart."""
    first, second = FakeKubeCluster(name="eu"), FakeKubeCluster(name="us")
    first.start()
    second.start()
    try:
        dep = second.get("Deployment", "api")
        dep["spec"]["template"]["spec"]["containers"][0]["image"] = "registry.example/api:us"
        second.put(dep)
        a = first.kubeconfig(str(tmp_path / "a"), current="eu")
        b = second.kubeconfig(str(tmp_path / "b"), current="us")
        merged = KubernetesContextSource(environ={"KUBECONFIG": f"{a}{os.pathsep}{b}"}, timeout_s=5)
        assert (await merged.context("api", SINCE)).rollouts[
            0
        ].image == "registry.example/api:2.4.1"
        await merged.aclose()
        assert first.requests and not second.requests
        # the first file sets no current-context: the next one that does chooses
        a = first.kubeconfig(str(tmp_path / "a"))
        later = KubernetesContextSource(environ={"KUBECONFIG": f"{a}{os.pathsep}{b}"}, timeout_s=5)
        assert (await later.context("api", SINCE)).rollouts[0].image == "registry.example/api:us"
        await later.aclose()
        # a context named in the config wins over both
        chosen = KubernetesContextSource(
            kubeconfig=f"{b}{os.pathsep}{a}", context="eu", timeout_s=5
        )
        assert (await chosen.context("api", SINCE)).rollouts[
            0
        ].image == "registry.example/api:2.4.1"
        await chosen.aclose()
    finally:
        first.stop()
        second.stop()


def test_reachable_only_with_a_kubeconfig(tmp_path: Path) -> None:
    assert not kubernetes_reachable(
        "", {"KUBECONFIG": str(tmp_path / "none"), "HOME": str(tmp_path)}
    )
    (tmp_path / "k").write_text("apiVersion: v1\nkind: Config\n")
    assert kubernetes_reachable("", {"KUBECONFIG": f"{tmp_path / 'none'}:{tmp_path / 'k'}"})


def test_selectors_of_a_workload() -> None:
    spec = {
        "matchLabels": {"app": "api", "tier": "web"},
        "matchExpressions": [
            {"key": "track", "operator": "In", "values": ["stable", "canary"]},
            {"key": "legacy", "operator": "DoesNotExist"},
        ],
    }
    assert selector_string(spec) == "app=api,tier=web,track in (stable,canary),!legacy"
    assert selector_string({}) == ""


# --- failures: one line, a SourceError, never a hang -------------------------------------


def _config_at(url: str, tmp_path: Path) -> str:
    path = tmp_path / "bad"
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: c\n  cluster:\n    server: {url}\n"
        "users:\n- name: u\n  user:\n    token: t\n"
        "contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n"
        "current-context: c\n"
    )
    return str(path)


@pytest.mark.parametrize(
    ("mode", "error", "says"),
    [
        (
            "500",
            SourceBadResponse,
            "kubernetes: the API answered 500: internal error: etcd cluster is unavailable",
        ),
        ("garbage", SourceBadResponse, "kubernetes: the API answered something that is not JSON"),
        ("hang", SourceTimeout, "kubernetes: the API at http://127.0.0.1:"),
    ],
)
async def test_a_misbehaving_api(
    bad_server: BadServer, tmp_path: Path, mode: str, error: type[Exception], says: str
) -> None:
    bad_server.mode = mode
    source = KubernetesContextSource(kubeconfig=_config_at(bad_server.url, tmp_path), timeout_s=0.5)
    with pytest.raises(error) as err:
        await source.context("api", SINCE)
    assert str(err.value).startswith(says) and "\n" not in str(err.value)


async def test_api_down_and_no_kubeconfig(tmp_path: Path) -> None:
    down = KubernetesContextSource(
        kubeconfig=_config_at("http://127.0.0.1:9", tmp_path), timeout_s=1
    )
    with pytest.raises(SourceUnavailable, match=r"^kubernetes: the API at http://127.0.0.1:9 is not reachable$"):  # fmt: skip
        await down.context("api", SINCE)
    none = KubernetesContextSource(environ={"KUBECONFIG": str(tmp_path / "none")})
    with pytest.raises(SourceUnavailable, match="no kubeconfig found"):
        await none.context("api", SINCE)
    (tmp_path / "broken").write_text("clusters: [unclosed\n")
    broken = KubernetesContextSource(kubeconfig=str(tmp_path / "broken"))
    with pytest.raises(SourceUnavailable, match="cannot read kubeconfig"):
        await broken.context("api", SINCE)


async def test_forbidden_everywhere_is_an_auth_error(kube: FakeKubeCluster, tmp_path: Path) -> None:
    kube.forbid_all = True
    source = _source(kube.kubeconfig(str(tmp_path / "config"), current="prod-eu"))
    with pytest.raises(SourceAuthError) as err:
        await source.context("api", SINCE)
    assert str(err.value).startswith("kubernetes: the API refused these credentials (403: ")
    assert 'cannot list resource "deployments"' in str(err.value)
    # refused credentials are loaded again next time (an exec or OIDC token that expired)
    kube.kubeconfig(str(tmp_path / "config"), current="prod-eu", token="fresh-token")
    kube.forbid_all = False
    assert (await source.context("api", SINCE)).rollouts
    await source.aclose()
    assert kube.tokens[0] == "Bearer not-a-secret" and kube.tokens[-1] == "Bearer fresh-token"


def _statefulset(update: str, current: str, ready: int) -> dict[str, object]:
    """A StatefulSet as the API returns it, mid-rollout when `update` != `current`."""
    return {
        "kind": "StatefulSet",
        "apiVersion": "apps/v1",
        "metadata": {
            "name": "queue", "namespace": "prod", "uid": "sts-queue", "generation": 4,
            "creationTimestamp": CREATED, "labels": {"app.kubernetes.io/name": "queue"},
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app.kubernetes.io/name": "queue"}},
            "serviceName": "queue",
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "queue"}},
                "spec": {"containers": [{"name": "queue", "image": "registry.example/queue:3.1"}]},
            },
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        },
        "status": {
            "observedGeneration": 4, "replicas": 3, "readyReplicas": ready, "currentReplicas": 3,
            "updatedReplicas": 3 if update == current else 1,
            "currentRevision": current, "updateRevision": update, "collisionCount": 0,
        },
    }  # fmt: skip


async def test_a_statefulset_rollout(kube: FakeKubeCluster, tmp_path: Path) -> None:
    kube.put(_statefulset("queue-5d8f7c9b6", "queue-5d8f7c9b6", 3))
    source = _source(kube.kubeconfig(str(tmp_path / "config"), current="prod-eu"))
    (done,) = (await source.context("queue", SINCE)).rollouts
    assert (done.kind, done.revision, done.previous_revision, done.status) == (
        "statefulset", "queue-5d8f7c9b6", "", "complete",
    )  # fmt: skip
    kube.put(_statefulset("queue-7b4c9d2e1", "queue-5d8f7c9b6", 2))
    ctx = await source.context("queue", SINCE)
    await source.aclose()
    (moving,) = ctx.rollouts
    assert (moving.revision, moving.previous_revision, moving.status) == (
        "queue-7b4c9d2e1", "queue-5d8f7c9b6", "progressing",
    )  # fmt: skip
    assert [c.text for c in ctx.changes if c.kind is ChangeKind.DEPLOY] == [
        "revision queue-7b4c9d2e1 rolled out (was queue-5d8f7c9b6; registry.example/queue:3.1)"
    ]


def test_the_served_api_lists_and_watches_like_a_cluster(
    kube: FakeKubeCluster, tmp_path: Path
) -> None:
    """The fixture itself, read by the official client: a list's resourceVersion, then a watch
    from it sees only what changed after (what any informer-style caller relies on)."""
    from kubernetes import client, config, watch

    api = config.new_client_from_config(
        config_file=kube.kubeconfig(str(tmp_path / "c"), current="prod-eu")
    )
    core = client.CoreV1Api(api)
    listed = core.list_namespaced_pod("prod", label_selector="app=api")
    assert len(listed.items) == 2
    kube.put(crashlooping("api-7d9f8c6b5-zz9k1", 1, "2025-01-10T09:50:00Z"))
    kube.delete("Pod", "api-7d9f8c6b5-2xk9p")
    seen = [
        (e["type"], e["object"].metadata.name)
        for e in watch.Watch().stream(
            core.list_namespaced_pod,
            "prod",
            resource_version=listed.metadata.resource_version,
            timeout_seconds=1,
        )
    ]
    api.close()
    assert seen == [("ADDED", "api-7d9f8c6b5-zz9k1"), ("DELETED", "api-7d9f8c6b5-2xk9p")]
