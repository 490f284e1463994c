"""HTTP steps (`GET https://…`, header lines, optional body) through httpx."""

from __future__ import annotations

import contextlib
import json
import time

from warroom.domain.errors import RunbookError, SourceTimeout, SourceUnavailable
from warroom.domain.ports import OutputSink, RenderedStep, StepResult
from warroom.domain.runbooks import StepKind
from warroom.sources.executors.shell import ShellOptions, output_options
from warroom.sources.executors.step_output import emit_lines

BODY_SHOWN = 64 * 1024


def parse_request(text: str) -> tuple[str, str, dict[str, str], str]:
    """`METHOD URL [HTTP/1.1]`, then `Name: value` lines, a blank line and the body."""
    lines = text.strip("\n").split("\n")
    first = lines[0].split()
    if len(first) < 2:
        raise RunbookError("an HTTP step starts with METHOD URL")
    method, url = first[0].upper(), first[1]
    headers: dict[str, str] = {}
    k = 1
    while k < len(lines) and lines[k].strip():
        name, sep, value = lines[k].partition(":")
        if not sep:
            raise RunbookError(f"not a header line: {lines[k]!r}")
        headers[name.strip()] = value.strip()
        k += 1
    body = "\n".join(lines[k + 1 :]) if k < len(lines) else ""
    return method, url, headers, body


class HttpExecutor:
    name = "http"

    def __init__(self, *, options: ShellOptions | None = None) -> None:
        self.options = options

    def handles(self, rendered: RenderedStep) -> bool:
        return rendered.step.kind is StepKind.HTTP

    async def execute(
        self, rendered: RenderedStep, emit: OutputSink, timeout_s: float
    ) -> StepResult:
        import httpx  # heavy: only when an HTTP step runs

        method, url, headers, body = parse_request(rendered.command)
        started = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=False) as client:
                response = await client.request(
                    method, url, headers=headers, content=body.encode() if body else None
                )
        except httpx.TimeoutException as exc:
            raise SourceTimeout(f"{url} did not answer in {timeout_s:g} s") from exc
        except httpx.HTTPError as exc:
            raise SourceUnavailable(f"{method} {url}: {exc}") from exc
        lines = [
            f"HTTP/{response.http_version.split('/')[-1]} {response.status_code} {response.reason_phrase}"
        ]
        text = response.text[:BODY_SHOWN]
        if "json" in response.headers.get("content-type", ""):
            with contextlib.suppress(ValueError):
                text = json.dumps(response.json(), indent=2)[:BODY_SHOWN]
        lines.extend(text.splitlines())
        done = emit_lines(lines, emit, **output_options(self.options, rendered))
        return StepResult(
            exit_code=0 if response.status_code < 400 else 22,  # like curl -f
            duration_s=time.monotonic() - started,
            output=done.output,
            output_file=done.file,
            executor=self.name,
        )
