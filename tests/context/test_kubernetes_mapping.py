"""The mapping of recorded API objects (as a 1.29 cluster returns them) to pods and rollouts."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.context.kube_api import crashlooping
from tests.runbooks.kube_api import pod
from warroom.sources.kubernetes_mapping import daemonset_rollout, deployment_status, pod_from


def test_pod_reasons_as_kubectl_shows_them() -> None:
    looping = pod_from(crashlooping("api-1", 7, "2025-01-10T09:52:13Z", reason="OOMKilled"))
    assert (looping.reason, looping.ready, looping.restarts) == ("CrashLoopBackOff", 0, 7)
    recovered = crashlooping("api-2", 3, "2025-01-10T09:52:13Z", reason="OOMKilled")
    recovered["status"]["containerStatuses"][0]["state"] = {
        "running": {"startedAt": "2025-01-10T09:52:30Z"}
    }
    assert pod_from(recovered).reason == "OOMKilled"  # running again: the last termination
    init = pod("api-3", ready=False, restarts=0)
    init["status"]["initContainerStatuses"] = [
        {"name": "migrate", "ready": False, "restartCount": 2, "image": "m:1", "imageID": "",
         "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": {}}
    ]  # fmt: skip
    assert pod_from(init).reason == "Init:CrashLoopBackOff"
    leaving = pod("api-4", ready=True, restarts=0)
    leaving["metadata"]["deletionTimestamp"] = "2025-01-10T09:55:00Z"
    assert pod_from(leaving).reason == "Terminating"
    evicted = pod("api-5", ready=False, restarts=0)
    evicted["status"].update(phase="Failed", reason="Evicted", containerStatuses=[])
    p = pod_from(evicted)
    assert (p.phase, p.reason, p.ready, p.containers) == ("Failed", "Evicted", 0, 1)
    assert p.started_at == datetime(2025, 1, 10, 9, 12, 44, tzinfo=UTC)


def test_deployment_status_from_conditions_and_counts() -> None:
    def dep(**status: object) -> dict[str, object]:
        base = {
            "observedGeneration": 5,
            "replicas": 3,
            "updatedReplicas": 3,
            "availableReplicas": 3,
        }
        return {
            "metadata": {"generation": 5},
            "spec": {"replicas": 3},
            "status": {**base, **status},
        }

    assert deployment_status(dep()) == "complete"
    assert deployment_status(dep(observedGeneration=4)) == "progressing"
    assert deployment_status(dep(updatedReplicas=1, replicas=4)) == "progressing"
    assert deployment_status(dep(availableReplicas=2)) == "progressing"
    failure = {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate"}
    assert deployment_status(dep(conditions=[failure])) == "stalled: FailedCreate"
    paused = dep()
    paused["spec"] = {"replicas": 3, "paused": True}
    assert deployment_status(paused) == "paused"


def test_a_daemonset_rollout() -> None:
    recorded = {
        "kind": "DaemonSet",
        "metadata": {
            "name": "node-agent", "namespace": "ops", "generation": 9,
            "annotations": {"deprecated.daemonset.template.generation": "9"},
        },
        "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "agent:4.2"}]}}},
        "status": {
            "observedGeneration": 9, "desiredNumberScheduled": 5, "currentNumberScheduled": 5,
            "updatedNumberScheduled": 3, "numberReady": 5, "numberAvailable": 5,
            "numberMisscheduled": 0,
        },
    }  # fmt: skip
    r = daemonset_rollout(recorded)
    assert (r.kind, r.name, r.revision, r.desired, r.ready, r.updated) == (
        "daemonset",
        "node-agent",
        "9",
        5,
        5,
        3,
    )
    assert (r.status, r.image) == ("progressing", "agent:4.2")
    recorded["status"]["updatedNumberScheduled"] = 5  # type: ignore[index]
    assert daemonset_rollout(recorded).status == "complete"
