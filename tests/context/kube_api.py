"""A local stand-in for a Kubernetes API server, for the kubernetes context source's tests.

No API server can run on this machine, so this serves recorded, complete API objects (shaped
as a 1.29 cluster returns them: the runbook tests' Deployment, ReplicaSets and Pods from
tests/runbooks/kube_api.py, plus core/v1 Events) with list and watch semantics: every list
carries the store's `resourceVersion`, `labelSelector` (equality, `in`, `notin`, existence) and
`fieldSelector` (`type=`, `involvedObject.name=`) are applied, and `?watch=1` streams
ADDED/MODIFIED/DELETED events after the given `resourceVersion` until `timeoutSeconds`.
Tests change the served objects with `put`/`delete`, as a controller would.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.context.bad_server import LocalServer
from tests.runbooks.kube_api import CREATED, NS, UID, VERSION, deployment, pod, replica_set

Obj = dict[str, Any]
# the collections served: (API prefix, resource) -> kind
RESOURCES = {
    ("apis/apps/v1", "deployments"): "Deployment",
    ("apis/apps/v1", "statefulsets"): "StatefulSet",
    ("apis/apps/v1", "daemonsets"): "DaemonSet",
    ("apis/apps/v1", "replicasets"): "ReplicaSet",
    ("api/v1", "pods"): "Pod",
    ("api/v1", "events"): "Event",
}
_SET = re.compile(r"^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$")


def warning(uid: str, kind: str, name: str, reason: str, message: str, at: str) -> Obj:
    """A core/v1 Event as the kubelet or a controller records it."""
    return {
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": {
            "name": f"{name}.{uid}",
            "namespace": NS,
            "uid": uid,
            "resourceVersion": "1",
            "creationTimestamp": at,
        },
        "involvedObject": {
            "kind": kind,
            "namespace": NS,
            "name": name,
            "uid": f"{kind.lower()}-{name}",
            "apiVersion": "v1" if kind == "Pod" else "apps/v1",
            "resourceVersion": "884300",
            "fieldPath": "spec.containers{api}" if kind == "Pod" else "",
        },
        "reason": reason,
        "message": message,
        "source": {"component": "kubelet", "host": "node-a"},
        "firstTimestamp": at,
        "lastTimestamp": at,
        "count": 1,
        "type": "Warning",
        "eventTime": None,
        "reportingComponent": "kubelet",
        "reportingInstance": "node-a",
    }


def crashlooping(name: str, restarts: int, finished: str, reason: str = "Error") -> Obj:
    """A pod of the current ReplicaSet whose container keeps dying."""
    p = pod(name, ready=False, restarts=restarts, waiting="CrashLoopBackOff")
    p["status"]["containerStatuses"][0]["lastState"] = {
        "terminated": {
            "exitCode": 137 if reason == "OOMKilled" else 1,
            "reason": reason,
            "startedAt": CREATED,
            "finishedAt": finished,
            "containerID": "containerd://" + "ef" * 32,
        }
    }
    return p


def _matches(labels: dict[str, str], selector: str) -> bool:
    for term in (t.strip() for t in re.split(r",(?![^()]*\))", selector) if t.strip()):
        if m := _SET.match(term):
            key, op, values = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",")}
            if (labels.get(key) in values) != (op == "in"):
                return False
        elif "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, value = term.split("=", 1)
            if labels.get(key.rstrip("=")) != value.lstrip("="):
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def _field(obj: Obj, path: str) -> Any:
    for part in path.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


class FakeKubeCluster(LocalServer):
    def __init__(self, *, name: str = "test") -> None:
        self.name = name
        self.lock = threading.Condition()
        self.version = 884400
        self.objects: dict[tuple[str, str, str], Obj] = {}  # (kind, namespace, name) -> obj
        self.log: list[tuple[int, str, Obj]] = []  # (resourceVersion, type, object)
        self.requests: list[str] = []
        self.tokens: list[str] = []  # the Authorization header of each request
        self.forbid_cluster_lists = False  # 403 for lists across namespaces
        self.forbid_all = False  # 403 for every list
        for obj in (
            deployment(),
            replica_set(1, "registry.example/api:2.4.0", "5c8b9d7f4", 0),
            replica_set(2, "registry.example/api:2.4.1", "7d9f8c6b5", 3),
            pod("api-7d9f8c6b5-2xk9p", ready=True, restarts=0),
            pod("api-7d9f8c6b5-8fjq4", ready=True, restarts=0),
        ):
            self.put(obj)
        super().__init__()

    def put(self, obj: Obj) -> Obj:
        """Create or replace an object, as the API server stores it (a new resourceVersion)."""
        with self.lock:
            obj = copy.deepcopy(obj)
            meta = obj["metadata"]
            key = (obj["kind"], meta.get("namespace", NS), meta["name"])
            self.version += 1
            meta["resourceVersion"] = str(self.version)
            kind = "MODIFIED" if key in self.objects else "ADDED"
            self.objects[key] = obj
            self.log.append((self.version, kind, copy.deepcopy(obj)))
            self.lock.notify_all()
            return obj

    def delete(self, kind: str, name: str) -> None:
        with self.lock:
            obj = self.objects.pop((kind, NS, name))
            self.version += 1
            self.log.append((self.version, "DELETED", obj))
            self.lock.notify_all()

    def get(self, kind: str, name: str) -> Obj:
        return copy.deepcopy(self.objects[(kind, NS, name)])

    def kubeconfig(
        self, path: str, *, current: str | None = None, extra: str = "", token: str = "not-a-secret"
    ) -> str:
        """A kubeconfig file whose context (named after this cluster) points here."""
        text = (
            "apiVersion: v1\nkind: Config\n"
            f"clusters:\n- name: {self.name}\n  cluster:\n    server: {self.url}\n"
            f"users:\n- name: {self.name}-user\n  user:\n    token: {token}\n"
            f"contexts:\n- name: {self.name}\n  context:\n    cluster: {self.name}\n"
            f"    user: {self.name}-user\n    namespace: {NS}\n{extra}"
        )
        if current is not None:
            text += f"current-context: {current}\n"
        with open(path, "w") as fh:
            fh.write(text)
        return path

    def _select(self, kind: str, namespace: str | None, query: dict[str, list[str]]) -> list[Obj]:
        labels = query.get("labelSelector", [""])[0]
        fields = query.get("fieldSelector", [""])[0]
        found = []
        for (k, ns, _), obj in sorted(self.objects.items()):
            if k != kind or (namespace is not None and ns != namespace):
                continue
            if labels and not _matches(obj["metadata"].get("labels") or {}, labels):
                continue
            wanted = [f.split("=", 1) for f in fields.split(",") if "=" in f]
            if any(str(_field(obj, path)) != value for path, value in wanted):
                continue
            found.append(obj)
        return found

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        cluster = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, as a server's do

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, code: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _status(self, code: int, reason: str, message: str) -> None:
                body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
                self._send(code, {**body, "message": message, "reason": reason, "code": code})

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                cluster.requests.append(self.path)
                cluster.tokens.append(self.headers.get("Authorization", ""))
                if url.path == "/version":
                    return self._send(200, VERSION)
                parts = url.path.strip("/").split("/")
                prefix = "/".join(parts[:3]) if parts[0] == "apis" else "/".join(parts[:2])
                rest = parts[3:] if parts[0] == "apis" else parts[2:]
                namespace = None
                if len(rest) == 3 and rest[0] == "namespaces":
                    namespace, rest = rest[1], rest[2:]
                kind = RESOURCES.get((prefix, rest[0])) if len(rest) == 1 else None
                if kind is None:
                    return self._status(404, "NotFound", f"the server could not find {url.path}")
                if cluster.forbid_all or (namespace is None and cluster.forbid_cluster_lists):
                    return self._status(
                        403,
                        "Forbidden",
                        f'{rest[0]} is forbidden: User "commander" cannot list resource '
                        f'"{rest[0]}" '
                        + (
                            f'in the namespace "{namespace}"'
                            if namespace
                            else "at the cluster scope"
                        ),
                    )
                if query.get("watch", ["0"])[0] in ("1", "true"):
                    return self._watch(kind, namespace, query)
                with cluster.lock:
                    items = copy.deepcopy(cluster._select(kind, namespace, query))
                    version = str(cluster.version)
                self._send(
                    200,
                    {
                        "kind": f"{kind}List",
                        "apiVersion": "v1" if prefix == "api/v1" else "apps/v1",
                        "metadata": {"resourceVersion": version},
                        "items": items,
                    },
                )

            def _watch(self, kind: str, namespace: str | None, query: dict[str, list[str]]) -> None:
                since = int(query.get("resourceVersion", ["0"])[0] or 0)
                timeout = float(query.get("timeoutSeconds", ["5"])[0])
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                deadline = threading.Event()
                threading.Timer(timeout, deadline.set).start()
                sent = since
                while not deadline.is_set():
                    with cluster.lock:
                        news = [
                            (v, t, o) for v, t, o in cluster.log if v > sent and o["kind"] == kind
                        ]
                        if not news:
                            cluster.lock.wait(0.05)
                            continue
                    for v, t, o in news:
                        ns = o["metadata"].get("namespace")
                        if namespace is None or ns == namespace:
                            line = json.dumps({"type": t, "object": o}).encode() + b"\n"
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                        sent = v
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")

        return Handler


__all__ = ["CREATED", "NS", "UID", "FakeKubeCluster", "crashlooping", "replica_set", "warning"]
