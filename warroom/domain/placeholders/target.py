"""What a destructive step acts on: the name the commander types to confirm it."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping

from warroom.domain.placeholders.names import fold, group_of
from warroom.domain.runbooks import StepKind

# Names whose value a destructive step acts on, best first (folded).
_TARGET_ORDER = (
    "pod",
    "deployment",
    "statefulset",
    "service",
    "container",
    "persistentvolumeclaim",
    "table",
    "topic",
    "database",
    "host",
    "instance",
    "ip",
    "attackerip",
    "node",
)


def target(kind: StepKind, command: str, filled: Mapping[str, str]) -> str:
    by_fold = {fold(n): v for n, v in filled.items()}
    for key in _TARGET_ORDER:
        for name, value in by_fold.items():
            if name == key or group_of(name)[0] == key:
                return value
    if by_fold:
        return next(iter(by_fold.values()))
    return default_target(kind, command)


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
