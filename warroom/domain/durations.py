"""The one duration parser: `90s`, `15m`, `1h30m`, `2d`, `500ms`, `1.5h`, `1w`.

Config values, runbook step timeouts, silence lengths and `--since` options all read durations;
one grammar and one error message means a commander learns it once.
"""

from __future__ import annotations

import math
import re

UNITS: dict[str, float] = {
    "ms": 0.001,
    "s": 1.0,
    "sec": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
}
_PART = re.compile(r"\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|sec|min|[smhdw])?")
HINT = "try 90s, 15m, 1h30m or 2d"


def parse_duration(text: str, *, default_unit: str = "s", what: str = "duration") -> float:
    """Seconds in `text`; a bare number is in `default_unit`. Raises ValueError in one line."""
    raw = text.strip().lower()
    total = 0.0
    pos = 0
    parts = 0
    while pos < len(raw):
        m = _PART.match(raw, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"{what}: not a duration: {text!r} ({HINT})")
        unit = m.group(2)
        if unit is None and (parts or m.end() < len(raw)):
            # only a lone number may omit its unit: "1h30" is ambiguous
            raise ValueError(f"{what}: not a duration: {text!r} ({HINT})")
        total += float(m.group(1)) * UNITS[unit or default_unit]
        parts += 1
        pos = m.end()
        while pos < len(raw) and raw[pos] == " ":
            pos += 1
    if not parts:
        raise ValueError(f"{what}: a duration is required ({HINT})")
    if not math.isfinite(total):
        raise ValueError(f"{what}: not a duration: {text!r} ({HINT})")
    return total
