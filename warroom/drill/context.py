"""The drill's containers, pods and rollouts: the scenario's workloads at drill time.

A pure function of (scenario, seed, drill time, commands run so far), like the signals: a
workload's deploy and crashloop come from the scenario, and the commander's remedies act on
them (a rollback brings the previous revision back, a remedy's restart ends a crashloop, any
restart starts the containers again). Behind the same port as the docker and kubernetes
sources (`ServiceContextSource`), so the Service region works in a drill as it does live.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import datetime

from warroom.domain.service_context import (
    Change,
    ChangeKind,
    Container,
    Pod,
    Rollout,
    ServiceContext,
    newest_first,
)
from warroom.drill.scenario import Workload
from warroom.drill.world import DrillWorld

OLD_START_S = -2 * 86400  # pods of a revision not deployed in the drill started two days before
CRASH_BACKOFF_S = (10, 20, 40, 80, 160, 300)  # kubelet's CrashLoopBackOff delays, then 300 s
STAGGER_S = 8  # replicas of one rollout start this far apart


@dataclass(frozen=True, slots=True)
class _State:
    """One workload at drill second `t`."""

    revision: int
    previous: int | None
    tag: str
    started_s: float  # when the current containers started (the rollout or last restart)
    crashes: tuple[float, ...]  # crash times so far, oldest first
    crashing: bool  # still crashlooping now


def _is_on(w: Workload, names: tuple[str, ...]) -> bool:
    return w.name in names


def _state(world: DrillWorld, w: Workload, t: float) -> _State:
    revision, previous, tag = w.revision, None, w.tag
    started: float = OLD_START_S
    if w.deployed_at_s is not None:
        if t < w.deployed_at_s:
            revision, tag = w.revision - 1, w.previous_tag or w.tag
        else:
            previous, started = w.revision - 1, w.deployed_at_s
    healed_at: float | None = None
    for run in world.runs:
        response = run.response
        if response is None or run.effect_s > t:
            continue
        if _is_on(w, response.rollback) and revision == w.revision and previous is not None:
            revision, previous, tag = previous, revision, w.previous_tag or w.tag
            started = run.effect_s
        if _is_on(w, response.restart):
            started = run.effect_s
            if response.role == "remedy" and healed_at is None:
                healed_at = run.effect_s
    crashes: list[float] = []
    crashing = False
    if w.crashloop_at_s is not None:
        end = t if healed_at is None else min(t, healed_at)
        at: float = w.crashloop_at_s
        n = 0
        while at <= end:
            crashes.append(at)
            at += CRASH_BACKOFF_S[min(n, len(CRASH_BACKOFF_S) - 1)]
            n += 1
        crashing = healed_at is None and bool(crashes)
        if crashes and healed_at is None:
            started = max(started, crashes[-1])
    return _State(revision, previous, tag, started, tuple(crashes), crashing)


def _suffix(world: DrillWorld, w: Workload, revision: int, i: int) -> str:
    rng = random.Random(f"{world.seed}:{w.name}:{revision}:{i}")
    return "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))


def _pod_hash(world: DrillWorld, w: Workload, revision: int) -> str:
    rng = random.Random(f"{world.seed}:{w.name}:{revision}")
    return "".join(rng.choice("0123456789abcdef") for _ in range(9))


def _changes(world: DrillWorld, w: Workload, now_s: float, since_s: float) -> list[Change]:
    out: list[Change] = []
    subject = f"deployment/{w.name}" if w.platform == "kubernetes" else w.name
    previous_tag = w.previous_tag or w.tag

    def add(at_s: float, kind: ChangeKind, text: str, key: str, who: str = subject) -> None:
        if since_s <= at_s <= now_s:
            source = "kubernetes" if w.platform == "kubernetes" else "docker"
            out.append(Change(world.at(at_s), kind, text, source, f"drill:{w.name}:{key}", who))

    if w.deployed_at_s is not None:
        add(
            w.deployed_at_s,
            ChangeKind.DEPLOY,
            f"revision {w.revision} rolled out ({w.image}:{w.tag})",
            f"deploy:{w.revision}",
        )
    rolled_back = False
    for n, run in enumerate(world.runs):
        response = run.response
        if response is None or run.effect_s > now_s:
            continue
        if _is_on(w, response.rollback) and w.deployed_at_s is not None and not rolled_back:
            rolled_back = run.effect_s >= w.deployed_at_s
            if rolled_back:
                add(
                    run.effect_s,
                    ChangeKind.DEPLOY,
                    f"revision {w.revision - 1} rolled out: rollback from {w.revision} "
                    f"({w.image}:{previous_tag})",
                    f"rollback:{n}",
                )
        if _is_on(w, response.restart):
            what = "pods" if w.platform == "kubernetes" else "containers"
            add(
                run.effect_s,
                ChangeKind.RESTART,
                f"{w.replicas} {what} restarted",
                f"restart:{n}",
            )
    state = _state(world, w, now_s)
    kind = ChangeKind.OOM if w.oom else ChangeKind.DIE
    for n, at in enumerate(state.crashes):
        for i in range(w.replicas):
            name = _instance(world, w, state.revision, i)
            why = "OOM-killed" if w.oom else f"exited with code {w.exit_code}"
            add(at, kind, f"{name} {why}, restarted ({n + 1})", f"crash:{i}:{n}", name)
    return out


def _instance(world: DrillWorld, w: Workload, revision: int, i: int) -> str:
    if w.platform == "docker":
        return f"{w.name}-{i + 1}"
    return f"{w.name}-{_pod_hash(world, w, revision)}-{_suffix(world, w, revision, i)}"


def _rollout(w: Workload, state: _State, now_s: float) -> Rollout:
    ready = 0 if state.crashing else w.replicas
    status = "complete"
    if state.crashing:
        status = "stalled: pods crashlooping"
    elif now_s - state.started_s < STAGGER_S * w.replicas:
        status = "progressing"
    return Rollout(
        kind="deployment",
        name=w.name,
        namespace=w.namespace,
        revision=str(state.revision),
        previous_revision=str(state.previous) if state.previous is not None else "",
        desired=w.replicas,
        ready=ready,
        updated=w.replicas,
        status=status,
        image=f"{w.image}:{state.tag}",
    )


def workload_context(
    world: DrillWorld, w: Workload, now: datetime, since: datetime
) -> tuple[list[Container], list[Pod], list[Rollout], list[Change]]:
    """One workload's containers or pods, its rollout, and its changes since `since`."""
    now_s, since_s = world.seconds(now), world.seconds(since)
    state = _state(world, w, now_s)
    restarts = len(state.crashes)
    last_exit = w.exit_code if state.crashes else None
    containers: list[Container] = []
    pods: list[Pod] = []
    for i in range(w.replicas):
        started = world.at(state.started_s + (0 if state.crashes else i * STAGGER_S))
        name = _instance(world, w, state.revision, i)
        if w.platform == "docker":
            containers.append(
                Container(
                    name=name,
                    state="restarting" if state.crashing else "running",
                    image=w.image,
                    tag=state.tag,
                    health="unhealthy" if state.crashing else "healthy",
                    restarts=restarts,
                    started_at=started,
                    exit_code=last_exit,
                    oom_killed=w.oom and bool(state.crashes),
                )
            )
        else:
            reason = "CrashLoopBackOff" if state.crashing else ""
            if not reason and state.crashes:
                reason = "OOMKilled" if w.oom else "Error"
            pods.append(
                Pod(
                    name=name,
                    namespace=w.namespace,
                    phase="Running",
                    ready=0 if state.crashing else 1,
                    containers=1,
                    restarts=restarts,
                    started_at=started,
                    node=f"node-{(i % 3) + 1}",
                    reason=reason,
                )
            )
    rollouts = [_rollout(w, state, now_s)] if w.platform == "kubernetes" else []
    return containers, pods, rollouts, _changes(world, w, now_s, since_s)


def _serves(w: Workload, service: str | None) -> bool:
    if service is None:
        return True
    names = {str(service), *(value for _label, value in getattr(service, "matchers", ()))}
    return w.service in names or w.name in names


class DrillContextSource:
    """Docker and Kubernetes, simulated: the scenario's workloads for the service in scope."""

    name = "drill"

    def __init__(self, world: DrillWorld) -> None:
        self.world = world

    async def context(self, service: str | None, since: datetime) -> ServiceContext:
        await asyncio.sleep(0)
        world = self.world
        now = world.clock.now()
        containers: list[Container] = []
        pods: list[Pod] = []
        rollouts: list[Rollout] = []
        changes: list[Change] = []
        for w in world.scenario.workloads:
            if _serves(w, service):
                c, p, r, ch = workload_context(world, w, now, since)
                containers += c
                pods += p
                rollouts += r
                changes += ch
        return ServiceContext(
            source=self.name,
            service=service,
            fetched_at=now,
            containers=tuple(containers),
            pods=tuple(pods),
            rollouts=tuple(rollouts),
            changes=tuple(newest_first(changes)),
        )

    async def aclose(self) -> None:
        return None
