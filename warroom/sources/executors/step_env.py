"""A step's environment: an explicit allow-list, never the console's own secrets.

The console runs with tokens, passwords and DSNs in its environment (`WARROOM_*`, `PGPASSWORD`,
`*_TOKEN`); a step inheriting them would print them with `env` onto the screen and into the
store. Only what a shell needs to behave like the commander's own (paths, locale, terminal,
who they are) and what the tools steps call need to find their cluster or daemon are passed,
plus the names the runbook or config asks for.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from warroom.sources.executors.process_tree import MARKER

DEFAULT_ALLOW = (
    "PATH",
    "HOME",
    "LANG",
    "LC_*",
    "TERM",
    "USER",
    "LOGNAME",
    "SHELL",
    "TZ",
    "KUBECONFIG",
    "DOCKER_HOST",
    "SSH_AUTH_SOCK",
)
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"


def _allowed(name: str, allow: Iterable[str]) -> bool:
    return any(name == a or (a.endswith("*") and name.startswith(a[:-1])) for a in allow)


def step_environment(
    extra: Iterable[str] = (),
    *,
    marker: str = "",
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for one step: `base` (the console's) filtered by the default allow-list
    and `extra` names (`NAME` or a `PREFIX_*`), plus the step's process marker."""
    source = os.environ if base is None else base
    allow = (*DEFAULT_ALLOW, *(e.strip() for e in extra if e.strip() and e.strip() != "*"))
    env = {k: v for k, v in source.items() if _allowed(k, allow) and k != MARKER}
    env.setdefault("PATH", DEFAULT_PATH)
    if marker:
        env[MARKER] = marker
    return env
