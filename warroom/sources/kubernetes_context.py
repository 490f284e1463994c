"""The service's workload, pods, rollout and changes, from a Kubernetes API (read-only).

The kubeconfig is found and merged as kubectl does it: every file in `KUBECONFIG` (or the
configured path list, or `~/.kube/config`), the first file to define a cluster, user or context
name keeps it, and the first file that sets `current-context` chooses it. The official client
merges the files itself (`kubernetes.config.kube_config`) but lets the *last* current-context
win, so the context is chosen here and handed to it. No kubeconfig but a service account: the
in-cluster config.

The workload is the deployment, statefulset or daemonset labelled `<label>=<service>` for the
first of the configured labels that finds one (`app.kubernetes.io/name`, then `app`), in the
configured namespace or in every namespace the credentials may list (else the context's). Its
pods come by its own selector; a deployment's ReplicaSets give its revisions. Changes: each
ReplicaSet created in the window (a deploy), a revision that changed since the last poll
without a new ReplicaSet (a rollback, a statefulset or daemonset rollout), containers'
last terminations (restarts, OOM kills) and Warning events about any of these objects.

Answers are read as JSON (`_preload_content=False`) and mapped by `kubernetes_mapping`; every
request carries `_request_timeout`, no retries, and the whole poll runs in one thread at a time.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from warroom.domain.clock import Clock, SystemClock, utc
from warroom.domain.errors import (
    SourceAuthError,
    SourceBadResponse,
    SourceError,
    SourceTimeout,
    SourceUnavailable,
)
from warroom.domain.service_context import Change, ChangeKind, Pod, Rollout, ServiceContext
from warroom.sources import kubernetes_mapping as km
from warroom.sources.blocking import OneAtATime, one_line_text
from warroom.sources.kubeconfig import load_configuration

DEFAULT_LABELS = ("app.kubernetes.io/name", "app")
MAX_WORKLOADS = 10
MAX_PODS = 300
MAX_EVENTS = 500
FULL_SEARCH_EVERY = 12  # polls between two searches of every label and kind (a new workload)


class KubernetesContextSource:
    """`ServiceContextSource` over the official client. `environ` is read for `KUBECONFIG`."""

    name = "kubernetes"

    def __init__(
        self,
        *,
        kubeconfig: str = "",
        context: str = "",
        namespace: str = "",
        selector_labels: Sequence[str] = DEFAULT_LABELS,
        timeout_s: float = 5.0,
        clock: Clock | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.context_name = context
        self.namespace = namespace
        self.selector_labels = tuple(selector_labels) or DEFAULT_LABELS
        self.timeout_s = timeout_s
        self._clock = clock or SystemClock()
        self._environ = dict(os.environ if environ is None else environ)
        self._calls = OneAtATime("kubernetes")
        self._api: tuple[Any, Any, Any, str] | None = None  # client, apps, core, namespace
        self._all_forbidden = False
        self._server = ""
        self._revisions: dict[str, str] = {}  # workload uid -> revision last seen
        self._rollbacks: dict[str, Change] = {}
        self._hits: dict[str, tuple[str, tuple[str, ...]]] = {}  # service -> (label, kinds)
        self._polls = 0

    async def context(self, service: str | None, since: datetime) -> ServiceContext:
        since = utc(since)  # a naive time is UTC, as everywhere in the console
        pods, rollouts, changes = await self._calls.run(
            lambda: self._fetch(service, since), self.timeout_s * 3
        )
        return ServiceContext(
            source=self.name,
            service=service,
            fetched_at=self._clock.now(),
            pods=pods,
            rollouts=rollouts,
            changes=changes,
        )

    async def aclose(self) -> None:
        api, self._api = self._api, None
        if api is not None:
            with contextlib.suppress(Exception):  # closing never fails the console's exit
                await self._calls.run(api[0].close, 2.0)

    # --- blocking part, in a thread ----------------------------------------------------

    def _connect(self) -> tuple[Any, Any, Any, str]:
        if self._api is not None:
            return self._api
        from kubernetes import client

        cfg, namespace = load_configuration(self.kubeconfig, self.context_name, self._environ)
        self._server = str(cfg.host or "")
        cfg.retries = 0  # one try per poll: the next poll is the retry
        api_client = client.ApiClient(cfg)
        self._api = (
            api_client,
            client.AppsV1Api(api_client),
            client.CoreV1Api(api_client),
            namespace,
        )
        return self._api

    def _list(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> list[Mapping[str, Any]]:
        response = call(*args, _request_timeout=self.timeout_s, _preload_content=False, **kwargs)
        try:
            data = json.loads(response.data)
        except (ValueError, UnicodeDecodeError):
            raise SourceBadResponse(
                "kubernetes: the API answered something that is not JSON"
            ) from None
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise SourceBadResponse("kubernetes: the API's answer holds no list of items")
        return [i for i in items if isinstance(i, dict)]

    def _fetch(
        self, service: str | None, since: datetime
    ) -> tuple[tuple[Pod, ...], tuple[Rollout, ...], tuple[Change, ...]]:
        if not service or not km.LABEL_VALUE.fullmatch(service):
            return (), (), ()  # a value that is no label value matches no workload
        try:
            return self._gather(service, since)
        except SourceError:
            raise
        except Exception as exc:
            error = api_error(exc, self._server)
            if isinstance(error, SourceAuthError):  # an expired exec/OIDC token: load again
                api, self._api = self._api, None
                if api is not None:
                    with contextlib.suppress(Exception):
                        api[0].close()
            raise error from None

    def _gather(
        self, service: str, since: datetime
    ) -> tuple[tuple[Pod, ...], tuple[Rollout, ...], tuple[Change, ...]]:
        _, apps, core, _ = self._connect()
        pods: list[Mapping[str, Any]] = []
        rollouts: list[Rollout] = []
        changes: list[Change] = []
        objects: set[tuple[str, str]] = set()
        prefixes: list[str] = []
        namespaces: set[str] = set()
        for kind, workload in self._workloads(apps, service)[:MAX_WORKLOADS]:
            meta = workload.get("metadata") or {}
            ns, name, uid = meta.get("namespace", ""), meta.get("name", ""), meta.get("uid", "")
            selector = km.selector_string((workload.get("spec") or {}).get("selector"))
            if not selector:
                continue  # an empty selector would mean every pod of the namespace
            namespaces.add(ns)
            objects.add((kind, name))
            own = self._list(core.list_namespaced_pod, ns, label_selector=selector, limit=MAX_PODS)
            pods += own
            if kind == "Deployment":
                sets = self._list(apps.list_namespaced_replica_set, ns, label_selector=selector)
                sets = [rs for rs in sets if km.owned_by(rs, uid)]
                rollout = km.deployment_rollout(workload, sets)
                deploys = km.deploy_changes(workload, sets, since)
                changes += deploys
                for rs in sets:
                    rs_name = (rs.get("metadata") or {}).get("name", "")
                    objects.add(("ReplicaSet", rs_name))
                    prefixes.append(f"{rs_name}-")
                fresh = {c.text.split()[1] for c in deploys if c.text.startswith("revision ")}
            else:
                rollout = (
                    km.statefulset_rollout if kind == "StatefulSet" else km.daemonset_rollout
                )(workload)
                prefixes.append(f"{name}-")
                fresh = set()
            rollouts.append(rollout)
            self._note_revision(uid, rollout, fresh)
        changes += km.restart_changes(pods, since)
        for ns in sorted(namespaces):
            events = self._list(
                core.list_namespaced_event, ns, field_selector="type=Warning", limit=MAX_EVENTS
            )
            objects |= {("Pod", str((p.get("metadata") or {}).get("name"))) for p in pods}
            changes += km.warning_changes(events, objects, tuple(prefixes), since)
        self._rollbacks = {k: c for k, c in self._rollbacks.items() if c.at >= since}
        changes += self._rollbacks.values()
        return (
            tuple(km.pod_from(p) for p in pods),
            tuple(rollouts),
            tuple(sorted(changes, key=lambda c: c.at, reverse=True)),
        )

    def _note_revision(self, uid: str, rollout: Rollout, fresh: set[str]) -> None:
        """A revision that changed since the last poll with no new ReplicaSet for it (a
        rollback reuses an old one; statefulsets and daemonsets have none) is a deploy now."""
        before = self._revisions.get(uid)
        self._revisions[uid] = rollout.revision
        if before is None or before == rollout.revision or rollout.revision in fresh:
            return
        key = f"kubernetes:revision:{uid}:{rollout.revision}"
        text = f"revision {rollout.revision} rolled out (was {before}; {rollout.image})"
        subject = f"{rollout.kind}/{rollout.name}"
        self._rollbacks[key] = Change(
            self._clock.now(), ChangeKind.DEPLOY, text, "kubernetes", key, subject
        )

    def _workloads(self, apps: Any, service: str) -> list[tuple[str, Mapping[str, Any]]]:
        """The workloads of the first label that finds any. Where the last poll found them
        (that label, those kinds) is asked first: one request a poll instead of six, with
        a full search every `FULL_SEARCH_EVERY` polls."""
        kinds = {
            "Deployment": "deployment",
            "StatefulSet": "stateful_set",
            "DaemonSet": "daemon_set",
        }
        self._polls += 1
        hit = self._hits.get(service) if self._polls % FULL_SEARCH_EVERY else None
        searches = [hit] if hit else []
        searches += [(label, tuple(kinds)) for label in self.selector_labels]
        for label, wanted in searches:
            selector = f"{label}={service}"
            found = [
                (kind, item)
                for kind in wanted
                for item in self._across(apps, kinds[kind], selector)
            ]
            if found:
                self._hits = {service: (label, tuple(dict.fromkeys(k for k, _ in found)))}
                return found
        self._hits.pop(service, None)
        return []

    def _across(self, apps: Any, method: str, selector: str) -> list[Mapping[str, Any]]:
        """One kind in the configured namespace, or every namespace (the context's when the
        credentials may not list them all)."""
        from kubernetes.client.exceptions import ApiException

        if not self.namespace and not self._all_forbidden:
            try:
                call = getattr(apps, f"list_{method}_for_all_namespaces")
                return self._list(call, label_selector=selector)
            except ApiException as exc:
                if exc.status != 403:
                    raise
                self._all_forbidden = True
        namespace = self.namespace or self._connect()[3]
        return self._list(
            getattr(apps, f"list_namespaced_{method}"), namespace, label_selector=selector
        )


def api_error(exc: BaseException, server: str = "") -> SourceError:
    """The client's (or urllib3's) failure as one line, naming the server."""
    at = f" at {server}" if server else ""
    status = getattr(exc, "status", None)
    if isinstance(status, int) and status:
        message = ""
        try:
            message = str(json.loads(getattr(exc, "body", "") or "{}").get("message", ""))
        except (ValueError, AttributeError):
            message = ""
        detail = one_line_text(message or getattr(exc, "reason", "") or "", 200)
        if status in (401, 403):
            return SourceAuthError(
                f"kubernetes: the API refused these credentials ({status}: {detail})"
            )
        return SourceBadResponse(f"kubernetes: the API answered {status}: {detail}")
    chain: list[BaseException] = []
    node: BaseException | None = exc
    while node is not None and len(chain) < 10:
        chain.append(node)
        reason = getattr(node, "reason", None)
        if isinstance(reason, BaseException):
            chain.append(reason)
        node = node.__cause__ or node.__context__
    names = {type(e).__name__ for e in chain}
    if names & {"ReadTimeoutError", "ConnectTimeoutError", "TimeoutError", "timeout"}:
        return SourceTimeout(f"kubernetes: the API{at} did not answer in time")
    if names & {"NewConnectionError", "ConnectionRefusedError", "MaxRetryError", "ProtocolError"}:
        return SourceUnavailable(f"kubernetes: the API{at} is not reachable")
    return SourceBadResponse(f"kubernetes: {one_line_text(exc, 200)}")
