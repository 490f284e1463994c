"""Four eyes through the shared log: ask, wait for a second person, or answer another's ask.

The requesting console writes the request (`domain.approvals`) and waits for an answer to
arrive through the store's subscription (other consoles' entries, from any thread), judging
each: a self-approval or a late one is refused and the refusal logged, and the wait goes on
until `APPROVAL_TTL` has passed on the injected clock. With a store that is not shared
(SQLite: one console) four eyes cannot work: `notice` says so once and destructive steps keep
their typed confirmation alone.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from warroom.domain.approvals import (
    ApprovalRequest,
    ApprovalState,
    answer_data,
    answer_text,
    judge,
    open_requests,
    refusal,
    request_data,
    request_text,
)
from warroom.domain.clock import Clock
from warroom.domain.errors import RunbookError, WarroomError
from warroom.domain.incident import Entry, EntryKind
from warroom.domain.ports import IncidentStore, RenderedStep
from warroom.domain.runbooks import Risk
from warroom.services.incident_log import IncidentLog

HEARD_KEEP = 200  # answers kept for a wait that starts after they arrived


@dataclass(frozen=True, slots=True)
class Approval:
    """Who asked and who approved: both go into the step's entry."""

    requested_by: str
    approved_by: str


class ApprovalDesk:
    def __init__(
        self,
        log: IncidentLog,
        store: IncidentStore,
        clock: Clock,
        person: str,
        environment: str,
        *,
        enabled: bool,
        shared: bool,
        poll_s: float = 0.5,
    ) -> None:
        self.log = log
        self.clock = clock
        self.person = person
        self.environment = environment
        self.enabled = enabled
        self.shared = shared
        self.poll_s = poll_s
        self._heard: deque[Entry] = deque(maxlen=HEARD_KEEP)
        self._wakeups: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        # the entries this console writes while a step waits (the ask, an expiry): the store
        # tells only the other consoles, so the log region sets this to show them here too
        self.on_written: Callable[[Entry], None] | None = None
        store.subscribe(self._on_entry)

    @property
    def active(self) -> bool:
        return self.enabled and self.shared

    @property
    def notice(self) -> str:
        """Said once when four eyes is asked for but cannot work here."""
        if self.enabled and not self.shared:
            return (
                "four eyes needs a shared incident store (postgresql://): with this one "
                "destructive steps keep the typed confirmation only"
            )
        return ""

    def required(self, rendered: RenderedStep) -> bool:
        return self.active and rendered.risk is Risk.DESTRUCTIVE

    def waiting(self) -> list[ApprovalRequest]:
        incident = self.log.incident
        return open_requests(incident.entries, self.clock.now()) if incident else []

    # ------------------------------------------------------------ the requesting console

    async def request(self, rendered: RenderedStep) -> ApprovalRequest:
        incident = self.log.incident
        if incident is None or not incident.is_open:
            raise RunbookError(
                "four eyes: declare an incident first (d): the approval is asked in its log"
            )
        step = rendered.step.description or rendered.step.first_line
        data = request_data(rendered.command, rendered.target, self.environment, step)
        text = request_text(self.person, rendered.command, rendered.target, self.environment)
        entry = self._said(await self.log.write(EntryKind.APPROVAL, text, data))
        request = ApprovalRequest.from_entry(entry)
        assert request is not None
        return request

    async def wait(self, request: ApprovalRequest) -> Approval:
        """Until a second person approves (returned) or declines, or the request expires
        (RunbookError, with the closing entry written)."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        self._wakeups.append((loop, event))
        seen: set[str] = set()
        try:
            while True:
                for entry in [e for e in self._heard if e.id not in seen]:
                    seen.add(entry.id)
                    verdict = judge(request, entry, self.clock.now())
                    if verdict is None:
                        continue
                    if verdict.state is ApprovalState.APPROVED:
                        return Approval(request.requested_by, verdict.by)
                    if verdict.state is ApprovalState.DECLINED:
                        raise RunbookError(f"declined by {verdict.by}: the step did not run")
                    self._said(
                        await self._close(
                            request, ApprovalState.REFUSED, verdict.by, verdict.reason
                        )
                    )
                if self.clock.now() > request.expires_at:
                    self._said(await self._close(request, ApprovalState.EXPIRED, self.person))
                    raise RunbookError("nobody approved within 5 minutes: the step did not run")
                event.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), self.poll_s)
        except asyncio.CancelledError:
            task = loop.create_task(self._withdraw(request))
            task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)
            raise
        finally:
            self._wakeups.remove((loop, event))

    async def _close(
        self, request: ApprovalRequest, state: ApprovalState, by: str, reason: str = ""
    ) -> Entry:
        text = answer_text(request, state, by, reason)
        return await self.log.write(
            EntryKind.APPROVAL, text, answer_data(request, state, by=by, reason=reason)
        )

    async def _withdraw(self, request: ApprovalRequest) -> None:
        self._said(await self._close(request, ApprovalState.WITHDRAWN, self.person))

    def _said(self, entry: Entry) -> Entry:
        if self.on_written is not None:
            self.on_written(entry)
        return entry

    def _on_entry(self, entry: Entry) -> None:
        """Another console's entry (any thread): keep approval answers, wake the waits."""
        if entry.kind is not EntryKind.APPROVAL:
            return
        self._heard.append(entry)
        for loop, event in list(self._wakeups):
            with contextlib.suppress(RuntimeError):  # that loop has closed
                loop.call_soon_threadsafe(event.set)

    # ------------------------------------------------------------ the approving console

    async def answer(self, request: ApprovalRequest, approve: bool) -> Entry:
        """Approve or decline another person's request. A self-approval or a late one is
        refused here too, and the refusal logged (WarroomError says why)."""
        if not approve:
            return await self._close(request, ApprovalState.DECLINED, self.person)
        why = refusal(request, self.person, self.clock.now())
        if why:
            await self._close(request, ApprovalState.REFUSED, self.person, why)
            raise WarroomError(f"approval refused: {why}")
        return await self._close(request, ApprovalState.APPROVED, self.person)
