"""The alert's section as the pane lists it: its phase headings (with a one-line gist of their
prose) in page order, and under each its steps, each showing the command exactly as it would
run for the selected alert (filled from its labels), or the template with the names no label
fills marked, or why it cannot be filled. Sample output is dimmed "expected output" and the
lines typed inside a shell a step opens are shown inside it, never as steps of their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rich.text import Text

from warroom.domain.errors import RunbookError
from warroom.domain.runbooks import Phase, Risk, Section, Step, StepKind
from warroom.domain.untrusted import clip, inert, one_line

_RISK_STYLE = {Risk.READ: "", Risk.WRITE: "bold", Risk.DESTRUCTIVE: "bold reverse"}
EXPECTED_LINES = 8  # sample output shown under a step; the rest is counted
GIST_CHARS = 160


@dataclass(frozen=True, slots=True)
class Row:
    """One line group of the list: a phase heading (`step` None) or a step (its index)."""

    text: Text
    step: int | None = None


def _indent(depth: int) -> str:
    return "  " * max(depth, 0)


def phase_row(phase: Phase) -> Row:
    pad = _indent(len(phase.path) - 1)
    text = Text(pad + "▾ ", "dim")
    text.append(one_line(phase.title), "bold underline")
    if phase.gist:
        text.append("\n" + pad + "  " + clip(one_line(phase.gist), GIST_CHARS), "dim italic")
    return Row(text)


def _marked(template: str, names: list[str]) -> Text:
    """The template with each unfilled placeholder (any of its spellings) highlighted."""
    text = Text(inert(template))
    for name in names:
        n = re.escape(name)
        forms = rf"<{n}>|\$\{{{n}\}}|\${n}\b|\{{\{{\s*(?:\$labels\.)?{n}\s*\}}\}}"
        text.highlight_regex(re.compile(forms), "bold reverse")
    return text


def command_text(step: Step, labels: Mapping[str, str]) -> tuple[Text, str]:
    """(the command as shown, a one-line note: what is missing or why it cannot be filled)."""
    from warroom.domain.placeholders import missing_values, render_step  # on first selection

    missing = missing_values(step, labels)
    if missing:
        needs = ", ".join(one_line(m) for m in missing)
        return _marked(step.command.strip(), missing), f"no label fills {needs}: asked on enter"
    try:
        rendered = render_step(step, labels)
    except RunbookError as exc:
        return Text(inert(step.command.strip())), f"cannot fill: {one_line(str(exc))}"
    text = Text(inert(rendered.command.strip()))
    if rendered.params:
        params = ", ".join(f"${i}={p!r}" for i, p in enumerate(rendered.params, 1))
        text.append("\nparams: " + one_line(params), "dim")
    return text, ""


def step_row(index: int, step: Step, labels: Mapping[str, str]) -> Row:
    pad = _indent(len(step.phase_path))
    text = Text(pad)
    alt = step.alternative_of is not None
    text.append(f"{index + 1:>2}{'┆' if alt else ' '}")
    text.append(f"{step.risk.symbol} {step.risk.value:<5} ", _RISK_STYLE[step.risk])
    text.append(f"{step.kind.value:<6} ", "dim")
    if step.interactive:
        text.append("tty ", "bold")
    if step.script:
        text.append("script ", "dim")
    if step.description:
        # prose around inline code names the command as written: point at the filled one
        prose = step.description.replace(step.command.strip(), "↓") if step.command.strip() else ""
        text.append(one_line(prose or step.description), "dim")
    command, note = command_text(step, labels)
    body = Text()
    for i, part in enumerate(command.split("\n")):
        body.append("\n" + pad + ("   $ " if i == 0 and step.kind is StepKind.SHELL else "     "))
        body.append_text(part)
    text.append_text(body)
    if note:
        style = "bold red" if note.startswith("cannot") else "italic"
        text.append("\n" + pad + "     " + note, style)
    if step.session_lines:
        text.append("\n" + pad + "     inside that shell (typed there, never run here):", "dim")
        for typed in step.session_lines:
            text.append("\n" + pad + "     │ " + one_line(typed), "dim italic")
    if step.expected_output:
        lines = step.expected_output.rstrip("\n").splitlines()
        text.append("\n" + pad + "     expected output:", "dim")
        for sample in lines[:EXPECTED_LINES]:
            text.append("\n" + pad + "     ┊ " + one_line(sample), "dim")
        if len(lines) > EXPECTED_LINES:
            text.append(f"\n{pad}     ┊ … {len(lines) - EXPECTED_LINES} more lines", "dim")
    return Row(text, index)


def section_rows(section: Section, labels: Mapping[str, str]) -> list[Row]:
    """Headings and steps merged in page order (a heading before the steps on its lines)."""
    items: list[tuple[int, int, int]] = [(p.line, 0, i) for i, p in enumerate(section.phases)]
    items += [(s.line, 1, i) for i, s in enumerate(section.steps)]
    rows: list[Row] = []
    for _, kind, i in sorted(items):
        if kind == 0:
            rows.append(phase_row(section.phases[i]))
        else:
            rows.append(step_row(i, section.steps[i], labels))
    return rows
