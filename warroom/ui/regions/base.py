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
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

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
from warroom.services.incident_log import IncidentLog
from warroom.ui.context import SOURCE_TIMEOUT_S, ConsoleContext
from warroom.ui.messages import EntryCommitted

if TYPE_CHECKING:
    from warroom.services.ack_keepalive import AckKeepAlive
    from warroom.services.alert_memory import AlertMemory
    from warroom.services.alert_refresh import AlertRefresh
    from warroom.services.approvals import ApprovalDesk
    from warroom.services.polling import AlertPoller
    from warroom.services.presence import PresenceService
    from warroom.services.remedy_memory import RemedyLibrary
    from warroom.services.roles import RoleDesk
    from warroom.services.signal_scope import SignalScope
    from warroom.services.silence_guard import SilenceGuard
    from warroom.services.silences import SilenceService

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


class Services:
    """What the regions are fed from: the context and the services built on it, each built
    the first time a region asks (what only a key press needs is never imported before the
    first full frame)."""

    def __init__(self, ctx: ConsoleContext, poller: AlertPoller) -> None:
        self.ctx = ctx
        self.poller = poller

    @cached_property
    def incident_log(self) -> IncidentLog:
        ctx = self.ctx
        return IncidentLog(
            ctx.store,
            ctx.clock,
            ctx.author,
            policies_for(ctx.settings),
            secrets=ctx.secrets,
            console=ctx.console_id,
        )

    @cached_property
    def silences(self) -> SilenceService:
        from warroom.services.silences import SilenceService

        return SilenceService(self.ctx.sources.alert_sources, self.ctx.clock)

    @cached_property
    def refresh(self) -> AlertRefresh:
        from warroom.services.alert_refresh import AlertRefresh

        return AlertRefresh(self.poller, self.silences, SOURCE_TIMEOUT_S)

    @cached_property
    def keepalive(self) -> AckKeepAlive:
        from warroom.services.ack_keepalive import AckKeepAlive
        from warroom.services.acks import AckKeeper

        ctx = self.ctx
        keeper = AckKeeper(ctx.sources.alert_sources, ctx.clock, minutes=ctx.settings.ack_minutes)
        return AckKeepAlive(
            keeper,
            SOURCE_TIMEOUT_S,
            leases=ctx.store,
            console=ctx.console_id,
            watch_only=ctx.viewer,  # a viewer runs nothing: extends no ack
        )

    @cached_property
    def scope(self) -> SignalScope:
        from warroom.services.polling import SignalPoller
        from warroom.services.signal_scope import SignalScope

        ctx = self.ctx
        signals = SignalPoller(
            ctx.settings.signals, ctx.sources.signal_sources, ctx.clock, SOURCE_TIMEOUT_S
        )
        return SignalScope(signals)

    @cached_property
    def memory(self) -> AlertMemory:
        """History, "seen before", the tripwire, maintenance windows."""
        from warroom.services.alert_memory import AlertMemory, MaintenancePlan

        ctx, settings = self.ctx, self.ctx.settings
        plan = None
        if settings.maintenance_file:
            lead = timedelta(minutes=settings.maintenance_lead_minutes)
            plan = MaintenancePlan(Path(settings.maintenance_file).expanduser(), lead)
        return AlertMemory(
            ctx.history,
            ctx.clock,
            self.silences,
            source_names=[s.name for s in ctx.sources.alert_sources],
            maintenance=plan,
            timeout_s=SOURCE_TIMEOUT_S,
        )

    @cached_property
    def guard(self) -> SilenceGuard:
        """The silence policy and similar silences, at creation."""
        from warroom.services.silence_guard import SilenceGuard

        return SilenceGuard(self.silences, self.ctx.settings.silence_policy, self.ctx.clock)

    @cached_property
    def remedies(self) -> RemedyLibrary:
        """Past incidents: the alert detail's "took part in", and remedy memory for the
        runbook pane (`remedies.for_alert(alert)`, loaded by the alerts region's `start()`)."""
        from warroom.services.remedy_memory import RemedyLibrary

        return RemedyLibrary(self.ctx.store)

    @cached_property
    def permissions(self) -> Permissions:
        """The one gate's answer: viewer, read/write, the incident's roles."""
        ctx = self.ctx
        return Permissions(ctx.author, ctx.viewer, ctx.settings.who_changes_status)

    @cached_property
    def roles(self) -> RoleDesk:
        """Handovers, accepted at the new holder's console."""
        from warroom.services.roles import RoleDesk

        return RoleDesk(self.incident_log, self.ctx.author)

    @cached_property
    def approvals(self) -> ApprovalDesk:
        """Four eyes for destructive steps."""
        from warroom.services.approvals import ApprovalDesk

        ctx, four_eyes = self.ctx, self.ctx.settings.four_eyes
        return ApprovalDesk(
            self.incident_log,
            ctx.store,
            ctx.clock,
            ctx.author,
            ctx.sources.environment,
            enabled=ctx.sources.is_production if four_eyes is None else four_eyes,
            shared=bool(getattr(ctx.store, "shared", False)),  # PostgreSQL: every console sees it
        )

    @cached_property
    def presence(self) -> PresenceService:
        """Who else is connected (heartbeats through the store)."""
        from warroom.services.presence import PresenceService

        ctx = self.ctx
        return PresenceService(
            ctx.store,
            ctx.clock,
            ctx.console_id or "console",
            ctx.author,
            viewer=ctx.viewer,
            timeout_s=SOURCE_TIMEOUT_S,
        )


def services_for(ctx: ConsoleContext, poller: AlertPoller) -> Services:
    """The services every region is fed from, one set per war room (each built on first use)."""
    return Services(ctx, poller)


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
    # its start() is part of the first full frame: the other regions start once it posts Drawn
    FIRST_FRAME: ClassVar[bool] = False

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

    class Drawn(Message):
        """A FIRST_FRAME region's first content is drawn (sent once): the rest may start."""

        def __init__(self, region: Region) -> None:
            super().__init__()
            self.region = region

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
        """The first alerts are on screen, and a FIRST_FRAME region's first content too (or the
        wait is over): start what competes with drawing them."""

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
