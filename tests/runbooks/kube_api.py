"""A local stand-in for a Kubernetes API server, for the kubernetes executor's tests.

No API server can run on this machine (nothing in Debian or PyPI ships one), so this serves
complete, realistic API objects (shaped like those a 1.29 cluster returns, every field the
official client validates present) for: /version, a Deployment and its scale subresource,
its ReplicaSets (two revisions), the Pod list, a Pod and its log. PATCH requests are applied
(merge patch or JSON patch) and recorded so tests can check what the executor asked for.
"""

from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

NS = "prod"
UID = "5c1e6c1a-8d1f-4a4b-9a53-0d3f4ad2e7a1"
CREATED = "2025-01-10T09:12:44Z"


def _template(image: str, hash_: str) -> dict[str, Any]:
    return {
        "metadata": {
            "creationTimestamp": None,
            "labels": {"app": "api", "pod-template-hash": hash_},
            "annotations": {"kubectl.kubernetes.io/restartedAt": "2025-01-10T09:12:44Z"},
        },
        "spec": {
            "containers": [
                {
                    "name": "api",
                    "image": image,
                    "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                    "resources": {"limits": {"memory": "512Mi"}, "requests": {"cpu": "250m"}},
                    "readinessProbe": {
                        "httpGet": {"path": "/health", "port": 8080, "scheme": "HTTP"},
                        "periodSeconds": 5,
                        "timeoutSeconds": 1,
                        "successThreshold": 1,
                        "failureThreshold": 3,
                    },
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "imagePullPolicy": "IfNotPresent",
                }
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
            "securityContext": {},
        },
    }


def deployment() -> dict[str, Any]:
    template = _template("registry.example/api:2.4.1", "7d9f8c6b5")
    template["metadata"]["labels"].pop("pod-template-hash")
    return {
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "metadata": {
            "name": "api",
            "namespace": NS,
            "uid": UID,
            "resourceVersion": "884211",
            "generation": 7,
            "creationTimestamp": CREATED,
            "labels": {"app": "api"},
            "annotations": {"deployment.kubernetes.io/revision": "2"},
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "api"}},
            "template": template,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": {
            "observedGeneration": 7,
            "replicas": 3,
            "updatedReplicas": 3,
            "readyReplicas": 3,
            "availableReplicas": 3,
            "conditions": [
                {
                    "type": "Available",
                    "status": "True",
                    "lastUpdateTime": CREATED,
                    "lastTransitionTime": CREATED,
                    "reason": "MinimumReplicasAvailable",
                    "message": "Deployment has minimum availability.",
                },
                {
                    "type": "Progressing",
                    "status": "True",
                    "lastUpdateTime": CREATED,
                    "lastTransitionTime": CREATED,
                    "reason": "NewReplicaSetAvailable",
                    "message": 'ReplicaSet "api-7d9f8c6b5" has successfully progressed.',
                },
            ],
        },
    }


def replica_set(revision: int, image: str, hash_: str, replicas: int) -> dict[str, Any]:
    return {
        "kind": "ReplicaSet",
        "apiVersion": "apps/v1",
        "metadata": {
            "name": f"api-{hash_}",
            "namespace": NS,
            "uid": f"rs-{hash_}",
            "resourceVersion": str(880000 + revision),
            "generation": 1,
            "creationTimestamp": CREATED,
            "labels": {"app": "api", "pod-template-hash": hash_},
            "annotations": {
                "deployment.kubernetes.io/desired-replicas": "3",
                "deployment.kubernetes.io/max-replicas": "4",
                "deployment.kubernetes.io/revision": str(revision),
            },
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": "api",
                    "uid": UID,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "api", "pod-template-hash": hash_}},
            "template": _template(image, hash_),
        },
        "status": {
            "replicas": replicas,
            "fullyLabeledReplicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
            "observedGeneration": 1,
        },
    }


def pod(name: str, *, ready: bool, restarts: int, waiting: str | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {"running": {"startedAt": CREATED}}
    if waiting:
        state = {
            "waiting": {"reason": waiting, "message": "back-off 5m0s restarting failed container"}
        }
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "generateName": "api-7d9f8c6b5-",
            "namespace": NS,
            "uid": f"pod-{name}",
            "resourceVersion": "884300",
            "creationTimestamp": CREATED,
            "labels": {"app": "api", "pod-template-hash": "7d9f8c6b5"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "api-7d9f8c6b5",
                    "uid": "rs-7d9f8c6b5",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            **_template("registry.example/api:2.4.1", "7d9f8c6b5")["spec"],
            "nodeName": "node-a",
            "serviceAccountName": "default",
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "lastProbeTime": None,
                    "lastTransitionTime": CREATED,
                }
            ],
            "hostIP": "10.0.0.11",
            "podIP": "10.244.1.17",
            "startTime": CREATED,
            "qosClass": "Burstable",
            "containerStatuses": [
                {
                    "name": "api",
                    "state": state,
                    "lastState": {},
                    "ready": ready,
                    "restartCount": restarts,
                    "image": "registry.example/api:2.4.1",
                    "imageID": "registry.example/api@sha256:" + "ab" * 32,
                    "containerID": "containerd://" + "cd" * 32,
                    "started": ready,
                }
            ],
        },
    }


VERSION = {
    "major": "1",
    "minor": "29",
    "gitVersion": "v1.29.4",
    "gitCommit": "55019c83b0fd51ef4ced8c29eec2c4847f896e74",
    "gitTreeState": "clean",
    "buildDate": "2024-04-16T15:03:19Z",
    "goVersion": "go1.21.9",
    "compiler": "gc",
    "platform": "linux/amd64",
}

LOG = "".join(
    f'2025-01-10T09:{m:02d}:00Z level=error msg="upstream timeout" route=/tasks\n'
    for m in range(30)
)


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for k, v in patch.items():
        if isinstance(v, dict) and isinstance(target.get(k), dict):
            _merge(target[k], v)
        else:
            target[k] = v


class FakeKubeAPI:
    def __init__(self) -> None:
        self.deployment = deployment()
        self.replica_sets = [
            replica_set(1, "registry.example/api:2.4.0", "5c8b9d7f4", 0),
            replica_set(2, "registry.example/api:2.4.1", "7d9f8c6b5", 3),
        ]
        self.pods = [
            pod("api-7d9f8c6b5-2xk9p", ready=True, restarts=0),
            pod("api-7d9f8c6b5-8fjq4", ready=True, restarts=1),
            pod("api-7d9f8c6b5-tm5zw", ready=False, restarts=7, waiting="CrashLoopBackOff"),
        ]
        self.requests: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def kubeconfig(self, path: str) -> str:
        text = f"""apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: {self.url}
users:
- name: commander
  user:
    token: not-a-secret
contexts:
- name: test
  context:
    cluster: test
    user: commander
    namespace: {NS}
current-context: test
"""
        with open(path, "w") as fh:
            fh.write(text)
        return path

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, code: int, body: Any, content_type: str = "application/json") -> None:
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _not_found(self, kind: str, name: str) -> None:
                self._send(
                    404,
                    {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "metadata": {},
                        "status": "Failure",
                        "message": f'{kind} "{name}" not found',
                        "reason": "NotFound",
                        "details": {"name": name, "kind": kind},
                        "code": 404,
                    },
                )

            def do_GET(self) -> None:
                self._route("GET", None)

            def do_PATCH(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"null")
                self._route("PATCH", body)

            def _route(self, method: str, body: Any) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                api.requests.append(
                    {
                        "method": method,
                        "path": url.path,
                        "query": query,
                        "body": body,
                        "content_type": self.headers.get("Content-Type", ""),
                    }
                )
                parts = url.path.strip("/").split("/")
                dep_path = ["apis", "apps", "v1", "namespaces", NS, "deployments"]
                if url.path.rstrip("/") == "/version":
                    return self._send(200, VERSION)
                if parts[:6] == dep_path and len(parts) >= 7:
                    if parts[6] != "api":
                        return self._not_found("deployments.apps", parts[6])
                    if len(parts) == 8 and parts[7] == "scale":
                        if method == "PATCH":
                            api.deployment["spec"]["replicas"] = body["spec"]["replicas"]
                        d = api.deployment
                        return self._send(
                            200,
                            {
                                "kind": "Scale",
                                "apiVersion": "autoscaling/v1",
                                "metadata": {
                                    "name": "api",
                                    "namespace": NS,
                                    "uid": UID,
                                    "resourceVersion": "884212",
                                    "creationTimestamp": CREATED,
                                },
                                "spec": {"replicas": d["spec"]["replicas"]},
                                "status": {
                                    "replicas": d["status"]["replicas"],
                                    "selector": "app=api",
                                },
                            },
                        )
                    if method == "PATCH":
                        if isinstance(body, list):
                            for op in body:
                                keys = op["path"].strip("/").split("/")
                                target = api.deployment
                                for k in keys[:-1]:
                                    target = target[k]
                                target[keys[-1]] = copy.deepcopy(op["value"])
                        else:
                            _merge(api.deployment, body)
                        api.deployment["metadata"]["generation"] += 1
                        api.deployment["status"]["observedGeneration"] += 1
                    return self._send(200, api.deployment)
                if parts[:6] == ["apis", "apps", "v1", "namespaces", NS, "replicasets"]:
                    return self._send(
                        200,
                        {
                            "kind": "ReplicaSetList",
                            "apiVersion": "apps/v1",
                            "metadata": {"resourceVersion": "884400"},
                            "items": api.replica_sets,
                        },
                    )
                if parts[:5] == ["api", "v1", "namespaces", NS, "pods"]:
                    if len(parts) == 5:
                        return self._send(
                            200,
                            {
                                "kind": "PodList",
                                "apiVersion": "v1",
                                "metadata": {"resourceVersion": "884401"},
                                "items": api.pods,
                            },
                        )
                    match = [p for p in api.pods if p["metadata"]["name"] == parts[5]]
                    if not match:
                        return self._not_found("pods", parts[5])
                    if len(parts) == 7 and parts[6] == "log":
                        lines = LOG.splitlines(keepends=True)
                        tail = int(query.get("tailLines", ["0"])[0] or 0)
                        return self._send(
                            200, "".join(lines[-tail:] if tail else lines), "text/plain"
                        )
                    return self._send(200, match[0])
                return self._not_found("resource", url.path)

        return Handler
