"""`<placeholder>` tokens in runbook steps: found, filled from alert labels, quoted safely.

Nothing a label or a typed value contains may run as a command. So values never go into a
step as raw text: in shell steps they are shell-quoted for the exact quoting context they sit
in (plain, inside "…", inside '…', inside a heredoc); in SQL steps they become bind parameters
($1, $2 …); in PromQL and HTTP they are escaped for the string or URL they land in.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from urllib.parse import quote as url_quote

from warroom.domain import shell_syntax
from warroom.domain.errors import RunbookError
from warroom.domain.ports import RenderedStep
from warroom.domain.runbooks import Risk, Step, StepKind

PLACEHOLDER = re.compile(r"(?<![<\w])<([A-Za-z][A-Za-z0-9_.-]*)>(?![\w>])")

# Groups of names that mean the same label; the first is the canonical label name.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("pod", "podname", "podid"),
    ("service", "servicename", "svc", "svcname", "app", "application"),
    ("host", "hostname", "instance", "node", "server", "nodename"),
    ("namespace", "ns", "k8snamespace", "kubernetesnamespace"),
    ("container", "containername"),
    ("deployment", "deploymentname", "deploy"),
    ("database", "db", "dbname", "datname"),
    ("job", "jobname"),
    ("cluster", "clustername"),
    ("environment", "env"),
)

# Names whose value a destructive step acts on, best first (folded).
_TARGET_ORDER = (
    "pod",
    "deployment",
    "service",
    "container",
    "statefulset",
    "table",
    "database",
    "host",
    "instance",
    "ip",
    "attackerip",
    "node",
)


def fold(name: str) -> str:
    """Case, `-`, `_`, `.` and spaces folded: `Pod-Name` and `pod_name` are the same."""
    return re.sub(r"[-_. ]", "", name).lower()


def _group(folded: str) -> tuple[str, ...]:
    for group in SYNONYMS:
        if folded in group:
            return group
    return (folded,)


def placeholders_in(command: str) -> tuple[str, ...]:
    """The placeholder names in a command, in order of first appearance, without repeats."""
    seen: dict[str, None] = {}
    for m in PLACEHOLDER.finditer(command):
        seen.setdefault(m.group(1), None)
    return tuple(seen)


def value_from_labels(name: str, labels: Mapping[str, str]) -> str | None:
    """The label value that fills `name`: same name folded first, then its synonyms.

    A host filled from `instance` loses the `:port` (`api:8080` -> `api`)."""
    folded = {fold(k): v for k, v in labels.items()}
    want = fold(name)
    if want in folded:
        return folded[want]
    for synonym in _group(want):
        if synonym in folded:
            value = folded[synonym]
            if want in {"host", "hostname", "server", "node"} and synonym == "instance":
                value = _strip_port(value)
            return value
    return None


def _strip_port(value: str) -> str:
    if value.startswith("["):  # [::1]:9090
        return value.split("]", 1)[0].lstrip("[")
    host, sep, port = value.rpartition(":")
    return host if sep and port.isdigit() and host else value


def _lookup(name: str, labels: Mapping[str, str], values: Mapping[str, str]) -> str | None:
    folded_values = {fold(k): v for k, v in values.items()}
    if fold(name) in folded_values:
        return folded_values[fold(name)]
    return value_from_labels(name, labels)


def missing_values(step: Step, labels: Mapping[str, str]) -> list[str]:
    """Placeholders no label fills: the commander is asked for these before the run."""
    names = step.placeholders or placeholders_in(step.command)
    return [n for n in names if value_from_labels(n, labels) is None]


def render_step(
    step: Step, labels: Mapping[str, str], values: Mapping[str, str] | None = None
) -> RenderedStep:
    """The step exactly as it will run; typed `values` win over labels.

    Raises RunbookError naming every placeholder that has no value, or a value that cannot be
    placed safely (e.g. a newline inside a heredoc)."""
    values = values or {}
    names = placeholders_in(step.command)
    filled: dict[str, str] = {}
    missing: list[str] = []
    for name in names:
        value = _lookup(name, labels, values)
        if value is None:
            missing.append(name)
        else:
            filled[name] = value
    if missing:
        raise RunbookError("no value for " + ", ".join(f"<{m}>" for m in missing))
    params: tuple[str, ...] = ()
    if not names or step.kind is StepKind.TEXT:
        command = step.command
    elif step.kind is StepKind.SHELL:
        command = _render_shell(step.command, filled)
    elif step.kind is StepKind.SQL:
        command, params = _render_sql(step.command, filled)
    elif step.kind is StepKind.PROMQL:
        command = _render_promql(step.command, filled)
    else:
        command = _render_http(step.command, filled)
    target = _target(step, command, filled, names)
    return RenderedStep(step=step, command=command, params=params, target=target)


# --- shell ---------------------------------------------------------------------------------


def _render_shell(command: str, filled: Mapping[str, str]) -> str:
    matches = list(PLACEHOLDER.finditer(command))
    contexts = shell_syntax.scan(command, tuple(m.start() for m in matches)).contexts
    out: list[str] = []
    pos = 0
    for m in matches:
        out.append(command[pos : m.start()])
        value = filled[m.group(1)]
        context = contexts.get(m.start(), shell_syntax.PLAIN)
        out.append(_quote_for(context, value, m.group(1)))
        pos = m.end()
    out.append(command[pos:])
    return "".join(out)


def _quote_for(context: str, value: str, name: str) -> str:
    quoted = shlex.quote(value)
    if context == shell_syntax.PLAIN:
        return quoted
    if context == shell_syntax.DOUBLE:
        return '"' + quoted + '"'  # close "…", one quoted word, reopen
    if context == shell_syntax.SINGLE:
        return "'" + quoted + "'"
    if context in (shell_syntax.HEREDOC, shell_syntax.HEREDOC_QUOTED):
        if "\n" in value or "\r" in value:
            raise RunbookError(f"<{name}>: a value inside a heredoc cannot span lines")
        if context == shell_syntax.HEREDOC:
            return re.sub(r"([\\$`])", r"\\\1", value)
        return value
    raise RunbookError(f"<{name}> sits inside ${{…}}; cannot place a value there safely")


# --- SQL -----------------------------------------------------------------------------------


def _render_sql(sql: str, filled: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """Placeholders become $n bind parameters; inside a string literal the literal is split
    around the parameter ('%<x>%' -> '%' || $1 || '%')."""
    numbers: dict[str, int] = {}
    params: list[str] = []
    out: list[str] = []
    in_string = False
    i, n = 0, len(sql)
    while i < n:
        m = PLACEHOLDER.match(sql, i)
        if m and (i == 0 or not (sql[i - 1].isalnum() or sql[i - 1] in "_<")):
            name = m.group(1)
            if name not in numbers:
                params.append(filled[name])
                numbers[name] = len(params)
            ref = f"${numbers[name]}"
            out.append(f"' || {ref} || '" if in_string else ref)
            i = m.end()
            continue
        c = sql[i]
        if c == "'":
            if in_string and sql.startswith("''", i):
                out.append("''")
                i += 2
                continue
            in_string = not in_string
        out.append(c)
        i += 1
    text = "".join(out)
    text = re.sub(r"''\s\|\|\s(\$\d+)\s\|\|\s''", r"\1", text)
    text = re.sub(r"''\s\|\|\s(\$\d+)", r"\1", text)
    text = re.sub(r"(\$\d+)\s\|\|\s''", r"\1", text)
    return text, tuple(params)


# --- PromQL and HTTP -----------------------------------------------------------------------


def _render_promql(expr: str, filled: Mapping[str, str]) -> str:
    def repl(m: re.Match[str]) -> str:
        value = filled[m.group(1)]
        before = expr[: m.start()]
        if before.count('"') % 2 == 1:  # inside a "…" string
            return json.dumps(value)[1:-1]
        if re.fullmatch(r"[A-Za-z0-9_:.\-]+", value):
            return value
        raise RunbookError(f"<{m.group(1)}>: {value!r} cannot stand outside quotes in PromQL")

    return PLACEHOLDER.sub(repl, expr)


def _render_http(request: str, filled: Mapping[str, str]) -> str:
    lines = request.split("\n")
    out: list[str] = []
    in_body = False
    for idx, line in enumerate(lines):
        if idx > 0 and not line.strip():
            in_body = True
        if idx == 0:
            out.append(PLACEHOLDER.sub(lambda m: url_quote(filled[m.group(1)], safe=""), line))
        elif not in_body:

            def header(m: re.Match[str]) -> str:
                value = filled[m.group(1)]
                if "\n" in value or "\r" in value:
                    raise RunbookError(f"<{m.group(1)}>: a header value cannot span lines")
                return value

            out.append(PLACEHOLDER.sub(header, line))
        else:
            out.append(PLACEHOLDER.sub(lambda m: json.dumps(filled[m.group(1)])[1:-1], line))
    return "\n".join(out)


# --- target --------------------------------------------------------------------------------


def _target(step: Step, command: str, filled: Mapping[str, str], names: tuple[str, ...]) -> str:
    """What a destructive step acts on: the commander types it to confirm."""
    if step.risk is not Risk.DESTRUCTIVE:
        return ""
    by_fold = {fold(n): filled[n] for n in names if n in filled}
    for key in _TARGET_ORDER:
        for name, value in by_fold.items():
            if name == key or (key in _group(name) and name in _group(key)):
                return value
    if by_fold:
        return next(iter(by_fold.values()))
    return default_target(step.kind, command)


def default_target(kind: StepKind, command: str) -> str:
    """A target read from the command itself: `kubectl … deployment/api` -> api,
    `DROP TABLE x` -> x, `SELECT pg_terminate_backend(…)` -> pg_terminate_backend."""
    first = command.strip().splitlines()[0] if command.strip() else ""
    if kind is StepKind.SQL:
        flat = " ".join(command.split())
        m = re.search(
            r"\b(?:DROP\s+(?:TABLE|DATABASE|SCHEMA|INDEX|VIEW)(?:\s+IF\s+EXISTS)?|TRUNCATE(?:\s+TABLE)?|DELETE\s+FROM|ALTER\s+TABLE)\s+([\w.\"]+)",
            flat,
            re.IGNORECASE,
        )
        if m:
            return m.group(1).strip('"')
        m = re.search(r"\b(pg_\w+)\s*\(", flat)
        if m:
            return m.group(1)
    try:
        words = shlex.split(first, comments=True)
    except ValueError:
        words = first.split()
    for word in words:
        if "/" in word and re.fullmatch(r"[a-z.]+/[\w.\-]+", word):
            return word.split("/", 1)[1]
    plain = [w for w in words if not w.startswith("-") and "=" not in w]
    return plain[-1] if plain else first
