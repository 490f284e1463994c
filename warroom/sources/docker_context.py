"""The service's containers and what happened to them, from a docker daemon (read-only).

Which containers: those labelled `<selector_label>=<service>` when a label is configured, else
the compose service's (`com.docker.compose.service`, and `com.docker.compose.project` when a
project is configured), else those whose name is the service's (`api`, `ops-api-1`,
`ops_api_1`, swarm's `api.1.<task>`). Each is inspected for state, health, restart count, start
time, image, last exit code and the OOM flag.

Changes are the daemon's own events (start, die, oom, restart) since the window's start, read
as a bounded query (`until` = now, so the daemon closes the stream), and image changes: a
container that starts with another image than its previous start in the window, or (across
polls) one that now runs another image id under the same name. Events already read are kept,
so a poll only asks for the seconds since the last one. The SDK blocks: every call runs in a
thread (`blocking.OneAtATime`) under the configured timeout. Answers are read by
`docker_mapping`.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warroom.domain.clock import Clock, SystemClock, utc
from warroom.domain.errors import (
    SourceAuthError,
    SourceError,
    SourceUnavailable,
)
from warroom.domain.service_context import Change, ChangeKind, Container, ServiceContext
from warroom.sources.blocking import OneAtATime, parse_time
from warroom.sources.docker_mapping import (
    change_from,
    container_from,
    image_swaps,
    name_matches,
    source_error,
)

COMPOSE_SERVICE = "com.docker.compose.service"
COMPOSE_PROJECT = "com.docker.compose.project"
DEFAULT_SOCKET = "unix:///var/run/docker.sock"
EVENTS = ("start", "die", "oom", "restart")
MAX_CONTAINERS = 50
MAX_EVENTS = 2000


def docker_reachable(host: str = "", environ: Mapping[str, str] | None = None) -> bool:
    """Cheap, without importing the SDK: a configured or `DOCKER_HOST` address, or a local
    socket file that exists. Nothing here connects (the first poll says if it is down)."""
    env = os.environ if environ is None else environ
    address = host or env.get("DOCKER_HOST", "") or DEFAULT_SOCKET
    if address.startswith("unix://"):
        return os.path.exists(address[len("unix://") :])
    return bool(address)


@dataclass(slots=True)
class _Seen:
    """What earlier polls learnt: events since `covered_from`, read up to `cursor` (Unix time)."""

    selector: tuple[Any, ...] = ()
    covered_from: float | None = None
    cursor: float = 0.0
    events: dict[str, tuple[Change, Mapping[str, Any]]] = field(default_factory=dict)
    last_exit: dict[str, int] = field(default_factory=dict)  # container id -> exit code
    images: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (ref, id)
    image_changes: dict[str, Change] = field(default_factory=dict)


class DockerContextSource:
    """`ServiceContextSource` over the docker SDK. `client_factory` builds a client (tests)."""

    name = "docker"

    def __init__(
        self,
        *,
        host: str = "",
        selector_label: str = "",
        project: str = "",
        timeout_s: float = 5.0,
        clock: Clock | None = None,
        client_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.host = host
        self.selector_label = selector_label
        self.project = project
        self.timeout_s = timeout_s
        self._clock = clock or SystemClock()
        self._factory = client_factory or self._default_client
        self._client: Any = None
        self._calls = OneAtATime("docker")
        self._seen = _Seen()
        self._skew = 0.0  # the daemon's clock minus ours: `until` is in the daemon's time

    def _default_client(self) -> Any:
        import docker

        if self.host:
            return docker.DockerClient(base_url=self.host, timeout=max(1, int(self.timeout_s)))
        return docker.from_env(timeout=max(1, int(self.timeout_s)))

    async def context(self, service: str | None, since: datetime) -> ServiceContext:
        since = utc(since)  # a naive time is UTC, as everywhere in the console
        containers, changes = await self._calls.run(
            lambda: self._fetch(service, since), self.timeout_s * 2
        )
        return ServiceContext(
            source=self.name,
            service=service,
            fetched_at=self._clock.now(),
            containers=containers,
            changes=changes,
        )

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await self._calls.run(client.close, 2.0)

    # --- blocking part, in a thread ----------------------------------------------------

    def _fetch(
        self, service: str | None, since: datetime
    ) -> tuple[tuple[Container, ...], tuple[Change, ...]]:
        try:
            if self._client is None:
                self._client = self._factory()
                self._skew = _clock_skew(self._client)
            client = self._client
            summaries, selector = self._matching(client, service)
            inspected = []
            for summary in summaries[:MAX_CONTAINERS]:
                attrs = _inspect(client, str(summary.get("Id", "")))
                if attrs is not None:
                    inspected.append(attrs)
            changes = self._events(client, selector, since) if selector else []
        except SourceError:
            raise
        except Exception as exc:
            error = source_error(exc, self.host or os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET)
            if isinstance(error, SourceUnavailable | SourceAuthError):
                self._drop_client()
            raise error from None
        changes += self._image_changes(inspected, since)
        containers = tuple(
            sorted(
                (container_from(a, self._seen.last_exit.get(str(a.get("Id")))) for a in inspected),
                key=lambda c: c.name,
            )
        )
        return containers, tuple(sorted(changes, key=lambda c: c.at, reverse=True))

    def _drop_client(self) -> None:
        client, self._client = self._client, None
        with contextlib.suppress(Exception):
            client.close()

    def _matching(
        self, client: Any, service: str | None
    ) -> tuple[list[dict[str, Any]], tuple[Any, ...]]:
        """The service's container summaries, and the event filter that finds their events."""
        if not service:
            return [], ()
        labels: list[str]
        if self.selector_label:
            labels = [f"{self.selector_label}={service}"]
        else:
            labels = [f"{COMPOSE_SERVICE}={service}"]
        if self.project:
            labels.append(f"{COMPOSE_PROJECT}={self.project}")
        found = client.api.containers(all=True, filters={"label": labels})
        if found or self.selector_label:
            return list(found), ("label", tuple(labels))
        named = [
            c
            for c in client.api.containers(all=True)
            if any(name_matches(n.lstrip("/"), service) for n in c.get("Names") or ())
        ]
        names = tuple(sorted({n.lstrip("/") for c in named for n in c.get("Names") or ()}))
        return named, (("container", names) if names else ())

    def _events(self, client: Any, selector: tuple[Any, ...], since: datetime) -> list[Change]:
        seen = self._seen
        start, now = since.timestamp(), max(time.time() + self._skew, since.timestamp())
        if seen.selector != selector or seen.covered_from is None or start < seen.covered_from:
            seen.selector, seen.covered_from, seen.cursor = selector, start, start
            seen.events.clear()
        kind, values = selector
        filters: dict[str, Any] = {"type": "container", "event": list(EVENTS), kind: list(values)}
        stream = self._event_stream(client, max(start, seen.cursor - 1), now, filters)
        try:
            for event in itertools.islice(stream, MAX_EVENTS):
                change = change_from(event)
                if change is None:
                    continue
                if kind == "container" and change.subject not in values:
                    continue  # the daemon matches names by prefix
                seen.events[change.key] = (change, event)
                if change.kind is ChangeKind.DIE:  # the stream is in time order: last one wins
                    actor = event.get("Actor") or {}
                    with contextlib.suppress(TypeError, ValueError):
                        code = int((actor.get("Attributes") or {}).get("exitCode", ""))
                        seen.last_exit[str(actor.get("ID"))] = code
        finally:
            with contextlib.suppress(Exception):
                stream.close()
        seen.cursor = now
        kept = sorted(
            ((c, e) for c, e in seen.events.values() if c.at >= since), key=lambda ce: ce[0].at
        )
        seen.events = {c.key: (c, e) for c, e in kept}
        return [c for c, _ in kept] + image_swaps(kept)

    def _event_stream(
        self, client: Any, since: float, until: float, filters: dict[str, Any]
    ) -> Any:
        """`GET /events` between two times to the nanosecond (the SDK's `events()` rounds
        them to seconds and reads with no timeout at all): the daemon sends what happened
        and closes; each read is bounded by the timeout."""
        from docker.utils import convert_filters

        api = client.api
        params = {
            "since": f"{since:.9f}",
            "until": f"{until:.9f}",
            "filters": convert_filters(filters),
        }
        response = api._get(api._url("/events"), params=params, stream=True, timeout=self.timeout_s)
        api._raise_for_status(response)
        return _Closing(api._stream_helper(response, decode=True), response)

    def _image_changes(self, inspected: list[dict[str, Any]], since: datetime) -> list[Change]:
        """Same name, same image reference, another image id: a rebuilt tag was redeployed
        (the events only name the reference, so this is the one they cannot show)."""
        seen = self._seen
        for attrs in inspected:
            name = str(attrs.get("Name", "")).lstrip("/")
            ref = str((attrs.get("Config") or {}).get("Image", ""))
            image_id = str(attrs.get("Image", ""))
            before = seen.images.get(name)
            seen.images[name] = (ref, image_id)
            if before and before[0] == ref and before[1] != image_id:
                at = parse_time((attrs.get("State") or {}).get("StartedAt")) or self._clock.now()
                key = f"docker:image:{name}:{image_id}"
                text = f"{name} now runs another build of {ref} ({image_id[7:19]})"
                seen.image_changes[key] = Change(at, ChangeKind.IMAGE, text, "docker", key, name)
        seen.image_changes = {k: c for k, c in seen.image_changes.items() if c.at >= since}
        return list(seen.image_changes.values())


class _Closing:
    """An event iterator that closes its HTTP response when done with."""

    def __init__(self, events: Any, response: Any) -> None:
        self._events, self._response = events, response

    def __iter__(self) -> Any:
        return iter(self._events)

    def close(self) -> None:
        self._response.close()


def _clock_skew(client: Any) -> float:
    """How far the daemon's clock is ahead of ours. An `until` in the daemon's future makes
    it hold the stream open until then; a remote daemon's clock may differ by seconds."""
    ours = time.time()
    theirs = parse_time(client.api.info().get("SystemTime"))
    return theirs.timestamp() - ours if theirs else 0.0


def _inspect(client: Any, container_id: str) -> dict[str, Any] | None:
    import docker.errors

    try:
        return dict(client.api.inspect_container(container_id))
    except docker.errors.NotFound:  # removed since it was listed
        return None
