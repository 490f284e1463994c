"""Docker steps through the Docker SDK when the daemon answers; plain shell otherwise.

`docker restart|stop|start|logs|ps|inspect NAME…` map straight onto the SDK. The SDK has no
compose, so `docker compose [-f FILE] [-p PROJECT] restart|ps|logs SERVICE…` acts on the
containers labelled `com.docker.compose.service=SERVICE` of that project. Anything else
(pipes, `--format`, `-f` follow, `up --scale`, an unreachable daemon, no matching
containers) falls through to the shell executor, so the step still runs exactly as written.
The SDK blocks: every call runs in a thread under a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from warroom.domain.durations import parse_duration
from warroom.domain.ports import OutputSink, RenderedStep, StepResult
from warroom.domain.runbooks import StepKind
from warroom.domain.shell_syntax import plain_words
from warroom.sources.executors.shell import ShellOptions, output_options, run_shell
from warroom.sources.executors.step_output import ThreadedStepOutput

PING_TIMEOUT_S = 2.0
_DIRECT = {"restart", "stop", "start", "logs", "ps", "inspect"}
_COMPOSE = {"restart", "ps", "logs"}


@dataclass(slots=True)
class DockerCall:
    """A docker command the SDK can do."""

    action: str
    names: list[str] = field(default_factory=list)
    compose: bool = False
    files: list[str] = field(default_factory=list)
    project: str = ""
    tail: int | None = None
    since: str = ""
    timestamps: bool = False
    all: bool = False
    quiet: bool = False
    stop_timeout: int | None = None


def parse_docker(command: str) -> DockerCall | None:
    """The SDK form of a simple docker command, or None when only the CLI can do it."""
    words = plain_words(command)
    if words is None:
        return None
    if not words:
        return None
    if words[0] == "docker-compose":
        return _parse_compose(words[1:])
    if words[0] != "docker" or len(words) < 2:
        return None
    if words[1] == "compose":
        return _parse_compose(words[2:])
    action, args = words[1], words[2:]
    if action not in _DIRECT:
        return None
    call = DockerCall(action)
    i = 0
    while i < len(args):
        a = args[i]
        value = args[i + 1] if i + 1 < len(args) else None
        if action in {"restart", "stop"} and a in {"-t", "--time", "--timeout"} and value:
            call.stop_timeout = int(value)
            i += 2
            continue
        if action in {"restart", "stop"} and a.startswith(("--time=", "--timeout=")):
            call.stop_timeout = int(a.split("=", 1)[1])
        elif action == "logs" and a in {"--tail", "-n"} and value:
            if value != "all":
                call.tail = int(value)
            i += 2
            continue
        elif action == "logs" and a.startswith("--tail="):
            call.tail = int(a.split("=", 1)[1])
        elif action == "logs" and a == "--since" and value:
            call.since = value
            i += 2
            continue
        elif action == "logs" and a in {"-t", "--timestamps"}:
            call.timestamps = True
        elif action == "ps" and a in {"-a", "--all"}:
            call.all = True
        elif action == "ps" and a in {"-q", "--quiet"}:
            call.quiet = True
        elif a.startswith("-"):
            return None  # an option we do not emulate (-f, --format, --filter …)
        else:
            call.names.append(a)
        i += 1
    if action != "ps" and not call.names:
        return None
    if action == "logs" and len(call.names) != 1:
        return None
    return call


def _parse_compose(args: list[str]) -> DockerCall | None:
    files: list[str] = []
    project = ""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        a = args[i]
        if a in {"-f", "--file"} and i + 1 < len(args):
            files.append(args[i + 1])
            i += 2
        elif a in {"-p", "--project-name"} and i + 1 < len(args):
            project = args[i + 1]
            i += 2
        elif a.startswith("--file="):
            files.append(a.split("=", 1)[1])
            i += 1
        elif a.startswith("--project-name="):
            project = a.split("=", 1)[1]
            i += 1
        else:
            return None
    if i >= len(args) or args[i] not in _COMPOSE:
        return None
    call = DockerCall(args[i], compose=True, files=files, project=project)
    rest = args[i + 1 :]
    k = 0
    while k < len(rest):
        a = rest[k]
        if call.action == "logs" and a in {"--tail", "-n"} and k + 1 < len(rest):
            call.tail = None if rest[k + 1] == "all" else int(rest[k + 1])
            k += 2
            continue
        if call.action == "logs" and a in {"--no-color", "-t", "--timestamps"}:
            call.timestamps = call.timestamps or a != "--no-color"
        elif call.action == "restart" and a in {"-t", "--timeout"} and k + 1 < len(rest):
            call.stop_timeout = int(rest[k + 1])
            k += 2
            continue
        elif call.action == "ps" and a in {"-a", "--all"}:
            call.all = True
        elif a.startswith("-"):
            return None
        else:
            call.names.append(a)
        k += 1
    if call.action == "restart" and not call.names:
        return None
    return call


def compose_project_names(call: DockerCall, cwd: str | None = None) -> set[str]:
    """The project names a compose command may mean (compose's own default rules)."""
    if call.project:
        return {call.project}
    base = os.path.dirname(os.path.abspath(call.files[0])) if call.files else (cwd or os.getcwd())
    name = re.sub(r"[^a-z0-9_-]", "", os.path.basename(base).lower())
    return {name}


class DockerExecutor:
    """SDK first, shell as the fallback; `client_factory` builds a docker client."""

    name = "docker"

    def __init__(
        self,
        *,
        client_factory: Callable[[], Any] | None = None,
        call_timeout_s: float = 30.0,
        shell_options: ShellOptions | None = None,
    ) -> None:
        self._factory = client_factory or _default_client
        self.call_timeout_s = call_timeout_s
        self.shell_options = shell_options

    def handles(self, rendered: RenderedStep) -> bool:
        return rendered.step.kind is StepKind.SHELL and parse_docker(rendered.command) is not None

    async def execute(
        self, rendered: RenderedStep, emit: OutputSink, timeout_s: float
    ) -> StepResult:
        call = parse_docker(rendered.command)
        client = await self._client() if call else None
        if call is None or client is None:
            return await run_shell(rendered.command, emit, timeout_s, options=self.shell_options)
        started = time.monotonic()
        out = ThreadedStepOutput(emit, **output_options(self.shell_options, rendered)).start()
        try:
            code = await asyncio.wait_for(
                asyncio.to_thread(self._do, client, call, out), min(timeout_s, self.call_timeout_s)
            )
        except _FallBack:
            with contextlib.suppress(Exception):
                client.close()
            out.finish()
            return await run_shell(rendered.command, emit, timeout_s, options=self.shell_options)
        except TimeoutError:
            await asyncio.sleep(0)
            done = out.finish(f"[timed out after {timeout_s:g} s]")
            return StepResult(
                None,
                time.monotonic() - started,
                done.output,
                timed_out=True,
                executor=self.name,
                output_file=done.file,
            )
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            done = out.finish("[cancelled]")
            return StepResult(
                None,
                time.monotonic() - started,
                done.output,
                cancelled=True,
                executor=self.name,
                output_file=done.file,
            )
        finally:
            with contextlib.suppress(Exception):
                client.close()
        done = out.finish()
        return StepResult(
            exit_code=code,
            duration_s=time.monotonic() - started,
            output=done.output,
            executor=self.name,
            output_file=done.file,
        )

    async def _client(self) -> Any | None:
        try:
            client = await asyncio.wait_for(asyncio.to_thread(self._factory), PING_TIMEOUT_S)
            await asyncio.wait_for(asyncio.to_thread(client.ping), PING_TIMEOUT_S)
            return client
        except Exception:  # daemon not reachable: the shell gets its chance
            return None

    # --- blocking part, in a thread ----------------------------------------------------

    def _do(self, client: Any, call: DockerCall, out: Callable[[str], None]) -> int:
        import docker.errors

        try:
            if call.compose:
                return self._compose(client, call, out)
            if call.action == "ps":
                return _ps(client.containers.list(all=call.all), out, quiet=call.quiet)
            code = 0
            for name in call.names:
                try:
                    if call.action == "inspect":
                        continue
                    container = client.containers.get(name)
                    if call.action == "logs":
                        _logs(container, call, out)
                    else:
                        _lifecycle(container, call)
                        out(name)
                except docker.errors.NotFound:
                    out(f"Error response from daemon: No such container: {name}")
                    code = 1
            if call.action == "inspect":
                found = []
                for name in call.names:
                    try:
                        found.append(client.api.inspect_container(name))
                    except docker.errors.NotFound:
                        code = 1
                        out(f"Error: No such object: {name}")
                for line in json.dumps(found, indent=4).splitlines():
                    out(line)
            return code
        except docker.errors.APIError as exc:
            out(f"Error response from daemon: {exc.explanation or exc}")
            return 1

    def _compose(self, client: Any, call: DockerCall, out: Callable[[str], None]) -> int:
        projects = compose_project_names(call)
        containers = [
            c
            for c in client.containers.list(
                all=True, filters={"label": "com.docker.compose.service"}
            )
            if c.labels.get("com.docker.compose.project") in projects
            and (not call.names or c.labels.get("com.docker.compose.service") in call.names)
        ]
        if not containers:
            raise _FallBack  # nothing we know: let docker compose itself answer
        containers.sort(key=lambda c: c.name)
        if call.action == "ps":
            return _ps(
                containers if call.all else [c for c in containers if c.status == "running"], out
            )
        if call.action == "logs":
            for c in containers:
                _logs(c, call, out, prefix=f"{c.name}  | ")
            return 0
        for c in containers:
            out(f" Container {c.name}  Restarting")
            _lifecycle(c, call)
            out(f" Container {c.name}  Started")
        return 0


class _FallBack(Exception):
    """The SDK cannot do this one after all: run the command through the shell."""


def _default_client() -> Any:
    import docker

    return docker.from_env(timeout=int(PING_TIMEOUT_S * 5))


def _lifecycle(container: Any, call: DockerCall) -> None:
    kwargs = {"timeout": call.stop_timeout} if call.stop_timeout is not None else {}
    if call.action == "restart":
        container.restart(**kwargs)
    elif call.action == "stop":
        container.stop(**kwargs)
    else:
        container.start()


def _since(value: str) -> datetime | int | None:
    if not value:
        return None
    if not value.isdigit():  # a bare number is a Unix time to docker, not a duration
        with contextlib.suppress(ValueError):
            return int(time.time() - parse_duration(value))
    with contextlib.suppress(ValueError):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None


def _logs(container: Any, call: DockerCall, out: Callable[[str], None], prefix: str = "") -> None:
    kwargs: dict[str, Any] = {"stream": True, "follow": False, "timestamps": call.timestamps}
    kwargs["tail"] = call.tail if call.tail is not None else "all"
    since = _since(call.since)
    if since is not None:
        kwargs["since"] = since
    pending = b""
    for chunk in container.logs(**kwargs):
        pending += chunk
        *done, pending = pending.split(b"\n")
        for raw in done:
            out(prefix + raw.decode("utf-8", "replace"))
    if pending:
        out(prefix + pending.decode("utf-8", "replace"))


def _ps(containers: list[Any], out: Callable[[str], None], *, quiet: bool = False) -> int:
    if quiet:
        for c in containers:
            out(c.short_id)
        return 0
    rows = [("CONTAINER ID", "IMAGE", "STATUS", "NAMES")]
    for c in containers:
        image = (c.attrs.get("Config") or {}).get("Image", "")
        state = c.attrs.get("State") or {}
        rows.append((c.short_id, image, _status(state), c.name))
    widths = [max(len(r[k]) for r in rows) for k in range(4)]
    for r in rows:
        out("   ".join(v.ljust(widths[k]) for k, v in enumerate(r)).rstrip())
    return 0


def _status(state: dict[str, Any]) -> str:
    status = str(state.get("Status", ""))
    if status == "running":
        started = str(state.get("StartedAt", ""))
        try:
            at = datetime.fromisoformat(started[:26].rstrip("Z") + "+00:00")
            secs = int((datetime.now(UTC) - at).total_seconds())
            return f"Up {secs} seconds" if secs < 120 else f"Up {secs // 60} minutes"
        except ValueError:
            return "Up"
    if status == "exited":
        return f"Exited ({state.get('ExitCode', 0)})"
    return status.capitalize()
