"""A drill scenario file's shape: msgspec Structs, strict (a typo is an error) and bounded.

Checks within one table raise `ValueError("key: problem")` from `__post_init__`; checks that
need the whole scenario (an alert's signal exists, a remedy recovers something) live in
`scenario.py`. Both end as the config's one-line `file: key: problem`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from msgspec import Meta, Struct, field

Number = Annotated[float, Meta(ge=-1e12, le=1e12)]
Seconds = Annotated[float, Meta(ge=0, le=7 * 86400)]  # drill time: a week at most
Offset = Annotated[float, Meta(ge=-7 * 86400, le=7 * 86400)]  # negative: before the drill
Fraction = Annotated[float, Meta(ge=0, le=100)]
ExitCode = Annotated[int, Meta(ge=0, le=255)]

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_KEY = re.compile(r"[a-z][a-z0-9_]*")
_ALERT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _text(name: str, value: str) -> None:
    if not value.strip():
        raise ValueError(f"{name}: must not be empty")


class BurnSection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """From `at_s` move linearly to `to` over `over_s` seconds."""

    at_s: Offset
    to: Number
    over_s: Seconds = 0.0


class SignalSection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`[[signals]]`: one simulated signal's healthy value, noise and burn."""

    key: str
    baseline: Number
    noise: Fraction | None = None
    min: Number = 0.0
    max: Number | None = None
    integer: bool | None = None
    burn: list[BurnSection] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key):
            raise ValueError("key: must be a lower-case identifier like error_rate")
        for i in range(1, len(self.burn)):
            if self.burn[i].at_s < self.burn[i - 1].at_s:
                raise ValueError(f"burn[{i}].at_s: burn segments must be in time order")
        if self.max is not None and self.max < self.min:
            raise ValueError("max: must not be below min")


class AlertSection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`[[alerts]]`: fires while `signal` is above (or below) a level for `for_s` seconds."""

    name: str
    signal: str
    above: Number | None = None
    below: Number | None = None
    for_s: Seconds = 0.0
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    summary: str | None = None
    description: str | None = None
    runbook_url: str | None = None

    def __post_init__(self) -> None:
        if not _ALERT.fullmatch(self.name):
            raise ValueError("name: must be an alert name like HighErrorRate")
        _text("signal", self.signal)
        if (self.above is None) == (self.below is None):
            raise ValueError("above: give exactly one of `above` or `below`")


Row = list[Any]


class ResponseSection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`[[remedies]]`, `[[decoys]]`, `[[diagnostics]]`: what a matching command does."""

    name: str
    match: str
    stdout: list[str] = field(default_factory=list)
    exit_code: ExitCode = 0
    duration_s: Seconds = 2.0
    columns: list[str] | None = None
    rows: list[Row] | None = None
    recover: list[str] = field(default_factory=list)
    recover_s: Seconds = 60.0
    relapse_after_s: Seconds | None = None
    relapse_s: Seconds = 120.0
    worsen: dict[str, Number] = field(default_factory=dict)
    worsen_s: Seconds = 60.0
    stdout_fixed: list[str] | None = None
    exit_code_fixed: ExitCode | None = None
    rollback: list[str] = field(default_factory=list)  # workloads back to their previous revision
    restart: list[str] = field(default_factory=list)  # workloads whose containers restart

    def __post_init__(self) -> None:
        _text("name", self.name)
        _text("match", self.match)
        try:
            re.compile(self.match, re.IGNORECASE | re.DOTALL)
        except (re.error, RecursionError, OverflowError) as exc:
            raise ValueError(f"match: bad regular expression: {exc}") from None
        if self.rows is not None:
            if self.columns is None:
                raise ValueError("rows: needs `columns`")
            for j, row in enumerate(self.rows):
                if len(row) != len(self.columns):
                    raise ValueError(f"rows[{j}]: must be a list of {len(self.columns)} values")


class WorkloadSection(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """`[[workloads]]`: what the Service region shows for a service: pods and a rollout
    (kubernetes) or containers (docker), a deploy, a crashloop."""

    name: str
    service: str | None = None
    platform: str = "kubernetes"
    namespace: str = "default"
    image: str
    tag: str
    replicas: Annotated[int, Meta(ge=1, le=50)] = 1
    revision: Annotated[int, Meta(ge=1, le=1_000_000)] = 1
    previous_tag: str | None = None
    deployed_at_s: Offset | None = None
    crashloop_at_s: Offset | None = None
    exit_code: ExitCode = 1
    oom: bool = False

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError("name: must be lower-case letters, digits, '-' or '_'")
        if self.platform not in ("kubernetes", "docker"):
            raise ValueError("platform: must be kubernetes or docker")
        _text("image", self.image)
        _text("tag", self.tag)
        if self.deployed_at_s is not None and self.previous_tag is None:
            raise ValueError("previous_tag: a deploy needs the tag it replaced")


class ScenarioFile(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One drill scenario."""

    name: str
    title: str
    description: str
    services: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    signals: list[SignalSection] = field(default_factory=list)
    alerts: list[AlertSection] = field(default_factory=list)
    remedies: list[ResponseSection] = field(default_factory=list)
    decoys: list[ResponseSection] = field(default_factory=list)
    diagnostics: list[ResponseSection] = field(default_factory=list)
    workloads: list[WorkloadSection] = field(default_factory=list)

    def __post_init__(self) -> None:
        _text("name", self.name)
        if not _NAME.fullmatch(self.name):
            raise ValueError("name: must be lower-case letters, digits, '-' or '_'")
        _text("title", self.title)
        _text("description", self.description)
        names = [w.name for w in self.workloads]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ValueError(f"workloads[{i}].name: {name!r} is declared twice")
