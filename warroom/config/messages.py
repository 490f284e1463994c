"""msgspec's validation errors, said the way a commander reads them: `where: key: what is wrong`.

`Expected `float` >= 1.0 - at `$.ui.refresh_s`` becomes `ui.refresh_s: must be at least 1, got
nan`; the value itself is looked up in the raw data so the line shows what was written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from warroom.domain.untrusted import clip, one_line

_AT = re.compile(r"^(?P<msg>.*?)(?: - at `(?P<path>\$[^`]*)`)?$", re.DOTALL)
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")
_EXPECTED = re.compile(
    r"Expected `(?P<want>[^`]+)`(?:, got `(?P<got>[^`]+)`)?(?: (?P<op>[<>]=?) (?P<n>\S+))?$"
)
_FRIENDLY = {
    "float": "a number",
    "int": "an integer",
    "str": "a string",
    "bool": "true/false",
    "object": "a table",
    "array": "a list",
    "null": "nothing",
}
SECRET_KEYS = ("token", "password", "bearer_token")


def friendly(kind: str) -> str:
    names = [_FRIENDLY.get(k.strip(), k.strip()) for k in kind.split("|") if k.strip() != "null"]
    return " or ".join(names) or "nothing"


def show(value: Any) -> str:
    """A written value for a message: repr, one line, at most 60 characters."""
    return clip(one_line(repr(value)), 60)


def split_path(path: str) -> list[str | int]:
    """`$.signals[0].query` -> ["signals", 0, "query"] (`[...]` stays a marker)."""
    parts: list[str | int] = []
    for name, index in _PATH_PART.findall(path.removeprefix("$")):
        parts.append(name if name else (int(index) if index.isdigit() else "..."))
    return parts


def join_path(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _resolve(
    data: Any, parts: list[str | int], bad: Callable[[Any], bool]
) -> tuple[list[str | int], Any]:
    """Walk `data` along `parts`; a `[...]` (a dict key msgspec does not name) picks the first
    value that `bad` says is wrong, so the message can still name the key."""
    named: list[str | int] = []
    value = data
    for i, part in enumerate(parts):
        if part == "..." and isinstance(value, dict):
            last = i == len(parts) - 1
            key = next((k for k, v in value.items() if not last or bad(v)), None)
            if key is None:
                return named + parts[i:], None
            named.append(str(key))
            value = value[key]
        elif _has(value, part):
            named.append(part)
            value = value[part]
        else:
            return named + parts[i:], None
    return named, value


def _has(value: Any, part: str | int) -> bool:
    if isinstance(part, int):
        return isinstance(value, list) and part < len(value)
    return isinstance(value, dict) and part in value


def _bad_for(want: str) -> Callable[[Any], bool]:
    types = {
        "str": str,
        "float": (int, float),
        "int": int,
        "bool": bool,
        "object": dict,
        "array": list,
    }
    wanted = tuple(types[k.strip()] for k in want.split("|") if k.strip() in types)
    return lambda v: not wanted or not isinstance(v, wanted)  # type: ignore[arg-type]


def explain(error: str, data: Any) -> tuple[list[str | int], str]:
    """(key path, problem) for one msgspec ValidationError message."""
    m = _AT.match(error.strip())
    assert m is not None  # the pattern matches any text
    msg, parts = m.group("msg"), split_path(m.group("path") or "$")
    if unknown := re.fullmatch(r"Object contains unknown field `(.+)`", msg, re.DOTALL):
        name = unknown.group(1)
        if name in SECRET_KEYS:
            kind = name.split("_")[-1]
            problem = f"secrets are not kept inline: use {kind}_env or {kind}_file"
        else:
            problem = "unknown key"
        named, _ = _resolve(data, parts, lambda v: True)
        return [*named, name], problem
    if missing := re.fullmatch(r"Object missing required field `(.+)`", msg, re.DOTALL):
        named, _ = _resolve(data, parts, lambda v: True)
        return [*named, missing.group(1)], "missing"
    if length := re.fullmatch(r"Expected `(\w+)` of length ([<>]=) (\d+)", msg):
        named, value = _resolve(data, parts, lambda v: True)
        limit = "at most" if length.group(2) == "<=" else "at least"
        unit = "characters" if length.group(1) == "str" else "entries"
        size = len(value) if isinstance(value, str | list | dict) else "more"
        return named, f"{limit} {length.group(3)} {unit}, got {size}"
    if expected := _EXPECTED.fullmatch(msg):
        named, value = _resolve(data, parts, _bad_for(expected.group("want")))
        if expected.group("op"):
            bound = float(expected.group("n"))
            words = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than"}
            return named, f"must be {words[expected.group('op')]} {bound:g}, got {show(value)}"
        got = friendly(expected.group("got") or "")
        return named, f"expected {friendly(expected.group('want'))}, got {got} {show(value)}"
    if enum := re.fullmatch(r"Invalid enum value (.+)", msg, re.DOTALL):
        return _resolve(data, parts, lambda v: True)[0], f"not an allowed value: {enum.group(1)}"
    # a __post_init__ check: "key: problem"
    named, _ = _resolve(data, parts, lambda v: True)
    key, sep, problem = msg.partition(": ")
    if sep and re.fullmatch(r"[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+)*", key):
        return [*named, key], problem
    return named, msg
