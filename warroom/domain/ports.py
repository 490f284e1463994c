"""The small protocols every source implements: live servers, the drill, and test fakes.

Services and the UI talk to these only. A source raises `errors.SourceError` subclasses,
never its library's own exceptions, so callers need not import httpx or asyncpg to catch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from warroom.domain.alerts import Alert, Silence, SilenceRequest
from warroom.domain.incident import Entry
from warroom.domain.runbooks import Risk, Step
from warroom.domain.service_context import ServiceContextSource
from warroom.domain.signals import Sample, SignalSpec


@runtime_checkable
class AlertSource(Protocol):
    """Where firing alerts come from (Alertmanager, Prometheus, the drill)."""

    name: str
    can_silence: bool

    async def fetch_alerts(self) -> list[Alert]: ...

    async def list_silences(self) -> list[Silence]: ...

    async def create_silence(self, request: SilenceRequest) -> str:
        """Create (or, with `request.id`, extend) a silence; returns its id."""
        ...

    async def expire_silence(self, silence_id: str) -> None: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class SignalSource(Protocol):
    """Where golden-signal numbers come from (Prometheus, PostgreSQL, the drill)."""

    name: str

    async def sample(self, spec: SignalSpec, service: str | None) -> Sample:
        """The current value; raises SourceError when it cannot be had."""
        ...

    async def history(self, spec: SignalSpec, service: str | None, end: datetime) -> list[Sample]:
        """The last `spec.range_s` seconds at `spec.step_s` resolution."""
        ...

    async def aclose(self) -> None: ...


class ServiceCatalog(Protocol):
    async def services(self) -> list[str]:
        """The services (job/service label values) the source knows."""
        ...


@dataclass(frozen=True, slots=True)
class RenderedStep:
    """A step with every placeholder filled: exactly what will run.

    `command` is the final text shown to the commander (shell-quoted values already in it);
    `params` holds bind parameters for SQL steps, where values are never spliced.
    `risk` is judged on the rendered command and is never lower than the template's: a value
    can turn `--replicas=<n>` into a scale to zero or `curl -X <method>` into a DELETE.
    """

    step: Step
    command: str
    params: tuple[Any, ...] = ()
    target: str = ""  # what a destructive step acts on; the commander types it to confirm
    rendered_risk: Risk | None = None  # the rendered command's own risk (render_step sets it)

    @property
    def risk(self) -> Risk:
        # (the classifiers load on the first step rendered, not with every port at start-up)
        from warroom.domain import step_risk

        own = self.rendered_risk
        if own is None:
            own = step_risk.classify(self.step.kind, self.command)
        return step_risk.worst(self.step.risk, own)

    @property
    def risk_reason(self) -> str:
        """Why this step asks more than the runbook's template did, in one line ("" if not)."""
        if self.risk is self.step.risk:
            return ""
        return f"filled with its values it is {self.risk.value}; the runbook's step alone is {self.step.risk.value}"


@dataclass(slots=True)
class StepResult:
    exit_code: int | None
    duration_s: float
    output: str = ""
    error: str | None = None
    cancelled: bool = False
    timed_out: bool = False
    executor: str = ""
    rows: list[tuple[Any, ...]] | None = None
    columns: list[str] | None = None
    output_file: str = ""  # the full output, when it did not fit `output` (lines cut, too long)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.error and not self.cancelled


OutputSink = Callable[[str], None]  # a batch of output lines joined by "\n"


class StepExecutor(Protocol):
    """Runs one kind of rendered step; output goes to `emit` in batches of lines (joined by "\\n")."""

    name: str

    def handles(self, rendered: RenderedStep) -> bool: ...

    async def execute(
        self, rendered: RenderedStep, emit: OutputSink, timeout_s: float
    ) -> StepResult: ...


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """`online` False: entries are queued, not in the store (yet). `unsaved`: ids of entries
    shown but kept in memory only: mark them "not saved". `problem`: "DISK FULL" or "READ-ONLY"
    while the store cannot write (say it loudly). `notice`: a one-time event to tell once (a
    corrupt store file set aside at open). `detail` says all of it in one line."""

    online: bool = True
    queued: int = 0
    detail: str = ""
    unsaved: frozenset[str] = frozenset()
    problem: str = ""
    notice: str = ""


@dataclass(frozen=True, slots=True)
class IncidentSummary:
    id: str
    title: str
    severity: str
    status: str
    declared_at: datetime
    resolved_at: datetime | None
    entries: int
    drill: bool = False


@dataclass(frozen=True, slots=True)
class Presence:
    """One console's heartbeat: who sits at it, the roles they hold, whether it only watches.
    `last_seen` is the writer's clock at the beat (stale after a few missed beats)."""

    console: str
    person: str
    last_seen: datetime
    roles: tuple[str, ...] = ()
    viewer: bool = False


@dataclass(frozen=True, slots=True)
class Lease:
    """Who may do one shared chore (extend one ack) until `expires_at`; `note` is what the
    holder last said about it (JSON text: the ack's current silence and end)."""

    key: str
    holder: str
    expires_at: datetime
    note: str = ""


class IncidentStore(Protocol):
    """Append-only storage of timeline entries. `append` returns only once the entry is durable
    (or, when the store cannot write: disk full, read-only, once it is held in memory and listed
    in `status.unsaved`), and is idempotent on `entry.id`; it returns the entry with the store's
    commit sequence (`seq`), or as given while it is only queued. Entries written by other
    consoles arrive via `subscribe`, and a console's own queued entries come again there, with
    their `seq`, once the store has them.

    Presence and leases are the consoles' small shared state beside the log: `heartbeat`
    upserts this console's row, `consoles` lists those seen since a time; `claim_lease` takes
    or renews `key` for `holder` if it is free, expired (before `now`) or already theirs, and
    returns the lease as it stands after the attempt (held by someone else: not claimed)."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def append(self, entry: Entry) -> Entry: ...

    async def heartbeat(self, presence: Presence) -> None: ...

    async def consoles(self, since: datetime) -> list[Presence]: ...

    async def claim_lease(
        self, key: str, holder: str, now: datetime, until: datetime, note: str | None = None
    ) -> Lease:
        """`note` None keeps the lease's note; a string replaces it (only when claimed)."""
        ...

    async def entries(self, incident_id: str) -> list[Entry]: ...

    async def incidents(self) -> list[IncidentSummary]: ...

    async def open_incident_id(self) -> str | None:
        """The newest incident that is not resolved, to resume on start."""
        ...

    def subscribe(self, callback: Callable[[Entry], None]) -> None: ...

    @property
    def status(self) -> StoreStatus: ...


@dataclass(slots=True)
class Sources:
    """Everything the console talks to, wired by the composition root and injected into the UI."""

    environment: str
    alert_sources: Sequence[AlertSource] = ()
    signal_sources: dict[str, SignalSource] = field(default_factory=dict)
    executors: Sequence[StepExecutor] = ()
    catalog: ServiceCatalog | None = None
    fallback_alerts: AlertSource | None = None  # read-only alerts while Alertmanager is away
    is_drill: bool = False
    is_production: bool = False
    context_sources: Sequence[ServiceContextSource] = ()  # docker, kubernetes: the Service region
