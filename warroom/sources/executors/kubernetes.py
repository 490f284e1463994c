"""Kubernetes steps through the official client when a kubeconfig is present.

`kubectl rollout restart|undo|status`, `kubectl scale`, `kubectl get pods` and `kubectl logs`
are done through the API (real status, no kubectl binary needed); anything else, or no
kubeconfig at all, goes to the shell executor as written. The client blocks: every call runs
in a thread under a timeout. Output imitates kubectl's so runbook readers see what they expect.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warroom.domain.errors import SourceTimeout, SourceUnavailable
from warroom.domain.ports import OutputSink, RenderedStep, StepResult
from warroom.domain.runbooks import StepKind
from warroom.sources.executors.kubectl_call import KubeCall, parse_kubectl
from warroom.sources.kubeconfig import kubernetes_reachable, load_configuration

if TYPE_CHECKING:
    from warroom.sources.executors.shell import ShellOptions

REVISION = "deployment.kubernetes.io/revision"
POLL_S = 1.0


class KubernetesExecutor:
    name = "kubernetes"

    def __init__(
        self,
        *,
        kubeconfig: str | None = None,
        request_timeout_s: float = 10.0,
        shell_options: ShellOptions | None = None,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.request_timeout_s = request_timeout_s
        self.shell_options = shell_options

    def _reachable(self) -> bool:
        return kubernetes_reachable(self.kubeconfig or "")

    def handles(self, rendered: RenderedStep) -> bool:
        return (
            rendered.step.kind is StepKind.SHELL
            and parse_kubectl(rendered.command) is not None
            and self._reachable()
        )

    async def execute(
        self, rendered: RenderedStep, emit: OutputSink, timeout_s: float
    ) -> StepResult:
        call = parse_kubectl(rendered.command)
        if call is None or not self._reachable():
            from warroom.sources.executors.shell import run_shell

            return await run_shell(rendered.command, emit, timeout_s, options=self.shell_options)
        from warroom.sources.executors.shell import output_options
        from warroom.sources.executors.step_output import ThreadedStepOutput

        started = time.monotonic()
        stop = {"now": False}
        out = ThreadedStepOutput(emit, **output_options(self.shell_options, rendered)).start()
        deadline = time.monotonic() + min(timeout_s, call.timeout_s or timeout_s)
        note, code, cancelled, timed_out = "", None, False, False
        try:
            code = await asyncio.wait_for(
                asyncio.to_thread(self._do, call, out, deadline, stop), timeout_s
            )
        except TimeoutError:
            stop["now"] = True
            note, timed_out = f"[timed out after {timeout_s:g} s]", True
        except asyncio.CancelledError:
            stop["now"] = True
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            note, cancelled = "[cancelled]", True
        done = out.finish(note)
        return StepResult(
            code,
            time.monotonic() - started,
            done.output,
            cancelled=cancelled,
            timed_out=timed_out,
            executor=self.name,
            output_file=done.file,
        )

    # --- blocking part, in a thread ----------------------------------------------------

    def _do(
        self,
        call: KubeCall,
        out: Callable[[str], None],
        deadline: float,
        stop: dict[str, bool],
    ) -> int:
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError as Urllib3Error

        cfg, default_namespace = load_configuration(self.kubeconfig or "")
        api_client = client.ApiClient(cfg)
        namespace = call.namespace or default_namespace
        apps = client.AppsV1Api(api_client)
        core = client.CoreV1Api(api_client)
        t = self.request_timeout_s
        try:
            if call.verb == "rollout-restart":
                now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                body = {
                    "spec": {
                        "template": {
                            "metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": now}}
                        }
                    }
                }
                apps.patch_namespaced_deployment(call.name, namespace, body, _request_timeout=t)
                out(f"deployment.apps/{call.name} restarted")
                return 0
            if call.verb == "rollout-undo":
                return _undo(apps, api_client, call, namespace, out, t)
            if call.verb == "rollout-status":
                return _status(apps, call, namespace, out, t, deadline, stop)
            if call.verb == "scale":
                scale: dict[str, Any] = {"spec": {"replicas": call.replicas}}
                if call.kind == "statefulset":
                    apps.patch_namespaced_stateful_set_scale(
                        call.name, namespace, scale, _request_timeout=t
                    )
                    out(f"statefulset.apps/{call.name} scaled")
                else:
                    apps.patch_namespaced_deployment_scale(
                        call.name, namespace, scale, _request_timeout=t
                    )
                    out(f"deployment.apps/{call.name} scaled")
                return 0
            if call.verb == "get-pods":
                return _get_pods(core, api_client, call, namespace, out, t)
            if call.verb == "logs":
                kwargs: dict[str, Any] = {"_request_timeout": t}
                if call.container:
                    kwargs["container"] = call.container
                if call.tail is not None:
                    kwargs["tail_lines"] = call.tail
                if call.since_s is not None:
                    kwargs["since_seconds"] = call.since_s
                text = core.read_namespaced_pod_log(call.name, namespace, **kwargs)
                for line in str(text).splitlines():
                    out(line)
                return 0
            return 1
        except ApiException as exc:
            out(_api_error(exc))
            return 1
        except (Urllib3Error, OSError) as exc:
            raise SourceUnavailable(f"Kubernetes API not reachable: {exc}") from exc
        except TimeoutError as exc:
            raise SourceTimeout(f"Kubernetes API did not answer in {t:g} s") from exc
        finally:
            with contextlib.suppress(Exception):
                api_client.close()


def _api_error(exc: Any) -> str:
    reason, message = exc.reason or "Error", str(exc)
    with contextlib.suppress(Exception):
        body = json.loads(exc.body)
        reason, message = body.get("reason", reason), body.get("message", message)
    return f"Error from server ({reason}): {message}"


def _undo(
    apps: Any, api_client: Any, call: KubeCall, ns: str, out: Callable[[str], None], t: float
) -> int:
    """What `kubectl rollout undo` does: copy an older ReplicaSet's pod template back."""
    dep = apps.read_namespaced_deployment(call.name, ns, _request_timeout=t)
    labels = dep.spec.selector.match_labels or {}
    selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    sets = apps.list_namespaced_replica_set(ns, label_selector=selector, _request_timeout=t).items
    owned = [
        rs
        for rs in sets
        if any(o.uid == dep.metadata.uid for o in (rs.metadata.owner_references or []))
    ]

    def revision(obj: Any) -> int:
        return int((obj.metadata.annotations or {}).get(REVISION, "0") or 0)

    current = revision(dep) or max((revision(rs) for rs in owned), default=0)
    if call.to_revision:
        matches = [rs for rs in owned if revision(rs) == call.to_revision]
        if not matches:
            out(f"error: unable to find specified revision {call.to_revision} in history")
            return 1
        target = matches[0]
    else:
        older = sorted((rs for rs in owned if revision(rs) < current), key=revision)
        if not older:
            out(f'error: no rollout history found for deployment "{call.name}"')
            return 1
        target = older[-1]
    template = api_client.sanitize_for_serialization(target.spec.template)
    template.get("metadata", {}).get("labels", {}).pop("pod-template-hash", None)
    annotations = dict(dep.metadata.annotations or {})
    patch = [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ]
    apps.patch_namespaced_deployment(call.name, ns, patch, _request_timeout=t)
    out(f"deployment.apps/{call.name} rolled back")
    return 0


def _status(
    apps: Any,
    call: KubeCall,
    ns: str,
    out: Callable[[str], None],
    t: float,
    deadline: float,
    stop: dict[str, bool],
) -> int:
    last = ""
    while True:
        dep = apps.read_namespaced_deployment(call.name, ns, _request_timeout=t)
        done, message, failed = rollout_message(dep)
        if message != last:
            out(message)
            last = message
        if failed:
            return 1
        if done or not call.watch:
            return 0 if done else 1
        if stop["now"] or time.monotonic() + POLL_S > deadline:
            out("error: timed out waiting for the condition")
            return 1
        time.sleep(POLL_S)


def rollout_message(dep: Any) -> tuple[bool, str, bool]:
    """kubectl's rollout status logic: (done, message, failed)."""
    name = dep.metadata.name
    status = dep.status
    if (dep.metadata.generation or 0) <= (status.observed_generation or 0):
        for cond in status.conditions or []:
            if cond.type == "Progressing" and cond.reason == "ProgressDeadlineExceeded":
                return False, f'error: deployment "{name}" exceeded its progress deadline', True
        want = dep.spec.replicas if dep.spec.replicas is not None else 1
        updated = status.updated_replicas or 0
        total = status.replicas or 0
        available = status.available_replicas or 0
        if updated < want:
            return (
                False,
                (
                    f'Waiting for deployment "{name}" rollout to finish: {updated} out of '
                    f"{want} new replicas have been updated..."
                ),
                False,
            )
        if total > updated:
            return (
                False,
                (
                    f'Waiting for deployment "{name}" rollout to finish: {total - updated} '
                    "old replicas are pending termination..."
                ),
                False,
            )
        if available < updated:
            return (
                False,
                (
                    f'Waiting for deployment "{name}" rollout to finish: {available} of '
                    f"{updated} updated replicas are available..."
                ),
                False,
            )
        return True, f'deployment "{name}" successfully rolled out', False
    return False, "Waiting for deployment spec update to be observed...", False


def _age(created: datetime | None) -> str:
    if created is None:
        return "<unknown>"
    secs = int((datetime.now(UTC) - created).total_seconds())
    if secs < 120:
        return f"{secs}s"
    if secs < 3 * 3600:
        return f"{secs // 60}m"
    if secs < 2 * 86400:
        return f"{secs // 3600}h"
    return f"{secs // 86400}d"


def _pod_row(pod: Any) -> tuple[str, str, str, str, str]:
    statuses = pod.status.container_statuses or []
    ready = sum(1 for s in statuses if s.ready)
    total = len(pod.spec.containers or [])
    restarts = sum(s.restart_count or 0 for s in statuses)
    state = pod.status.phase or "Unknown"
    for s in statuses:
        if s.state and s.state.waiting and s.state.waiting.reason:
            state = s.state.waiting.reason
        elif s.state and s.state.terminated and s.state.terminated.reason and not s.ready:
            state = s.state.terminated.reason
    if pod.metadata.deletion_timestamp:
        state = "Terminating"
    return (
        pod.metadata.name,
        f"{ready}/{total}",
        state,
        str(restarts),
        _age(pod.metadata.creation_timestamp),
    )


def _get_pods(
    core: Any, api_client: Any, call: KubeCall, ns: str, out: Callable[[str], None], t: float
) -> int:
    if call.name:
        pods = [core.read_namespaced_pod(call.name, ns, _request_timeout=t)]
    elif call.all_namespaces:
        pods = core.list_pod_for_all_namespaces(
            label_selector=call.selector or None, _request_timeout=t
        ).items
    else:
        pods = core.list_namespaced_pod(
            ns, label_selector=call.selector or None, _request_timeout=t
        ).items
    if call.output == "name":
        for p in pods:
            out(f"pod/{p.metadata.name}")
        return 0
    if call.output == "json":
        data = [api_client.sanitize_for_serialization(p) for p in pods]
        body: Any = data[0] if call.name else {"apiVersion": "v1", "kind": "List", "items": data}
        for line in json.dumps(body, indent=4).splitlines():
            out(line)
        return 0
    if not pods:
        out(f"No resources found in {ns} namespace.")
        return 0
    header: tuple[str, ...] = ("NAME", "READY", "STATUS", "RESTARTS", "AGE")
    rows: list[tuple[str, ...]] = [_pod_row(p) for p in pods]
    if call.all_namespaces:
        rows = [(str(p.metadata.namespace), *r) for p, r in zip(pods, rows, strict=True)]
        header = ("NAMESPACE", *header)
    table = [header, *rows]
    widths = [max(len(r[k]) for r in table) for k in range(len(header))]
    for r in table:
        out("   ".join(v.ljust(widths[k]) for k, v in enumerate(r)).rstrip())
    return 0
