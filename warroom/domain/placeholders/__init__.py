"""Placeholders in runbook steps: found in every style, filled from alert labels, made safe.

Nothing a label or a typed value contains may run as code or change what a step does. A value
fills its placeholder as data only: shell values quoted for every program that reads them
(`placeholders.shell`), SQL values as bind parameters and names as quoted identifiers
(`placeholders.sql`), HTTP values encoded for the URL part or body they land in
(`placeholders.http`), PromQL values as escaped literals (`domain.promql`). A value that would
become an option, climb a path or sit in program text is refused with a one-line reason
(`UnsafeValue`). Risk is then judged on the rendered command (`RenderedStep.risk`).
"""

from __future__ import annotations

from collections.abc import Mapping

from warroom.domain import ports, step_kinds
from warroom.domain.errors import RunbookError
from warroom.domain.placeholders.names import (
    SYNONYMS,
    fold,
    lookup,
    names_in,
    value_from_labels,
)
from warroom.domain.placeholders.target import default_target, target
from warroom.domain.placeholders.values import UnsafeValue
from warroom.domain.runbooks import Risk, Step

__all__ = [
    "SYNONYMS",
    "UnsafeValue",
    "default_target",
    "fold",
    "missing_values",
    "placeholders_in",
    "render_step",
    "value_from_labels",
]


def placeholders_in(command: str) -> tuple[str, ...]:
    """Every placeholder name in a command, of every style, in order, without repeats."""
    return names_in(command)


def _names(step: Step) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for f in step_kinds.spec_for(step.kind).find(step.command):
        seen.setdefault(f.name, None)
    return tuple(seen)


def missing_values(step: Step, labels: Mapping[str, str]) -> list[str]:
    """Placeholders no label fills: the commander is asked for these before the run."""
    return [n for n in _names(step) if value_from_labels(n, labels) is None]


def render_step(
    step: Step, labels: Mapping[str, str], values: Mapping[str, str] | None = None
) -> ports.RenderedStep:
    """The step exactly as it will run; typed `values` win over labels.

    Raises RunbookError naming every placeholder without a value, `UnsafeValue` for a value
    that cannot be placed safely, and RunbookError for a kind nobody registered."""
    spec = step_kinds.spec_for(step.kind)
    found = spec.find(step.command)
    filled: dict[str, str] = {}
    missing: list[str] = []
    for f in found:
        value = lookup(f.name, labels, values or {})
        if value is None:
            missing.append(f.name) if f.name not in missing else None
        else:
            filled[f.name] = value
    if missing:
        raise RunbookError("no value for " + ", ".join(f"<{m}>" for m in missing))
    command, params = spec.render(step.command, found, filled) if found else (step.command, ())
    risk = spec.classify(command)
    destructive = step.risk is Risk.DESTRUCTIVE or risk is Risk.DESTRUCTIVE
    chosen = target(step.kind, command, filled) if destructive else ""
    return ports.RenderedStep(
        step=step, command=command, params=params, target=chosen, rendered_risk=risk
    )
