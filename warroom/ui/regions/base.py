"""What every region is: a framed part of the war room with its own widgets, keys, workers
and the facts it posts up. A region gets its data from services (`Services`, attributes down)
and never reaches another region: the screen routes what one posts to the others.

Every key a region offers is an `Action` declared `READ` or `WRITE`; the screen binds them
all and, in viewer mode, refuses each write in one place before the region is asked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget

from warroom.config import Settings
from warroom.domain.alerts import Alert
from warroom.domain.errors import WarroomError
from warroom.domain.incident import (
    DEFAULT_POLICIES,
    Entry,
    EntryKind,
    IncidentSeverity,
    SeverityPolicy,
)
from warroom.domain.permissions import Access, Permissions
from warroom.domain.service_context import Change
from warroom.domain.untrusted import one_line
from warroom.services.ack_keepalive import AckKeepAlive
from warroom.services.acks import AckKeeper
from warroom.services.alert_memory import AlertMemory, MaintenancePlan
from warroom.services.alert_refresh import AlertRefresh
from warroom.services.approvals import ApprovalDesk
from warroom.services.incident_log import IncidentLog
from warroom.services.polling import AlertPoller, SignalPoller
from warroom.services.presence import PresenceService
from warroom.services.remedy_memory import RemedyLibrary
from warroom.services.roles import RoleDesk
from warroom.services.signal_scope import SignalScope
from warroom.services.silence_guard import SilenceGuard
from warroom.services.silences import SilenceService
from warroom.ui.context import SOURCE_TIMEOUT_S, ConsoleContext
from warroom.ui.messages import EntryCommitted

__all__ = [
    "JUMP_ACTIONS",
    "SOURCE_TIMEOUT_S",
    "Access",
    "Action",
    "Region",
    "Services",
    "services_for",
    "write_entry",
]


@dataclass(frozen=True, slots=True)
class Action:
    """One thing a commander can do: its key, its name (the region's `action_<name>`), what
    the key bar and help call it, whether it writes, and what of it only the commander does
    (`reserved`, "changes the status": the gate asks `Permissions`)."""

    key: str
    name: str
    description: str
    access: Access
    show: bool = True
    priority: bool = False
    reserved: str = ""

    def binding(self) -> Binding:
        return Binding(
            self.key,
            f"do('{self.name}')",
            self.description,
            show=self.show,
            priority=self.priority,
            id=f"warroom.{self.name}",
        )


# `1`-`5`: straight to that pane in every layout (in the tabbed one, its tab); the screen's
# keys (`FrameScreen.action_jump_<n>`), after the others so Enter and the rest keep their place
JUMP_ACTIONS = tuple(
    Action(str(n), f"jump_{n}", f"Pane {n}", Access.READ, show=False) for n in range(1, 6)
)


@dataclass(slots=True)
class Services:
    """What the regions are fed from: the context and the services built on it, once."""

    ctx: ConsoleContext
    incident_log: IncidentLog
    refresh: AlertRefresh
    keepalive: AckKeepAlive
    silences: SilenceService
    scope: SignalScope
    memory: AlertMemory  # history, "seen before", the tripwire, maintenance windows
    guard: SilenceGuard  # the silence policy and similar silences, at creation
    # past incidents: the alert detail's "took part in", and remedy memory for the runbook
    # pane (`remedies.for_alert(alert)`, loaded by the alerts region's `start()`)
    remedies: RemedyLibrary
    permissions: Permissions  # the one gate's answer: viewer, read/write, the incident's roles
    roles: RoleDesk  # handovers, accepted at the new holder's console
    approvals: ApprovalDesk  # four eyes for destructive steps
    presence: PresenceService  # who else is connected (heartbeats through the store)


def services_for(ctx: ConsoleContext, poller: AlertPoller) -> Services:
    """The services every region is fed from, built once per war room."""
    silences = SilenceService(ctx.sources.alert_sources, ctx.clock)
    keeper = AckKeeper(ctx.sources.alert_sources, ctx.clock, minutes=ctx.settings.ack_minutes)
    signals = SignalPoller(
        ctx.settings.signals, ctx.sources.signal_sources, ctx.clock, SOURCE_TIMEOUT_S
    )
    settings = ctx.settings
    plan = None
    if settings.maintenance_file:
        lead = timedelta(minutes=settings.maintenance_lead_minutes)
        plan = MaintenancePlan(Path(settings.maintenance_file).expanduser(), lead)
    memory = AlertMemory(
        ctx.history,
        ctx.clock,
        silences,
        source_names=[s.name for s in ctx.sources.alert_sources],
        maintenance=plan,
        timeout_s=SOURCE_TIMEOUT_S,
    )
    log = IncidentLog(
        ctx.store,
        ctx.clock,
        ctx.author,
        policies_for(settings),
        secrets=ctx.secrets,
        console=ctx.console_id,
    )
    four_eyes = settings.four_eyes
    approvals = ApprovalDesk(
        log,
        ctx.store,
        ctx.clock,
        ctx.author,
        ctx.sources.environment,
        enabled=ctx.sources.is_production if four_eyes is None else four_eyes,
        shared=bool(getattr(ctx.store, "shared", False)),  # PostgreSQL: every console sees it
    )
    return Services(
        ctx=ctx,
        incident_log=log,
        refresh=AlertRefresh(poller, silences, SOURCE_TIMEOUT_S),
        keepalive=AckKeepAlive(
            keeper,
            SOURCE_TIMEOUT_S,
            leases=ctx.store,
            console=ctx.console_id,
            watch_only=ctx.viewer,  # a viewer runs nothing: extends no ack
        ),
        silences=silences,
        scope=SignalScope(signals),
        memory=memory,
        guard=SilenceGuard(silences, settings.silence_policy, ctx.clock),
        remedies=RemedyLibrary(ctx.store),
        permissions=Permissions(ctx.author, ctx.viewer, settings.who_changes_status),
        roles=RoleDesk(log, ctx.author),
        approvals=approvals,
        presence=PresenceService(
            ctx.store,
            ctx.clock,
            ctx.console_id or "console",
            ctx.author,
            viewer=ctx.viewer,
            timeout_s=SOURCE_TIMEOUT_S,
        ),
    )


def policies_for(settings: Settings) -> dict[IncidentSeverity, SeverityPolicy]:
    """Severity policies, with the configured status-update cadence when one is set."""
    if settings.update_every_s <= 0:
        return dict(DEFAULT_POLICIES)
    return {
        sev: replace(policy, update_every_s=settings.update_every_s)
        for sev, policy in DEFAULT_POLICIES.items()
    }


class Region(Vertical):
    """A part of the war room. Subclasses set NAME (its id is `NAME-region`), TITLE, and the
    ACTIONS it answers; `start()` runs once the first alerts are drawn."""

    NAME: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    ACTIONS: ClassVar[tuple[Action, ...]] = ()
    DIALOG_ACTIONS: ClassVar[tuple[Action, ...]] = ()  # asked for from a dialog, not a key
    WAITS: ClassVar[bool] = True  # shows only its frame until the first alerts are drawn
    TALL: ClassVar[bool] = False  # in the three-column layout, takes both rows

    class Record(Message):
        """Something happened that belongs in the incident log (the screen writes it)."""

        def __init__(
            self,
            kind: EntryKind,
            text: str,
            data: dict[str, Any] | None = None,
            at: datetime | None = None,  # when it happened, if not now (a change seen late)
        ):
            super().__init__()
            self.kind = kind
            self.text = text
            self.data = data
            self.at = at

    class Requested(Message):
        """A dialog's answer asks for an action (say, expire this silence): the screen passes
        it through the same gate as a key."""

        def __init__(self, name: str, *args: object) -> None:
            super().__init__()
            self.name = name
            self.args = args

    def __init__(self, services: Services) -> None:
        classes = "region" + (" -waits" if self.WAITS else "") + (" -tall" if self.TALL else "")
        super().__init__(id=f"{self.NAME}-region", classes=classes)
        self.services = services
        self.ctx = services.ctx
        self.border_title = self.TITLE
        self._titles = (self.TITLE, "")

    def start(self) -> None:
        """The first alerts are on screen (or the wait is over): start what competes with them."""

    def show_alert(self, alert: Alert | None) -> None:
        """Attributes down: the alert under the cursor (None when the list is empty)."""

    def show_entry(self, entry: Entry) -> None:
        """Attributes down: an entry the store has (this console's or another's)."""

    def show_changes(self, changes: Sequence[Change]) -> None:
        """Attributes down: the service's recent changes, newest first (the Service region's)."""

    def show_unsaved(self, ids: frozenset[str]) -> None:
        """Attributes down: ids of entries shown but not in the store yet (disk full, ...)."""

    def refresh_now(self) -> None:
        """`r`: poll now, if this region polls."""

    def focus_first(self) -> None:
        """Tab landed here: focus what takes keys in this region, or nothing."""
        target = next((w for w in self.query("*") if w.focusable), None)
        if target is not None:
            target.focus()
        elif self.focusable:
            self.focus()
        else:
            self.screen.set_focus(None)

    def retitle(self, title: str, subtitle: str | None = None) -> None:
        """Titles carry untrusted text (a service name, a source's error): set as plain text,
        never markup, and only when changed (setting one repaints the whole region)."""
        if title != self._titles[0]:
            self._titles = (title, self._titles[1])
            self.border_title = Content(one_line(title))
        if subtitle is not None and subtitle != self._titles[1]:
            self._titles = (self._titles[0], subtitle)
            self.border_subtitle = Content(one_line(subtitle))


def write_entry(node: Widget, write: Awaitable[Entry]) -> None:
    """Await an incident-log write in a worker of `node`; once the store has the entry, post
    `EntryCommitted` (the only way an entry reaches the screen)."""

    async def written() -> None:
        try:
            entry = await write
        except WarroomError as exc:
            node.notify(str(exc), severity="error", markup=False)
            return
        node.post_message(EntryCommitted(entry))

    node.run_worker(
        written(), group="incident-log", exit_on_error=False, description="Write to the log"
    )
