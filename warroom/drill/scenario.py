"""Drill scenarios: TOML files describing one simulated incident, loaded and validated.

A scenario is data, not code, so teams can write their own rehearsals. Validation is strict
(unknown keys are errors) and every problem is one line, `file: key: what is wrong`, because a
typo in a drill file must not turn into a silently calm drill.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from warroom.domain.errors import ConfigError

DEFAULT_SCENARIO = "error-rate"

GOLDEN_KEYS = ("error_rate", "latency_p95", "connections", "queue_depth")

# Healthy values for the four golden signals when a scenario does not mention one.
DEFAULT_BASELINES: dict[str, tuple[float, float, bool]] = {
    # key: (baseline, relative noise, integer)
    "error_rate": (0.4, 0.15, False),
    "latency_p95": (0.21, 0.08, False),
    "connections": (24.0, 0.06, True),
    "queue_depth": (40.0, 0.2, True),
}


@dataclass(frozen=True, slots=True)
class BurnSegment:
    """From `at_s` (drill seconds; negative = before the drill began) move linearly to `to`."""

    at_s: float
    to: float
    over_s: float


@dataclass(frozen=True, slots=True)
class SignalCurve:
    key: str
    baseline: float
    noise: float = 0.0  # relative amplitude, 0.1 = ±10 %
    minimum: float = 0.0
    maximum: float | None = None
    integer: bool = False
    burn: tuple[BurnSegment, ...] = ()


@dataclass(frozen=True, slots=True)
class AlertRule:
    """Fires while `signal` is above (or below) a level for `for_s` drill seconds."""

    name: str
    signal: str
    above: float | None
    below: float | None
    for_s: float
    labels: Mapping[str, str]
    annotations: Mapping[str, str]

    def holds(self, value: float) -> bool:
        if self.above is not None:
            return value > self.above
        assert self.below is not None
        return value < self.below


@dataclass(frozen=True, slots=True)
class StepResponse:
    """What a matching command prints in the drill, and what it does to the simulated world.

    `recover` signals go back to their baseline over `recover_s`; with `relapse_after_s` the
    relief is temporary (they burn again over `relapse_s`). `worsen` adds to signals for
    `worsen_s`, then fades out over 60 s.
    """

    name: str
    pattern: re.Pattern[str]
    role: str  # "remedy" | "decoy" | "diagnostic"
    stdout: tuple[str, ...] = ()
    exit_code: int = 0
    duration_s: float = 2.0
    columns: tuple[str, ...] | None = None
    rows: tuple[tuple[Any, ...], ...] | None = None
    recover: tuple[str, ...] = ()
    recover_s: float = 60.0
    relapse_after_s: float | None = None
    relapse_s: float = 120.0
    worsen: Mapping[str, float] = field(default_factory=dict)
    worsen_s: float = 60.0
    stdout_fixed: tuple[str, ...] | None = None  # printed instead once the remedy has worked
    exit_code_fixed: int | None = None

    def matches(self, command: str) -> bool:
        return self.pattern.search(command) is not None


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    description: str
    path: str
    signals: Mapping[str, SignalCurve]
    alerts: tuple[AlertRule, ...]
    remedies: tuple[StepResponse, ...]
    decoys: tuple[StepResponse, ...] = ()
    diagnostics: tuple[StepResponse, ...] = ()
    services: tuple[str, ...] = ()

    def responses(self) -> tuple[StepResponse, ...]:
        """In match order: remedies win over decoys, decoys over diagnostics."""
        return (*self.remedies, *self.decoys, *self.diagnostics)


@dataclass(frozen=True, slots=True)
class ScenarioInfo:
    name: str
    title: str
    description: str


# ---------------------------------------------------------------- loading


def _shipped_dir() -> Any:
    return resources.files("warroom.drill").joinpath("scenarios")


def _shipped() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for entry in _shipped_dir().iterdir():
        if entry.name.endswith(".toml"):
            found[entry.name.removesuffix(".toml")] = entry
    return found


def list_scenarios() -> list[ScenarioInfo]:
    """The built-in scenarios, sorted by name, for `warroom drill --list`."""
    infos = []
    for name, entry in sorted(_shipped().items()):
        scenario = _parse(entry.read_text(encoding="utf-8"), f"{name}.toml")
        infos.append(ScenarioInfo(scenario.name, scenario.title, scenario.description))
    return infos


def load_scenario(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a scenario file by path.

    Raises ConfigError naming the known scenarios for an unknown name, and
    `file: key: problem` for a file that does not validate.
    """
    shipped = _shipped()
    if name_or_path in shipped:
        entry = shipped[name_or_path]
        return _parse(entry.read_text(encoding="utf-8"), f"{name_or_path}.toml")
    looks_like_path = name_or_path.endswith(".toml") or "/" in name_or_path or "\\" in name_or_path
    path = Path(name_or_path).expanduser()
    if looks_like_path or path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"{name_or_path}: cannot read scenario file: {exc.strerror}"
            ) from None
        return _parse(text, str(path))
    known = ", ".join(sorted(shipped))
    raise ConfigError(f"unknown drill scenario {name_or_path!r}; known scenarios: {known}")


def parse_scenario(text: str, path: str = "<scenario>") -> Scenario:
    """Parse and validate scenario TOML text (`path` only names it in errors)."""
    return _parse(text, path)


# ---------------------------------------------------------------- validation


class _Reader:
    """Typed access to one TOML table that reports `file: key: problem` and rejects extras."""

    def __init__(self, file: str, prefix: str, table: Any, allowed: frozenset[str]) -> None:
        self.file = file
        self.prefix = prefix
        if not isinstance(table, dict):
            self.fail("", "must be a table")
        self.table: dict[str, Any] = table
        self.used: set[str] = set()
        for name in table:  # a typo is reported as itself, not as the key it failed to set
            if name not in allowed:
                self.fail(name, "unknown key")

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix and name else (self.prefix or name)

    def fail(self, name: str, problem: str) -> Any:
        raise ConfigError(f"{self.file}: {self.key(name)}: {problem}")

    def get(
        self, name: str, kind: type | tuple[type, ...], default: Any = ..., *, what: str
    ) -> Any:
        self.used.add(name)
        if name not in self.table:
            if default is ...:
                self.fail(name, "is required")
            return default
        value = self.table[name]
        if kind in (float, (int, float)) and isinstance(value, bool):
            self.fail(name, f"must be {what}")
        if not isinstance(value, kind):
            self.fail(name, f"must be {what}, not {type(value).__name__}")
        return value

    def text(self, name: str, default: Any = ...) -> Any:
        value = self.get(name, str, default, what="a string")
        if isinstance(value, str) and not value.strip() and default is ...:
            self.fail(name, "must not be empty")
        return value

    def number(self, name: str, default: Any = ..., *, minimum: float | None = None) -> Any:
        value = self.get(name, (int, float), default, what="a number")
        if value is None:
            return None
        value = float(value)
        if minimum is not None and value < minimum:
            self.fail(name, f"must be at least {minimum:g}")
        return value

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.get(name, list, [], what="a list of strings")
        if not all(isinstance(v, str) for v in value):
            self.fail(name, "must be a list of strings")
        return tuple(value)

    def string_map(self, name: str) -> dict[str, str]:
        value = self.get(name, dict, {}, what="a table of strings")
        for k, v in value.items():
            if not isinstance(v, str):
                self.fail(f"{name}.{k}", "must be a string")
        return dict(value)

    def tables(self, name: str) -> list[Any]:
        value = self.get(name, list, [], what="an array of tables ([[...]])")
        return value

    def done(self) -> None:
        for name in self.table:
            if name not in self.used:
                self.fail(name, "unknown key")


_TOP_KEYS = frozenset(
    {"name", "title", "description", "services", "labels", "signals", "alerts"}
    | {"remedies", "decoys", "diagnostics"}
)
_SIGNAL_KEYS = frozenset({"key", "baseline", "noise", "min", "max", "integer", "burn"})
_BURN_KEYS = frozenset({"at_s", "to", "over_s"})
_ALERT_KEYS = frozenset(
    {"name", "signal", "above", "below", "for_s", "labels", "annotations"}
    | {"summary", "description", "runbook_url"}
)
_RESPONSE_KEYS = frozenset(
    {"name", "match", "stdout", "exit_code", "duration_s", "columns", "rows"}
    | {"recover", "recover_s", "relapse_after_s", "relapse_s", "worsen", "worsen_s"}
    | {"stdout_fixed", "exit_code_fixed"}
)

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _parse(text: str, file: str) -> Scenario:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    top = _Reader(file, "", raw, _TOP_KEYS)
    name = top.text("name")
    if not _NAME.match(name):
        top.fail("name", "must be lower-case letters, digits, '-' or '_'")
    title = top.text("title")
    description = top.text("description")
    services = top.strings("services")
    common_labels = top.string_map("labels")

    signals: dict[str, SignalCurve] = {}
    for key, (baseline, noise, integer) in DEFAULT_BASELINES.items():
        signals[key] = SignalCurve(key, baseline, noise, 0.0, None, integer)
    for i, table in enumerate(top.tables("signals")):
        curve = _signal(_Reader(file, f"signals[{i}]", table, _SIGNAL_KEYS))
        signals[curve.key] = curve

    alerts = []
    for i, table in enumerate(top.tables("alerts")):
        alerts.append(
            _alert(_Reader(file, f"alerts[{i}]", table, _ALERT_KEYS), signals, common_labels)
        )
    if not alerts:
        top.fail("alerts", "a scenario needs at least one [[alerts]] entry")

    remedies = tuple(
        _response(_Reader(file, f"remedies[{i}]", t, _RESPONSE_KEYS), "remedy", signals)
        for i, t in enumerate(top.tables("remedies"))
    )
    if not remedies:
        top.fail("remedies", "a scenario needs at least one [[remedies]] entry")
    decoys = tuple(
        _response(_Reader(file, f"decoys[{i}]", t, _RESPONSE_KEYS), "decoy", signals)
        for i, t in enumerate(top.tables("decoys"))
    )
    diagnostics = tuple(
        _response(_Reader(file, f"diagnostics[{i}]", t, _RESPONSE_KEYS), "diagnostic", signals)
        for i, t in enumerate(top.tables("diagnostics"))
    )
    top.done()
    if not services:
        services = tuple(
            dict.fromkeys(a.labels["service"] for a in alerts if a.labels.get("service"))
        )
    return Scenario(
        name=name,
        title=title,
        description=description,
        path=file,
        signals=signals,
        alerts=tuple(alerts),
        remedies=remedies,
        decoys=decoys,
        diagnostics=diagnostics,
        services=tuple(services),
    )


def _signal(r: _Reader) -> SignalCurve:
    key = r.text("key")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        r.fail("key", "must be a lower-case identifier like error_rate")
    default_noise = DEFAULT_BASELINES.get(key, (0.0, 0.0, False))
    baseline = r.number("baseline")
    noise = r.number("noise", default_noise[1], minimum=0.0)
    minimum = r.number("min", 0.0)
    maximum = r.number("max", None)
    integer = r.get("integer", bool, default_noise[2], what="true or false")
    segments = []
    previous = None
    for j, table in enumerate(r.tables("burn")):
        seg = _Reader(r.file, r.key(f"burn[{j}]"), table, _BURN_KEYS)
        at_s = seg.number("at_s")
        if previous is not None and at_s < previous:
            seg.fail("at_s", "burn segments must be in time order")
        previous = at_s
        segments.append(BurnSegment(at_s, seg.number("to"), seg.number("over_s", 0.0, minimum=0)))
        seg.done()
    r.done()
    if maximum is not None and maximum < minimum:
        r.fail("max", "must not be below min")
    return SignalCurve(key, baseline, noise, minimum, maximum, integer, tuple(segments))


def _alert(r: _Reader, signals: Mapping[str, SignalCurve], common: Mapping[str, str]) -> AlertRule:
    name = r.text("name")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        r.fail("name", "must be an alert name like HighErrorRate")
    signal = r.text("signal")
    if signal not in signals:
        r.fail("signal", f"no signal {signal!r} in this scenario (known: {', '.join(signals)})")
    above = r.number("above", None)
    below = r.number("below", None)
    if (above is None) == (below is None):
        r.fail("above", "give exactly one of `above` or `below`")
    for_s = r.number("for_s", 0.0, minimum=0.0)
    labels = {**common, **r.string_map("labels")}
    if "severity" not in labels:
        r.fail("labels.severity", "is required")
    annotations = r.string_map("annotations")
    for key in ("summary", "description", "runbook_url"):
        value = r.text(key, None)
        if value is not None:
            annotations[key] = value
    if not annotations.get("summary"):
        r.fail("summary", "is required")
    r.done()
    return AlertRule(name, signal, above, below, for_s, labels, annotations)


def _response(r: _Reader, role: str, signals: Mapping[str, SignalCurve]) -> StepResponse:
    name = r.text("name")
    source = r.text("match")
    try:
        pattern = re.compile(source, re.IGNORECASE | re.DOTALL)
    except re.error as exc:
        r.fail("match", f"bad regular expression: {exc}")
    stdout = r.strings("stdout")
    exit_code = int(r.get("exit_code", int, 0, what="an integer"))
    duration_s = r.number("duration_s", 2.0, minimum=0.0)
    stdout_fixed = r.strings("stdout_fixed") if "stdout_fixed" in r.table else None
    exit_code_fixed = r.get("exit_code_fixed", int, None, what="an integer")
    columns = r.get("columns", list, None, what="a list of column names")
    rows_raw = r.get("rows", list, None, what="a list of rows (lists)")
    rows = None
    if rows_raw is not None:
        if columns is None:
            r.fail("rows", "needs `columns`")
        for j, row in enumerate(rows_raw):
            if not isinstance(row, list) or len(row) != len(columns):
                r.fail(f"rows[{j}]", f"must be a list of {len(columns)} values")
        rows = tuple(tuple(row) for row in rows_raw)
    recover = r.strings("recover")
    recover_s = r.number("recover_s", 60.0, minimum=0.0)
    relapse_after_s = r.number("relapse_after_s", None, minimum=0.0)
    relapse_s = r.number("relapse_s", 120.0, minimum=0.0)
    worsen_raw = r.get("worsen", dict, {}, what="a table of signal = amount")
    worsen_s = r.number("worsen_s", 60.0, minimum=0.0)
    for key in (*recover, *worsen_raw):
        if key not in signals:
            r.fail("recover" if key in recover else f"worsen.{key}", f"no signal {key!r}")
    worsen: dict[str, float] = {}
    for key, amount in worsen_raw.items():
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            r.fail(f"worsen.{key}", "must be a number")
        worsen[key] = float(amount)
    if role == "remedy" and not recover:
        r.fail("recover", "a remedy must recover at least one signal")
    if role == "remedy" and relapse_after_s is not None:
        r.fail(
            "relapse_after_s", "a remedy recovers for good; put short-lived relief in [[decoys]]"
        )
    if role == "decoy" and recover and relapse_after_s is None:
        r.fail(
            "relapse_after_s", "a decoy that recovers signals must relapse (else it is a remedy)"
        )
    if role == "diagnostic" and (recover or worsen):
        r.fail("recover", "a diagnostic only prints; it cannot change signals")
    r.done()
    return StepResponse(
        name=name,
        pattern=pattern,
        role=role,
        stdout=stdout,
        exit_code=exit_code,
        duration_s=duration_s,
        columns=tuple(columns) if columns is not None else None,
        rows=rows,
        recover=recover,
        recover_s=recover_s,
        relapse_after_s=relapse_after_s,
        relapse_s=relapse_s,
        worsen=worsen,
        worsen_s=worsen_s,
        stdout_fixed=stdout_fixed,
        exit_code_fixed=exit_code_fixed,
    )
