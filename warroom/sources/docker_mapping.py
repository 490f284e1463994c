"""Docker's answers (inspect objects, events, SDK failures) made into the domain's containers,
changes and one-line errors. Pure: the docker source fetches, this reads, so recorded objects
test it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from warroom.domain.errors import (
    SourceAuthError,
    SourceBadResponse,
    SourceError,
    SourceTimeout,
    SourceUnavailable,
)
from warroom.domain.service_context import Change, ChangeKind, Container
from warroom.sources.blocking import parse_time


def split_image(reference: str) -> tuple[str, str]:
    """`registry:5000/team/api:1.8@sha256:…` -> (`registry:5000/team/api`, `1.8`)."""
    if reference.startswith("sha256:"):
        return reference[:19], ""
    ref, _, digest = reference.partition("@")
    colon, slash = ref.rfind(":"), ref.rfind("/")
    if colon > slash:
        return ref[:colon], ref[colon + 1 :]
    return ref, (digest[:19] if digest else "latest")


def name_matches(name: str, service: str) -> bool:
    """The container's name is the service's: itself, compose's `project-service-N`, or
    swarm's `service.N.task` (never a longer name that merely starts with it)."""
    svc = re.escape(service)
    pattern = rf"(?:[A-Za-z0-9][\w.-]*[-_])?{svc}(?:[-_]\d+|\.\d+\.\w+)?"
    return re.fullmatch(pattern, name) is not None


def container_from(attrs: Mapping[str, Any], last_exit: int | None = None) -> Container:
    """An inspect answer as the domain's `Container`. A running container's own exit code is
    0 again (the daemon resets it on start): its last real exit comes from the die events."""
    state = attrs.get("State") or {}
    image, tag = split_image(
        str((attrs.get("Config") or {}).get("Image") or attrs.get("Image", ""))
    )
    status = str(state.get("Status", "") or "")
    exit_code: int | None = last_exit
    if status in ("exited", "dead", "restarting") and parse_time(state.get("FinishedAt")):
        exit_code = int(state.get("ExitCode") or 0)
    return Container(
        name=str(attrs.get("Name", "")).lstrip("/"),
        state=status,
        image=image,
        tag=tag,
        health=str((state.get("Health") or {}).get("Status", "") or ""),
        restarts=int(attrs.get("RestartCount") or 0),
        started_at=parse_time(state.get("StartedAt")),
        exit_code=exit_code,
        oom_killed=bool(state.get("OOMKilled")),
    )


def change_from(event: Mapping[str, Any]) -> Change | None:
    """A container event as a `Change` (None for one we do not show)."""
    action = str(event.get("Action") or event.get("status") or "")
    actor = event.get("Actor") or {}
    attributes = actor.get("Attributes") or {}
    name = str(attributes.get("name", "") or actor.get("ID", "")[:12])
    nanos = int(event.get("timeNano") or int(event.get("time") or 0) * 1_000_000_000)
    at = datetime.fromtimestamp(nanos / 1e9, UTC)
    key = f"docker:{actor.get('ID', name)}:{action}:{nanos}"
    if action == "start":
        kind, text = ChangeKind.START, f"{name} started ({attributes.get('image', '')})"
    elif action == "die":
        kind, text = ChangeKind.DIE, f"{name} exited with code {attributes.get('exitCode', '?')}"
    elif action == "oom":
        kind, text = ChangeKind.OOM, f"{name} ran out of memory (OOM)"
    elif action == "restart":
        kind, text = ChangeKind.RESTART, f"{name} restarted"
    else:
        return None
    return Change(at=at, kind=kind, text=text, source="docker", key=key, subject=name)


def image_swaps(events: list[tuple[Change, Mapping[str, Any]]]) -> list[Change]:
    """A start with another image than the same container name's previous start."""
    last: dict[str, str] = {}
    swaps: list[Change] = []
    for change, event in events:
        if change.kind is not ChangeKind.START:
            continue
        image = str(((event.get("Actor") or {}).get("Attributes") or {}).get("image", ""))
        before = last.get(change.subject)
        last[change.subject] = image
        if before is not None and before != image:
            text = f"{change.subject} now runs {image} (was {before})"
            key = f"docker:image:{change.key}"
            swaps.append(Change(change.at, ChangeKind.IMAGE, text, "docker", key, change.subject))
    return swaps


def source_error(exc: BaseException, address: str) -> SourceError:
    """The SDK's (or requests') failure as one line a commander can act on."""
    chain: list[BaseException] = []
    node: BaseException | None = exc
    while node is not None and len(chain) < 10:
        chain.append(node)
        chain.extend(a for a in node.args if isinstance(a, BaseException))
        node = node.__cause__ or node.__context__
    text = " ".join(str(e) for e in chain)
    if any(isinstance(e, PermissionError) for e in chain) or "Permission denied" in text:
        return SourceAuthError(
            f"docker: permission denied on {address} (is this user in the docker group?)"
        )
    if any(isinstance(e, TimeoutError) for e in chain) or "timed out" in text.lower():
        return SourceTimeout(f"docker: the daemon at {address} did not answer in time")
    if any(isinstance(e, FileNotFoundError | ConnectionRefusedError) for e in chain) or any(
        type(e).__name__ in ("ConnectionError", "NewConnectionError") for e in chain
    ):
        return SourceUnavailable(f"docker: no daemon answers at {address}")
    if any(isinstance(e, json.JSONDecodeError) for e in chain) or "Expecting value" in text:
        return SourceBadResponse(
            f"docker: the daemon at {address} answered something that is not JSON"
        )
    explanation = getattr(exc, "explanation", None) or str(exc)
    first = " ".join(str(explanation).split())[:200]
    return SourceBadResponse(f"docker: {first}")
