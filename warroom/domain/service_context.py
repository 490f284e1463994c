"""What is running and what changed for the service in scope: containers, pods, rollouts and a
list of recent changes, as plain values a source returns and the UI and the log read.

Most outages follow a change; these types let a commander see the deploy three minutes before
the first alert beside the alert itself. Sources (docker, kubernetes, the drill) fill them; the
domain knows nothing of either client. Every text field is untrusted (container names, event
messages): show it through `domain.untrusted`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable


class ChangeKind(StrEnum):
    DEPLOY = "deploy"  # a new revision / ReplicaSet / image rolled out
    IMAGE = "image"  # a container came back with another image
    START = "start"
    DIE = "die"
    OOM = "oom"
    RESTART = "restart"
    WARNING = "warning"  # a Kubernetes Warning event
    COMMAND = "command"  # a line from a configured command (git log of a deploy repo...)

    @property
    def glyph(self) -> str:
        """The mark drawn under a sparkline at the change's time."""
        return {
            "deploy": "▲",
            "image": "▲",
            "start": "·",
            "die": "✕",
            "oom": "✕",
            "restart": "↻",
            "warning": "!",
            "command": "◆",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Change:
    """One thing that changed. `key` is stable across polls (the event's uid, or
    source+object+time), so the log records each change once, never on every poll."""

    at: datetime
    kind: ChangeKind
    text: str  # one line: "revision 14 rolled out (image api:1.8.2)"
    source: str  # "docker", "kubernetes", "drill", or the configured command's name
    key: str
    subject: str = ""  # the container / pod / workload it concerns


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    state: str  # running, restarting, exited, created, paused, dead
    image: str  # repository without the tag
    tag: str
    health: str = ""  # healthy, unhealthy, starting, or "" when the image has no healthcheck
    restarts: int = 0
    started_at: datetime | None = None
    exit_code: int | None = None  # the last exit's code, when it has exited before
    oom_killed: bool = False


@dataclass(frozen=True, slots=True)
class Pod:
    name: str
    namespace: str
    phase: str  # Pending, Running, Succeeded, Failed, Unknown
    ready: int
    containers: int
    restarts: int = 0
    started_at: datetime | None = None
    node: str = ""
    reason: str = ""  # a waiting reason now (CrashLoopBackOff) or the last termination (OOMKilled)


@dataclass(frozen=True, slots=True)
class Rollout:
    """A workload (deployment, statefulset, daemonset) and where its rollout stands."""

    kind: str
    name: str
    namespace: str
    revision: str
    previous_revision: str = ""
    desired: int = 0
    ready: int = 0
    updated: int = 0
    status: str = ""  # "complete", "progressing", "stalled: <reason>"
    image: str = ""


@dataclass(frozen=True, slots=True)
class ServiceContext:
    """One source's answer for one service. `error` set means the source could not answer:
    the region says so and keeps the last good answer's rows, marked with their age."""

    source: str
    service: str | None
    fetched_at: datetime
    containers: tuple[Container, ...] = ()
    pods: tuple[Pod, ...] = ()
    rollouts: tuple[Rollout, ...] = ()
    changes: tuple[Change, ...] = ()
    error: str | None = None


@runtime_checkable
class ServiceContextSource(Protocol):
    """Where the service's containers or pods and its changes come from (docker, kubernetes,
    the drill). Read-only. Raises `errors.SourceError` subclasses only."""

    name: str

    async def context(self, service: str | None, since: datetime) -> ServiceContext:
        """The service's containers/pods now and its changes since `since` (newest first)."""
        ...

    async def aclose(self) -> None: ...


def newest_first(changes: Iterable[Change]) -> list[Change]:
    """Changes from several sources merged, each once (by key), newest first."""
    seen: dict[str, Change] = {}
    for change in changes:
        seen.setdefault(change.key, change)
    return sorted(seen.values(), key=lambda c: c.at, reverse=True)
