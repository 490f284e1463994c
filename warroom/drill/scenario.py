"""Drill scenarios: TOML files describing one simulated incident, loaded and validated.

A scenario is data, not code, so teams can write their own rehearsals. Validation is strict
(unknown keys are errors; the shape is `scenario_schema`, read with msgspec like the config) and
every problem is one line, `file: key: what is wrong`, because a typo in a drill file must not
turn into a silently calm drill.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from warroom.config.messages import explain, join_path
from warroom.domain.errors import ConfigError
from warroom.domain.untrusted import one_line
from warroom.drill.scenario_schema import (
    AlertSection,
    ResponseSection,
    ScenarioFile,
    WorkloadSection,
)

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
    rollback: tuple[str, ...] = ()  # workloads rolled back to their previous revision
    restart: tuple[str, ...] = ()  # workloads restarted (a remedy's restart ends a crashloop)

    def matches(self, command: str) -> bool:
        return self.pattern.search(command) is not None


@dataclass(frozen=True, slots=True)
class Workload:
    """A simulated deployment (pods, a rollout) or compose service (containers): what the
    Service region shows. Times in drill seconds; `deployed_at_s` rolled `revision` out over
    `revision - 1` (`previous_tag`); from `crashloop_at_s` its containers crash and restart."""

    name: str
    service: str
    platform: str  # "kubernetes" | "docker"
    namespace: str
    image: str
    tag: str
    replicas: int = 1
    revision: int = 1
    previous_tag: str | None = None
    deployed_at_s: float | None = None
    crashloop_at_s: float | None = None
    exit_code: int = 1
    oom: bool = False


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
    workloads: tuple[Workload, ...] = ()

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


def _parse(text: str, file: str) -> Scenario:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(one_line(f"{file}: not valid TOML: {exc}")) from None
    except RecursionError:
        raise ConfigError(f"{file}: not valid TOML: nested too deeply") from None
    return scenario_from_table(raw, file)


def scenario_from_table(raw: Any, file: str = "<scenario>") -> Scenario:
    """A scenario from an already-read TOML table (`file` only names it in errors)."""

    def fail(parts: list[str | int], problem: str) -> ConfigError:
        key = join_path(parts)
        return ConfigError(one_line(f"{file}: {key}: {problem}" if key else f"{file}: {problem}"))

    try:
        data = msgspec.convert(raw, ScenarioFile)
    except msgspec.ValidationError as exc:
        raise fail(*explain(str(exc), raw)) from None
    return _build(data, file, fail)


Fail = Callable[[list[str | int], str], ConfigError]


def _build(data: ScenarioFile, file: str, fail: Fail) -> Scenario:
    signals: dict[str, SignalCurve] = {}
    for key, (baseline, noise, integer) in DEFAULT_BASELINES.items():
        signals[key] = SignalCurve(key, baseline, noise, 0.0, None, integer)
    for s in data.signals:
        default = DEFAULT_BASELINES.get(s.key, (0.0, 0.0, False))
        burn = tuple(BurnSegment(b.at_s, b.to, b.over_s) for b in s.burn)
        noise = default[1] if s.noise is None else s.noise
        integer = default[2] if s.integer is None else s.integer
        signals[s.key] = SignalCurve(s.key, s.baseline, noise, s.min, s.max, integer, burn)

    alerts = tuple(_alert(i, a, signals, data.labels, fail) for i, a in enumerate(data.alerts))
    if not alerts:
        raise fail(["alerts"], "a scenario needs at least one [[alerts]] entry")
    workloads = tuple(_workload(w) for w in data.workloads)
    known = {w.name for w in workloads}
    remedies = tuple(
        _response(["remedies", i], r, "remedy", signals, fail, known)
        for i, r in enumerate(data.remedies)
    )
    if not remedies:
        raise fail(["remedies"], "a scenario needs at least one [[remedies]] entry")
    decoys = tuple(
        _response(["decoys", i], r, "decoy", signals, fail, known)
        for i, r in enumerate(data.decoys)
    )
    diagnostics = tuple(
        _response(["diagnostics", i], r, "diagnostic", signals, fail, known)
        for i, r in enumerate(data.diagnostics)
    )
    services = tuple(data.services) or tuple(
        dict.fromkeys(a.labels["service"] for a in alerts if a.labels.get("service"))
    )
    return Scenario(
        name=data.name,
        title=data.title,
        description=data.description,
        path=file,
        signals=signals,
        alerts=alerts,
        remedies=remedies,
        decoys=decoys,
        diagnostics=diagnostics,
        services=services,
        workloads=workloads,
    )


def _workload(w: WorkloadSection) -> Workload:
    return Workload(
        name=w.name,
        service=w.service or w.name,
        platform=w.platform,
        namespace=w.namespace,
        image=w.image,
        tag=w.tag,
        replicas=w.replicas,
        revision=w.revision,
        previous_tag=w.previous_tag,
        deployed_at_s=w.deployed_at_s,
        crashloop_at_s=w.crashloop_at_s,
        exit_code=w.exit_code,
        oom=w.oom,
    )


def _alert(
    i: int,
    a: AlertSection,
    signals: Mapping[str, SignalCurve],
    common: Mapping[str, str],
    fail: Fail,
) -> AlertRule:
    if a.signal not in signals:
        known = ", ".join(signals)
        raise fail(
            ["alerts", i, "signal"], f"no signal {a.signal!r} in this scenario (known: {known})"
        )
    labels = {**common, **a.labels}
    if "severity" not in labels:
        raise fail(["alerts", i, "labels", "severity"], "missing")
    annotations = dict(a.annotations)
    for key in ("summary", "description", "runbook_url"):
        value = getattr(a, key)
        if value is not None:
            annotations[key] = value
    if not annotations.get("summary", "").strip():
        raise fail(["alerts", i, "summary"], "missing")
    return AlertRule(a.name, a.signal, a.above, a.below, a.for_s, labels, annotations)


def _response(
    where: list[str | int],
    r: ResponseSection,
    role: str,
    signals: Mapping[str, SignalCurve],
    fail: Fail,
    workloads: set[str] | frozenset[str] = frozenset(),
) -> StepResponse:
    for what in ("rollback", "restart"):
        for j, name in enumerate(getattr(r, what)):
            if name not in workloads:
                raise fail([*where, what, j], f"no workload {name!r} in this scenario")
    if role == "diagnostic" and (r.rollback or r.restart):
        raise fail([*where, "restart"], "a diagnostic only prints; it cannot change workloads")
    for key in r.recover:
        if key not in signals:
            raise fail([*where, "recover"], f"no signal {key!r}")
    for key in r.worsen:
        if key not in signals:
            raise fail([*where, "worsen", key], f"no signal {key!r}")
    if role == "remedy" and not r.recover:
        raise fail([*where, "recover"], "a remedy must recover at least one signal")
    if role == "remedy" and r.relapse_after_s is not None:
        raise fail(
            [*where, "relapse_after_s"],
            "a remedy recovers for good; put short-lived relief in [[decoys]]",
        )
    if role == "decoy" and r.recover and r.relapse_after_s is None:
        raise fail(
            [*where, "relapse_after_s"],
            "a decoy that recovers signals must relapse (else it is a remedy)",
        )
    if role == "diagnostic" and (r.recover or r.worsen):
        raise fail([*where, "recover"], "a diagnostic only prints; it cannot change signals")
    return StepResponse(
        name=r.name,
        pattern=re.compile(r.match, re.IGNORECASE | re.DOTALL),
        role=role,
        stdout=tuple(r.stdout),
        exit_code=r.exit_code,
        duration_s=r.duration_s,
        columns=tuple(r.columns) if r.columns is not None else None,
        rows=tuple(tuple(row) for row in r.rows) if r.rows is not None else None,
        recover=tuple(r.recover),
        recover_s=r.recover_s,
        relapse_after_s=r.relapse_after_s,
        relapse_s=r.relapse_s,
        worsen=dict(r.worsen),
        worsen_s=r.worsen_s,
        stdout_fixed=tuple(r.stdout_fixed) if r.stdout_fixed is not None else None,
        exit_code_fixed=r.exit_code_fixed,
        rollback=tuple(r.rollback),
        restart=tuple(r.restart),
    )
