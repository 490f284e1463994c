"""PromQL steps against the configured Prometheus (any object with `query_vector`)."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Protocol

from warroom.domain.errors import SourceTimeout
from warroom.domain.ports import OutputSink, RenderedStep, StepResult
from warroom.domain.runbooks import StepKind
from warroom.sources.executors.shell import ShellOptions, output_options
from warroom.sources.executors.step_output import emit_lines


class VectorQuery(Protocol):
    async def query_vector(self, promql: str) -> list[tuple[dict[str, str], float]]: ...


class PromqlExecutor:
    name = "promql"

    def __init__(self, prometheus: Any, *, options: ShellOptions | None = None) -> None:
        self.prometheus = prometheus
        self.options = options

    def handles(self, rendered: RenderedStep) -> bool:
        return rendered.step.kind is StepKind.PROMQL and self.prometheus is not None

    async def execute(
        self, rendered: RenderedStep, emit: OutputSink, timeout_s: float
    ) -> StepResult:
        started = time.monotonic()
        try:
            series = await asyncio.wait_for(
                self.prometheus.query_vector(rendered.command), timeout_s
            )
        except TimeoutError as exc:
            raise SourceTimeout(f"Prometheus did not answer in {timeout_s:g} s") from exc
        rows = [(format_labels(labels), value) for labels, value in series]
        lines = [f"{name}  {format_value(value)}" for name, value in rows]
        lines.append(f"({len(rows)} series)")
        done = emit_lines(lines, emit, **output_options(self.options, rendered))
        return StepResult(
            exit_code=0,
            duration_s=time.monotonic() - started,
            output=done.output,
            output_file=done.file,
            executor=self.name,
            rows=[(name, value) for name, value in rows],
            columns=["series", "value"],
        )


def format_labels(labels: dict[str, str]) -> str:
    name = labels.get("__name__", "")
    rest = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    return f"{name}{{{rest}}}" if rest or not name else name


def format_value(value: float) -> str:
    return f"{value:.6g}"
