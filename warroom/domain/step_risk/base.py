"""The order of risks, and the shared word helpers of the classifiers."""

from __future__ import annotations

import re
import shlex

from warroom.domain.runbooks import Risk

R, W, D = Risk.READ, Risk.WRITE, Risk.DESTRUCTIVE
_ORDER = {Risk.READ: 0, Risk.WRITE: 1, Risk.DESTRUCTIVE: 2}


def worst(*risks: Risk) -> Risk:
    """The riskiest of `risks` (read when there are none)."""
    return max(risks, key=_ORDER.__getitem__, default=Risk.READ)


def words_of(part: str) -> list[str]:
    try:
        return shlex.split(part, comments=True)
    except ValueError:
        return part.split()


def positional(args: list[str], takes_value: frozenset[str] = frozenset()) -> list[str]:
    """The arguments that are not options nor the values of `takes_value` options."""
    out: list[str] = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a.startswith("-") and len(a) > 1:
            skip = a in takes_value
            continue
        out.append(a)
    return out


def has_flag(args: list[str], *flags: str) -> bool:
    """`-f` given alone, inside a short bundle (`-rf`, `-nvL`), or as `--flag[=…]`."""
    for a in args:
        for f in flags:
            if a == f or (f.startswith("--") and a.startswith(f + "=")):
                return True
            if len(f) == 2 and re.fullmatch(r"-[A-Za-z]{1,4}", a) and f[1] in a[1:]:
                return True
    return False
