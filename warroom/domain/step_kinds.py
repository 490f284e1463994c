"""The step-kind registry: each kind declares its placeholders, renderer, risk rule, executor.

One table, so a new kind is one entry here, and a kind nobody registered fails loudly
(`spec_for` raises) instead of falling through to another kind's quoting or risk rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from warroom.domain import promql
from warroom.domain.errors import RunbookError
from warroom.domain.placeholders import http as http_render
from warroom.domain.placeholders import names
from warroom.domain.placeholders import shell as shell_render
from warroom.domain.placeholders import sql as sql_render
from warroom.domain.placeholders.names import Found
from warroom.domain.runbooks import Risk, StepKind
from warroom.domain.step_risk.http import classify_http
from warroom.domain.step_risk.shell import classify_shell
from warroom.domain.step_risk.sql import classify_sql

Rendered = tuple[str, tuple[str, ...]]
Renderer = Callable[[str, list[Found], Mapping[str, str]], Rendered]


@dataclass(frozen=True, slots=True)
class StepKindSpec:
    """What a kind of step needs: how to find and fill its placeholders, judge it, run it."""

    kind: StepKind
    executor: str  # the executor kind that runs it ("" when it never runs)
    classify: Callable[[str], Risk]
    render: Renderer
    find: Callable[[str], list[Found]] = names.find


def _shell(command: str, found: list[Found], filled: Mapping[str, str]) -> Rendered:
    return shell_render.render(command, found, filled), ()


def _http(command: str, found: list[Found], filled: Mapping[str, str]) -> Rendered:
    return http_render.render(command, found, filled), ()


def _promql(command: str, found: list[Found], filled: Mapping[str, str]) -> Rendered:
    out, pos = [], 0
    for f in found:  # every style becomes `<name>`, which promql.fill places as a literal
        out += [command[pos : f.start], f"<{f.name}>"]
        pos = f.end
    out.append(command[pos:])
    return promql.fill("".join(out), dict(filled)), ()


def _promql_find(command: str) -> list[Found]:
    """PromQL steps also use lower-case `$name` (Grafana style); `$__interval`-like stay."""
    found = names.find(command)
    taken = {(f.start, f.end) for f in found}
    for m in promql.PLACEHOLDER.finditer(command):
        name = m.group(1) or m.group(2) or m.group(3)
        free = all(m.end() <= f.start or m.start() >= f.end for f in found)
        if (m.start(), m.end()) not in taken and not name.startswith("__") and free:
            found.append(Found(m.start(), m.end(), name))
    return sorted(found, key=lambda f: f.start)


def _text(command: str, found: list[Found], filled: Mapping[str, str]) -> Rendered:
    return command, ()


def _read(command: str) -> Risk:
    return Risk.READ


REGISTRY: dict[StepKind, StepKindSpec] = {
    StepKind.SHELL: StepKindSpec(StepKind.SHELL, "shell", classify_shell, _shell),
    StepKind.SQL: StepKindSpec(StepKind.SQL, "sql", classify_sql, sql_render.render),
    StepKind.PROMQL: StepKindSpec(StepKind.PROMQL, "promql", _read, _promql, _promql_find),
    StepKind.HTTP: StepKindSpec(StepKind.HTTP, "http", classify_http, _http),
    StepKind.TEXT: StepKindSpec(StepKind.TEXT, "", _read, _text, lambda command: []),
}


def spec_for(kind: StepKind | str) -> StepKindSpec:
    """The registered spec of `kind`; an unknown kind is an error, never a fallback."""
    spec = REGISTRY.get(kind) if isinstance(kind, StepKind) else None
    if spec is None:
        raise RunbookError(
            f"unknown step kind {str(kind)!r}: no renderer or risk rule is registered"
        )
    return spec
