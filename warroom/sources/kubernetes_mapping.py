"""Kubernetes API objects (as the API's JSON, camelCase) made into the domain's pods, rollouts
and changes. Pure: the kubernetes source fetches, this reads, so recorded objects test it.

What counts, as kubectl shows it: a pod's reason is a waiting reason now (CrashLoopBackOff,
ImagePullBackOff) or else the last termination's (OOMKilled, Error); a deployment's revision is
the `deployment.kubernetes.io/revision` annotation, the previous one the highest revision below
it among the ReplicaSets it owns; its status comes from its conditions and replica counts the
way `kubectl rollout status` judges them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from warroom.domain.service_context import Change, ChangeKind, Pod, Rollout
from warroom.sources.blocking import one_line_text, parse_time

REVISION = "deployment.kubernetes.io/revision"
DAEMONSET_GENERATION = "deprecated.daemonset.template.generation"
# a label value: what a service name must be before it goes into a label selector
LABEL_VALUE = re.compile(r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)")

Obj = Mapping[str, Any]


def _get(obj: Obj | None, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def selector_string(selector: Obj | None) -> str:
    """A workload's `spec.selector` (matchLabels and matchExpressions) as a label selector."""
    parts = [f"{k}={v}" for k, v in sorted((_get(selector, "matchLabels") or {}).items())]
    for expr in _get(selector, "matchExpressions") or ():
        key, op, values = expr.get("key", ""), expr.get("operator", ""), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def revision_of(obj: Obj) -> int:
    try:
        return int((_get(obj, "metadata", "annotations") or {}).get(REVISION, "0") or 0)
    except ValueError:
        return 0


def owned_by(obj: Obj, owner_uid: str) -> bool:
    return any(o.get("uid") == owner_uid for o in _get(obj, "metadata", "ownerReferences") or ())


def _reason(statuses: Iterable[Obj], prefix: str = "") -> tuple[str, str]:
    """(reason now, last termination's reason) over some container statuses."""
    now = last = ""
    for s in statuses:
        waiting = _get(s, "state", "waiting", "reason")
        terminated = _get(s, "state", "terminated", "reason")
        now = (
            now
            or (prefix + waiting if waiting else "")
            or (prefix + terminated if terminated else "")
        )
        last = last or _get(s, "lastState", "terminated", "reason") or ""
    return now, last


def pod_from(obj: Obj) -> Pod:
    status = obj.get("status") or {}
    statuses = status.get("containerStatuses") or []
    init_now, _ = _reason(status.get("initContainerStatuses") or [], "Init:")
    now, last = _reason(statuses)
    reason = init_now or now or last or str(status.get("reason") or "")
    if _get(obj, "metadata", "deletionTimestamp"):
        reason = "Terminating"
    return Pod(
        name=str(_get(obj, "metadata", "name") or ""),
        namespace=str(_get(obj, "metadata", "namespace") or ""),
        phase=str(status.get("phase") or "Unknown"),
        ready=sum(1 for s in statuses if s.get("ready")),
        containers=len(_get(obj, "spec", "containers") or ()),
        restarts=sum(int(s.get("restartCount") or 0) for s in statuses),
        started_at=parse_time(status.get("startTime")),
        node=str(_get(obj, "spec", "nodeName") or ""),
        reason=reason,
    )


def _image(workload: Obj) -> str:
    containers = _get(workload, "spec", "template", "spec", "containers") or ()
    return ",".join(str(c.get("image", "")) for c in containers)


def deployment_status(dep: Obj) -> str:
    """complete / progressing / paused / stalled: <reason>, as `kubectl rollout status`."""
    spec, status = dep.get("spec") or {}, dep.get("status") or {}
    for cond in status.get("conditions") or ():
        if cond.get("type") == "Progressing" and (
            cond.get("reason") == "ProgressDeadlineExceeded" or cond.get("status") == "False"
        ):
            return f"stalled: {cond.get('reason') or 'Progressing=False'}"
        if cond.get("type") == "ReplicaFailure" and cond.get("status") == "True":
            return f"stalled: {cond.get('reason') or 'ReplicaFailure'}"
    if spec.get("paused"):
        return "paused"
    want = spec.get("replicas", 1) if spec.get("replicas") is not None else 1
    updated = status.get("updatedReplicas") or 0
    if (_get(dep, "metadata", "generation") or 0) > (status.get("observedGeneration") or 0):
        return "progressing"
    if updated < want or (status.get("replicas") or 0) > updated:
        return "progressing"
    if (status.get("availableReplicas") or 0) < updated:
        return "progressing"
    return "complete"


def deployment_rollout(dep: Obj, replica_sets: Iterable[Obj]) -> Rollout:
    uid = str(_get(dep, "metadata", "uid") or "")
    revisions = sorted({revision_of(rs) for rs in replica_sets if owned_by(rs, uid)})
    current = revision_of(dep) or (revisions[-1] if revisions else 0)
    older = [r for r in revisions if r < current]
    spec, status = dep.get("spec") or {}, dep.get("status") or {}
    return Rollout(
        kind="deployment",
        name=str(_get(dep, "metadata", "name") or ""),
        namespace=str(_get(dep, "metadata", "namespace") or ""),
        revision=str(current) if current else "",
        previous_revision=str(older[-1]) if older else "",
        desired=int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1),
        ready=int(status.get("readyReplicas") or 0),
        updated=int(status.get("updatedReplicas") or 0),
        status=deployment_status(dep),
        image=_image(dep),
    )


def statefulset_rollout(sts: Obj) -> Rollout:
    spec, status = sts.get("spec") or {}, sts.get("status") or {}
    want = int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
    current, update = status.get("currentRevision") or "", status.get("updateRevision") or ""
    behind = (_get(sts, "metadata", "generation") or 0) > (status.get("observedGeneration") or 0)
    done = not behind and current == update and (status.get("readyReplicas") or 0) >= want
    return Rollout(
        kind="statefulset",
        name=str(_get(sts, "metadata", "name") or ""),
        namespace=str(_get(sts, "metadata", "namespace") or ""),
        revision=str(update or current),
        previous_revision=str(current) if update and current != update else "",
        desired=want,
        ready=int(status.get("readyReplicas") or 0),
        updated=int(status.get("updatedReplicas") or 0),
        status="complete" if done else "progressing",
        image=_image(sts),
    )


def daemonset_rollout(ds: Obj) -> Rollout:
    status = ds.get("status") or {}
    want = int(status.get("desiredNumberScheduled") or 0)
    updated = int(status.get("updatedNumberScheduled") or 0)
    behind = (_get(ds, "metadata", "generation") or 0) > (status.get("observedGeneration") or 0)
    done = not behind and updated >= want and (status.get("numberAvailable") or 0) >= want
    annotations = _get(ds, "metadata", "annotations") or {}
    return Rollout(
        kind="daemonset",
        name=str(_get(ds, "metadata", "name") or ""),
        namespace=str(_get(ds, "metadata", "namespace") or ""),
        revision=str(
            annotations.get(DAEMONSET_GENERATION) or _get(ds, "metadata", "generation") or ""
        ),
        desired=want,
        ready=int(status.get("numberReady") or 0),
        updated=updated,
        status="complete" if done else "progressing",
        image=_image(ds),
    )


def deploy_changes(dep: Obj, replica_sets: Iterable[Obj], since: datetime) -> list[Change]:
    """Each ReplicaSet of the deployment created in the window is a revision rolled out."""
    uid, name = str(_get(dep, "metadata", "uid") or ""), _get(dep, "metadata", "name")
    found = []
    for rs in replica_sets:
        created = parse_time(_get(rs, "metadata", "creationTimestamp"))
        if not owned_by(rs, uid) or created is None or created < since:
            continue
        rev = revision_of(rs)
        text = f"revision {rev} rolled out ({_image(rs)})" if rev else f"{_image(rs)} rolled out"
        key = f"kubernetes:rs:{_get(rs, 'metadata', 'uid')}"
        found.append(
            Change(created, ChangeKind.DEPLOY, text, "kubernetes", key, f"deployment/{name}")
        )
    return found


def restart_changes(pods: Iterable[Obj], since: datetime) -> list[Change]:
    """A container's last termination in the window: the restart it led to (OOM when killed so)."""
    found = []
    for pod in pods:
        name, uid = _get(pod, "metadata", "name"), _get(pod, "metadata", "uid")
        for s in _get(pod, "status", "containerStatuses") or ():
            last = _get(s, "lastState", "terminated") or {}
            at = parse_time(last.get("finishedAt"))
            if at is None or at < since:
                continue
            reason, code = last.get("reason") or "", last.get("exitCode")
            kind = ChangeKind.OOM if reason == "OOMKilled" else ChangeKind.RESTART
            text = f"{name}/{s.get('name')} restarted ({reason or 'exited'}, exit {code})"
            key = f"kubernetes:restart:{uid}:{s.get('name')}:{s.get('restartCount')}"
            found.append(Change(at, kind, text, "kubernetes", key, f"pod/{name}"))
    return found


def event_time(event: Obj) -> datetime | None:
    return (
        parse_time(event.get("lastTimestamp"))
        or parse_time(_get(event, "series", "lastObservedTime"))
        or parse_time(event.get("eventTime"))
        or parse_time(event.get("firstTimestamp"))
        or parse_time(_get(event, "metadata", "creationTimestamp"))
    )


def warning_changes(
    events: Iterable[Obj], objects: set[tuple[str, str]], prefixes: tuple[str, ...], since: datetime
) -> list[Change]:
    """Warning events about the workload's own objects ((kind, name) in `objects`) or its pods
    (also the ones gone since: names starting with one of `prefixes`)."""
    found = []
    for event in events:
        if event.get("type") != "Warning":
            continue
        kind = str(_get(event, "involvedObject", "kind") or "")
        name = str(_get(event, "involvedObject", "name") or "")
        if (kind, name) not in objects and not (kind == "Pod" and name.startswith(prefixes)):
            continue
        at = event_time(event)
        if at is None or at < since:
            continue
        text = one_line_text(f"{event.get('reason') or 'Warning'}: {event.get('message') or ''}")
        key = f"kubernetes:event:{_get(event, 'metadata', 'uid')}"
        found.append(
            Change(at, ChangeKind.WARNING, text, "kubernetes", key, f"{kind.lower()}/{name}")
        )
    return found
