"""Kubernetes steps through the official client.

No Kubernetes API server can run on this machine, so these run against a local HTTP server
on 127.0.0.1 (tests/runbooks/kube_api.py) that serves complete, realistic API objects and
records every PATCH, so we check both kubectl-like output and what was asked of the API.
"""

from __future__ import annotations

from pathlib import Path

from kubernetes import client, config

from tests.runbooks.helpers import Sink, rendered
from tests.runbooks.kube_api import FakeKubeAPI
from warroom.sources.executors.kubectl_call import parse_kubectl
from warroom.sources.executors.kubernetes import KubernetesExecutor


def test_the_fixture_satisfies_the_strict_client(kube_api: FakeKubeAPI, kubeconfig: str) -> None:
    api = config.new_client_from_config(config_file=kubeconfig)
    assert client.VersionApi(api).get_code().git_version == "v1.29.4"
    dep = client.AppsV1Api(api).read_namespaced_deployment("api", "prod")
    assert dep.spec.template.spec.containers[0].image == "registry.example/api:2.4.1"


def test_parse() -> None:
    assert parse_kubectl("kubectl rollout undo deployment/api -n prod") is not None
    assert parse_kubectl("kubectl scale deploy api --replicas=4") is not None
    assert parse_kubectl("kubectl logs -f api-1") is None
    assert parse_kubectl("kubectl get pods -o wide") is None
    assert parse_kubectl("kubectl delete pod api-1") is None
    assert parse_kubectl("kubectl get pods | grep api") is None


def test_no_kubeconfig_means_shell(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert not KubernetesExecutor().handles(rendered("kubectl get pods"))


async def test_rollout_undo_restores_the_previous_template(
    kube_api: FakeKubeAPI, kubeconfig: str
) -> None:
    ex = KubernetesExecutor(kubeconfig=kubeconfig)
    r = rendered("kubectl rollout undo deployment/api -n prod")
    assert ex.handles(r)
    sink = Sink()
    result = await ex.execute(r, sink, 20)
    assert result.exit_code == 0 and sink.lines == ["deployment.apps/api rolled back"]
    patch = [q for q in kube_api.requests if q["method"] == "PATCH"][-1]
    assert patch["content_type"].startswith("application/json-patch+json")
    template = kube_api.deployment["spec"]["template"]
    assert template["spec"]["containers"][0]["image"] == "registry.example/api:2.4.0"
    assert "pod-template-hash" not in template["metadata"]["labels"]


async def test_rollout_restart_status_and_scale(kube_api: FakeKubeAPI, kubeconfig: str) -> None:
    ex = KubernetesExecutor(kubeconfig=kubeconfig)
    restart = await ex.execute(rendered("kubectl rollout restart deployment/api"), Sink(), 20)
    assert restart.output == "deployment.apps/api restarted\n"
    annotations = kube_api.deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["kubectl.kubernetes.io/restartedAt"] != "2025-01-10T09:12:44Z"

    status = await ex.execute(rendered("kubectl rollout status deployment/api -n prod"), Sink(), 20)
    assert status.exit_code == 0
    assert status.output == 'deployment "api" successfully rolled out\n'

    kube_api.deployment["status"]["updatedReplicas"] = 1
    waiting = await ex.execute(
        rendered("kubectl rollout status deployment/api --watch=false"), Sink(), 20
    )
    assert waiting.exit_code == 1 and "1 out of 3 new replicas" in waiting.output

    scale = await ex.execute(
        rendered("kubectl scale deployment/api --replicas=5 -n prod"), Sink(), 20
    )
    assert scale.output == "deployment.apps/api scaled\n"
    assert kube_api.deployment["spec"]["replicas"] == 5


async def test_get_pods_and_logs(kube_api: FakeKubeAPI, kubeconfig: str) -> None:
    ex = KubernetesExecutor(kubeconfig=kubeconfig)
    pods = await ex.execute(rendered("kubectl get pods -l app=api"), Sink(), 20)
    lines = pods.output.splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert lines[3].split()[:4] == ["api-7d9f8c6b5-tm5zw", "0/1", "CrashLoopBackOff", "7"]
    listed = [q for q in kube_api.requests if q["path"].endswith("/pods")][-1]
    assert listed["query"]["labelSelector"] == ["app=api"]

    names = await ex.execute(rendered("kubectl get pods -o name"), Sink(), 20)
    assert names.output.splitlines()[0] == "pod/api-7d9f8c6b5-2xk9p"

    logs = await ex.execute(rendered("kubectl logs api-7d9f8c6b5-tm5zw --tail=2"), Sink(), 20)
    assert logs.exit_code == 0 and len(logs.output.splitlines()) == 2
    assert "upstream timeout" in logs.output


async def test_not_found_is_kubectls_error(kube_api: FakeKubeAPI, kubeconfig: str) -> None:
    ex = KubernetesExecutor(kubeconfig=kubeconfig)
    result = await ex.execute(rendered("kubectl rollout undo deployment/nosuch"), Sink(), 20)
    assert result.exit_code == 1
    assert result.output == 'Error from server (NotFound): deployments.apps "nosuch" not found\n'
