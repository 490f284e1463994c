"""`warroom runbooks check|render|lint`: see what the console will make of a runbook.

`check` lists runbooks, sections with their alerts and steps with kind and risk (exit 1 with
`path:line: message` per problem); `render` is a dry run of a section's steps for an alert,
placeholders filled and quoted exactly as they would run; `lint` warns about sections with no
verify step, changes with no look first, and placeholders no alert label can fill.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from warroom.domain.untrusted import inert, one_line

KNOWN_LABELS = frozenset(
    [
        "alertname",
        "severity",
        "service",
        "job",
        "instance",
        "namespace",
        "pod",
        "container",
        "deployment",
        "host",
        "node",
        "cluster",
        "env",
        "environment",
        "team",
        "region",
        "zone",
        "database",
        "queue",
        "route",
        "status",
        "method",
        "endpoint",
        "app",
        "statefulset",
        "daemonset",
        "persistentvolumeclaim",
        "device",
        "mountpoint",
        "fstype",
    ]
)


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "runbooks", help="check, render and lint Markdown runbooks"
    )
    rsub = parser.add_subparsers(dest="runbooks_command", metavar="ACTION", required=True)

    check = rsub.add_parser("check", help="parse runbooks and list sections, alerts and steps")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (*.md)")
    check.set_defaults(handler=run_check)

    render = rsub.add_parser("render", help="dry run: the steps for an alert, filled in")
    render.add_argument("path", metavar="PATH")
    render.add_argument("--alert", required=True, metavar="NAME")
    render.add_argument("--label", action="append", default=[], metavar="K=V")
    render.add_argument(
        "--value",
        action="append",
        default=[],
        metavar="K=V",
        help="a typed value for a placeholder no label fills",
    )
    render.add_argument("--step", type=int, metavar="N", help="only step N (1-based)")
    render.set_defaults(handler=run_render)

    lint = rsub.add_parser("lint", help="warn about unsafe or unfinished sections")
    lint.add_argument("paths", nargs="+", metavar="PATH")
    lint.set_defaults(handler=run_lint)


def _library(paths: list[str]) -> tuple[Any, list[Path]]:
    from warroom.services.runbook_library import load_library, runbook_files

    files = runbook_files(paths)
    return load_library(files), files


def _step_json(st: Any) -> dict[str, Any]:
    return {
        "kind": st.kind.value,
        "command": st.command,
        "description": st.description,
        "phase": st.phase,
        "placeholders": list(st.placeholders),
        "risk": st.risk.value,
        "alternative_of": st.alternative_of,
        "line": st.line,
        "phase_path": list(st.phase_path),
        "expected_output": st.expected_output,
        "interactive": st.interactive,
        "session_lines": list(st.session_lines),
        "script": st.script,
        "inline": st.inline,
    }


def check_report(paths: list[str]) -> dict[str, Any]:
    """The `check --json` document (keys are only ever added)."""
    from warroom.services.runbook_library import named_alerts

    library, files = _library(paths)
    runbooks: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for runbook, path in zip(library.runbooks, files, strict=True):
        sections = [
            {
                "title": s.title,
                "anchor": s.anchor,
                "line": s.line,
                "alerts": list(s.alerts),
                "steps": [_step_json(st) for st in s.steps],
                "level": s.level,
                "phases": [
                    {
                        "title": p.title,
                        "path": list(p.path),
                        "line": p.line,
                        "anchor": p.anchor,
                        "gist": p.gist,
                    }
                    for p in s.phases
                ],
            }
            for s in runbook.sections
        ]
        in_sections = {a for s in runbook.sections for a in s.alerts}
        named = named_alerts(path)
        runbooks.append(
            {
                "path": runbook.path,
                "title": runbook.title,
                "sections": sections,
                "alerts": named,
                "alerts_without_section": [a for a in named if a not in in_sections],
            }
        )
        errors += [{"path": e.path, "line": e.line, "message": e.message} for e in runbook.errors]
    return {"runbooks": runbooks, "errors": errors}


def _say(text: str, file: Any = None) -> None:
    """Page text printed with its control characters made visible (the page is untrusted)."""
    print(inert(text), file=file or sys.stdout)


def run_check(args: argparse.Namespace) -> int:
    report = check_report(args.paths)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 1 if report["errors"] else 0
    for rb in report["runbooks"]:
        _say(f"{rb['path']}: {rb['title']}")
        for s in rb["sections"]:
            if not s["alerts"] and not s["steps"]:
                continue
            alerts = f"  [{', '.join(s['alerts'])}]" if s["alerts"] else ""
            _say(f"  § {s['title']} (line {s['line']}){alerts}")
            for k, st in enumerate(s["steps"], 1):
                first = st["command"].strip().splitlines()[0] if st["command"].strip() else ""
                alt = (
                    f" (or {st['alternative_of'] + 1})" if st["alternative_of"] is not None else ""
                )
                phase = f" {st['phase']}:" if st["phase"] else ""
                tty = " (interactive)" if st["interactive"] else ""
                _say(f"    {k:>2}. {st['kind']:<6} {st['risk']:<11}{phase} {first}{alt}{tty}")
        if rb["alerts_without_section"]:
            _say(f"  alerts named without a section: {', '.join(rb['alerts_without_section'])}")
        _say(f"  alerts: {', '.join(rb['alerts']) or '(none)'}")
    for e in report["errors"]:
        _say(f"{e['path']}:{e['line']}: {e['message']}")
    return 1 if report["errors"] else 0


def _pairs(items: list[str], what: str) -> dict[str, str]:
    from warroom.domain.errors import ConfigError

    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--{what} wants K=V, not {item!r}")
        out[key] = value
    return out


def run_render(args: argparse.Namespace) -> int:
    """Every step of the alert's section in page order: commands filled and quoted as they
    would run, with no prompt and no sample output; anything not run is a `#` comment."""
    from warroom.domain.errors import RunbookError
    from warroom.domain.placeholders import UnsafeValue, missing_values, render_step

    labels = _pairs(args.label, "label")
    values = _pairs(args.value, "value")
    labels.setdefault("alertname", args.alert)
    library, _ = _library([args.path])
    covering = library.covering(args.alert, {})
    if not covering:
        _say(f"no section covers alert {args.alert!r} in {args.path}", file=sys.stderr)
        return 1
    runbook, section = covering[0]
    _say(f"# {runbook.path}:{section.line}: {section.title}")
    for other, sec in covering[1:]:
        _say(f"# also covered by {other.path}:{sec.line}")
    steps = list(enumerate(section.steps, 1))
    if args.step is not None:
        if not 1 <= args.step <= len(steps):
            _say(f"step {args.step} does not exist (1..{len(steps)})", file=sys.stderr)
            return 1
        steps = [steps[args.step - 1]]
    status = 0
    for k, step in steps:
        _say(_step_head(k, step))
        if step.description:
            _say(f"# {one_line(step.description)}")
        if not step.kind.runnable:
            _say("# (text: shown, never run)")
            _say("\n".join(f"# | {line}" for line in step.command.split("\n")))
            continue
        missing = [m for m in missing_values(step, labels) if m not in values]
        try:
            rendered = render_step(step, labels, values)
        except UnsafeValue as exc:
            _say(f"# {one_line(str(exc))} (the step does not run with it)")
            _say("\n".join(f"# | {line}" for line in step.command.split("\n")))
            status = 1 if args.step is not None else status
            continue
        except RunbookError as exc:
            needs = ", ".join(missing) if missing else one_line(str(exc))
            _say(f"# needs a value for: {needs} (asked before the run)")
            _say("\n".join(f"# | {line}" for line in step.command.split("\n")))
            status = 1 if args.step is not None else status
            continue
        _say(rendered.command)
        for n, p in enumerate(rendered.params, 1):
            _say(f"--   ${n} = {p!r}")
        if step.session_lines:
            _say("# then, typed inside that shell (shown, never run here):")
            _say("\n".join(f"# | {line}" for line in step.session_lines))
        if rendered.target:
            _say(f"# to confirm, type: {rendered.target}")
    return status


def _step_head(k: int, step: Any) -> str:
    head = f"# step {k} · {step.kind.value} · {step.risk.value}"
    if step.phase_label:
        head += f" · {step.phase_label}"
    if step.interactive:
        head += " · interactive"
    if step.alternative_of is not None:
        head += f" · or step {step.alternative_of + 1}"
    return head


def lint_warnings(paths: list[str]) -> list[str]:
    """What a reader would miss: a placeholder nothing fills, an unquoted `&`/`;` in a URL, a
    change with no look before it, a section that changes things and never verifies."""
    library, _ = _library(paths)
    out: list[str] = []
    for runbook in library.runbooks:
        out += [str(e) for e in runbook.errors]
        for s in runbook.sections:
            out += _section_warnings(runbook.path, s)
    return out


def _fillable(name: str) -> bool:
    """Can a label a typical alert carries fill this placeholder? (the filler's own rules)"""
    from warroom.domain.placeholders import value_from_labels

    return value_from_labels(name, dict.fromkeys(KNOWN_LABELS, "x")) is not None


_SETS = re.compile(r"(?:^|[\s;&|(])(?:export\s+|local\s+|readonly\s+)?([A-Za-z_]\w*)=", re.M)
_QUOTED = re.compile(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"")
_URL_SEPARATOR = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"]*?[&;]")


def url_separators(command: str) -> list[str]:
    """URLs in a shell command with an unquoted `&` or `;`: the shell cuts the URL there and
    runs the rest (in the background, or as a command of its own)."""
    blanked = _QUOTED.sub(lambda m: "x" * len(m.group(0)), command)
    return [m.group(0) for m in _URL_SEPARATOR.finditer(blanked)]


def _section_warnings(path: str, s: Any) -> list[str]:
    from warroom.domain.runbook_parse import phase_of
    from warroom.domain.runbooks import Risk, StepKind

    runnable = [st for st in s.steps if st.kind.runnable]
    if not runnable:
        return []
    out: list[str] = []
    changes = [st for st in runnable if st.risk is not Risk.READ]
    headed = {phase_of(t) for p in s.phases for t in p.path} | {
        phase_of(t) for st in runnable for t in st.phase_path
    }
    verified = "Verify" in headed or any((st.phase or "").lower() == "verify" for st in runnable)
    if changes and not verified:  # "You can check this with:" a look after the last change
        last = max(k for k, st in enumerate(runnable) if st.risk is not Risk.READ)
        verified = any(
            st.risk is Risk.READ and st.phase_path == runnable[last].phase_path
            for st in runnable[last + 1 :]
        ) and bool(runnable[last].phase_path)
    if changes and not verified:
        out.append(f"{path}:{s.line}: warning: section {s.title!r} has no verify step")
    seen_read = False
    set_earlier: set[str] = set()
    for st in s.steps:
        if st.kind.runnable and st.risk is Risk.READ:
            seen_read = True
        elif st.kind.runnable and not seen_read:
            out.append(
                f"{path}:{st.line}: warning: {st.risk.value} step with no read step before it"
            )
            seen_read = True  # one warning per section is enough
        if st.kind.runnable:
            for name in st.placeholders:
                if not _fillable(name) and name not in set_earlier:
                    shown = (
                        f"${name}"
                        if f"${name}" in st.command or "${" + name in st.command
                        else f"<{name}>"
                    )
                    out.append(
                        f"{path}:{st.line}: warning: no alert label fills {shown} and nothing "
                        "sets it; it will be asked for"
                    )
        if st.kind is StepKind.SHELL:
            for url in url_separators(st.command):
                out.append(
                    f"{path}:{st.line}: warning: unquoted & or ; in URL {url!r}: quote the URL"
                )
        # `NAME=...` in a step or in a comment above it sets NAME for the steps after it
        set_earlier |= set(_SETS.findall(st.command)) | set(_SETS.findall(st.description or ""))
    return out


def run_lint(args: argparse.Namespace) -> int:
    warnings = lint_warnings(args.paths)
    for w in warnings:
        print(w)
    return 1 if warnings else 0
