"""Where a step asks for a value, in every style runbooks use, and which label answers it.

Styles: `<name>` (`<my-namespace>`, `<pod name>`), `$NAME` / `${NAME}` in upper case (the
OpenShift and prometheus-operator convention) unless the script assigns it first or it is a
standard shell or environment variable, `{{ name }}` and `{{ $labels.name }}`. Names are folded
(case, `-`, `_`, `.`, spaces, a `my-`/`your-` prefix, a trailing `name`) and matched through
synonyms, because the same thing is `pod`, `pod_name` or `<POD>` depending on who wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from warroom.domain.shell_syntax.programs import word_set

_ANGLE = re.compile(r"(?<![<\w])<([A-Za-z][A-Za-z0-9_.-]*(?: [A-Za-z0-9_.-]+){0,3})>(?![\w>])")
_DOLLAR = re.compile(r"(?<![\\$\w])\$(?:\{([A-Z][A-Z0-9_]*)\}|([A-Z][A-Z0-9_]*)(?![\w$]))")
_MUSTACHE = re.compile(
    r"\{\{-?\s*(?:\$labels\.|\.Labels\.|\.CommonLabels\.)?([A-Za-z_][\w.-]*)\s*-?\}\}"
)

# A Go template (`kubectl -o template`, `docker inspect -f`): its `{{ }}` are the program's own.
_GO_TEMPLATE = re.compile(
    r"\{\{-?\s*(?:\.(?!Labels\.|CommonLabels\.)|\$[A-Za-z_]\w*\s*:?=|\"|(?:range|if|with|end|else|define|template|block"
    r"|println|printf|print|len|index|and|or|not|eq|ne|lt|le|gt|ge|json|js|html|urlquery|call"
    r"|slice|break|continue)\b)"
)

# Variables the shell or the bastion's environment provides (and awk's own, which share `$NF`).
STANDARD_VARIABLES = word_set(
    "HOME PATH PWD OLDPWD USER LOGNAME SHELL HOSTNAME HOSTTYPE UID EUID GROUPS PPID "
    "BASHPID RANDOM SRANDOM SECONDS LINENO IFS TERM LANG LANGUAGE TZ TMPDIR EDITOR VISUAL "
    "PAGER MAIL DISPLAY SHLVL COLUMNS LINES OPTARG OPTIND OPTERR REPLY PIPESTATUS "
    "FUNCNAME MACHTYPE OSTYPE PS1 PS2 PS3 PS4 PROMPT_COMMAND HISTFILE HISTSIZE "
    "HISTCONTROL EPOCHSECONDS EPOCHREALTIME BASH BASH_VERSION BASH_SOURCE BASH_LINENO "
    "BASH_REMATCH BASH_ENV BASH_COMMAND BASH_ARGV BASH_ARGC BASH_SUBSHELL ENV CDPATH "
    "SSH_AUTH_SOCK SSH_CONNECTION SSH_CLIENT SSH_TTY XDG_RUNTIME_DIR XDG_CONFIG_HOME "
    "XDG_DATA_HOME XDG_CACHE_HOME KUBECONFIG DOCKER_HOST DOCKER_CONFIG PGHOST PGPORT "
    "PGUSER PGDATABASE PGPASSFILE PGSSLMODE HTTP_PROXY HTTPS_PROXY NO_PROXY GOPATH "
    "JAVA_HOME VIRTUAL_ENV TMUX TMUX_PANE NF NR FNR FS OFS RS ORS FILENAME SUBSEP RSTART "
    "RLENGTH ENVIRON ARGC ARGV CONVFMT OFMT"
)

_ASSIGNED = r"(?:^|[\s;&|(`{])(?:(?:export|local|readonly|declare|typeset)(?:\s+-\w+)*\s+)?{n}(?:\[[^\]]*\])?\+?="
_LOOP_OR_READ = r"\b(?:for|select)\s+{n}\b|\bread\b(?:\s+-\w+(?:\s+\S+)?)*(?:\s+\w+)*\s+{n}\b|\bgetopts\s+\S+\s+{n}\b"

# Groups of names that mean the same label; the first is the canonical label name.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("pod", "podname", "podid", "exportedpod"),
    ("service", "servicename", "svc", "svcname", "app", "application", "job", "jobname"),
    ("host", "hostname", "instance", "node", "server", "nodename", "machine"),
    ("namespace", "ns", "namespacename", "k8snamespace", "kubernetesnamespace", "project"),
    ("container", "containername"),
    ("deployment", "deploymentname", "deploy"),
    ("statefulset", "statefulsetname", "sts"),
    ("daemonset", "daemonsetname", "ds"),
    ("persistentvolumeclaim", "pvc", "pvcname", "claim", "claimname"),
    ("table", "tablename", "relname", "relation"),
    ("topic", "topicname", "kafkatopic"),
    ("database", "db", "dbname", "datname"),
    ("cluster", "clustername"),
    ("environment", "env"),
)
_HOSTISH = word_set("host hostname server node nodename machine")


@dataclass(frozen=True, slots=True)
class Found:
    """One placeholder occurrence: `command[start:end]` is replaced by the value of `name`."""

    start: int
    end: int
    name: str


def find(command: str) -> list[Found]:
    """Every placeholder occurrence, in text order (styles never overlap)."""
    go_template = _GO_TEMPLATE.search(command) is not None
    found: list[Found] = [
        Found(m.start(), m.end(), m.group(1))
        for m in _MUSTACHE.finditer(command)
        if not go_template or "$labels." in m.group(0) or ".Labels." in m.group(0)
    ]
    taken = [(f.start, f.end) for f in found]

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    for m in _ANGLE.finditer(command):
        if free(m.start(), m.end()):
            found.append(Found(m.start(), m.end(), m.group(1)))
    for m in _DOLLAR.finditer(command):
        name = m.group(1) or m.group(2)
        if free(m.start(), m.end()) and _is_placeholder(command, m.start(), name):
            found.append(Found(m.start(), m.end(), name))
    return sorted(found, key=lambda f: f.start)


def _is_placeholder(command: str, start: int, name: str) -> bool:
    if name in STANDARD_VARIABLES or command.startswith("$" + name + "$", start):
        return False  # `$TAG$` is an SQL dollar quote
    before = command[:start]
    n = re.escape(name)
    return not (
        re.search(_ASSIGNED.replace("{n}", n), before)
        or re.search(_LOOP_OR_READ.replace("{n}", n), before)
    )


def names_in(command: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for f in find(command):
        seen.setdefault(f.name, None)
    return tuple(seen)


def fold(name: str) -> str:
    """Case, `-`, `_`, `.`, spaces and a `my-`/`your-` prefix folded: `<my-Pod_Name>` is `podname`."""
    name = re.sub(r"^(?:my|your|the)(?=[-_ .])", "", name.strip(), flags=re.IGNORECASE)
    return re.sub(r"[-_. ]", "", name).lower()


def group_of(folded: str) -> tuple[str, ...]:
    for group in SYNONYMS:
        if folded in group:
            return group
    if folded.endswith("name") and len(folded) > 4:
        return group_of(folded[:-4])
    return (folded,)


def value_from_labels(name: str, labels: Mapping[str, str]) -> str | None:
    """The label value that fills `name`: the same name folded first, then its synonyms.

    A host filled from `instance` loses the `:port` (`api:8080` -> `api`)."""
    by_fold = {fold(k): v for k, v in labels.items()}
    want = fold(name)
    if want in by_fold:
        return by_fold[want]
    if want.endswith("name") and want[:-4] in by_fold:
        return by_fold[want[:-4]]
    for synonym in group_of(want):
        if synonym in by_fold:
            value = by_fold[synonym]
            if synonym == "instance" and group_of(want)[0] == "host" and want in _HOSTISH:
                value = strip_port(value)
            return value
    return None


def strip_port(value: str) -> str:
    if value.startswith("["):  # [::1]:9090
        return value.split("]", 1)[0].lstrip("[")
    host, sep, port = value.rpartition(":")
    return host if sep and port.isdigit() and host else value


def lookup(name: str, labels: Mapping[str, str], values: Mapping[str, str]) -> str | None:
    """A typed value first (by folded name), then the labels."""
    typed = {fold(k): v for k, v in values.items()}
    if fold(name) in typed:
        return typed[fold(name)]
    return value_from_labels(name, labels)
