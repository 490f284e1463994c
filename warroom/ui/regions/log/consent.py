"""What the log region asks of the person at this console: accept a role handed to them, and
approve or decline another person's destructive step (four eyes).

Both arrive as entries of the shared log (shown here like any other); the prompt appears at
whichever console the named person sits (a handover) or at every other non-viewer console
(an approval). Each answer goes back through the screen's one gate (`Region.Requested`), so
a viewer, or whoever may not, is refused there.
"""

from __future__ import annotations

from warroom.domain.approvals import ApprovalRequest, ApprovalState
from warroom.domain.handover import Handover
from warroom.domain.incident import Entry, EntryKind
from warroom.domain.permissions import Access, same_person, short_name
from warroom.domain.untrusted import one_line
from warroom.ui.dialogs.prompts import Choose
from warroom.ui.messages import EntryCommitted
from warroom.ui.regions.base import Action, Region, Services, write_entry

CONSENT_ACTIONS = (
    Action("A", "review_approval", "Approve/decline a step", Access.WRITE, show=False),
    Action("H", "review_handover", "Accept a role", Access.WRITE, show=False),
)
CONSENT_DIALOG_ACTIONS = (
    Action("", "answer_handover", "Answer a handover", Access.WRITE),
    Action("", "answer_approval", "Answer an approval", Access.WRITE),
)


class Consent(Region):
    """The log region's prompts and answers (a base of `LogRegion`)."""

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self._asked: set[str] = set()  # entries already put to this console

    def consent_start(self) -> None:
        # this console's own ask and its closing (expired, withdrawn) reach its log pane too
        self.services.approvals.on_written = self._own_approval_entry
        notice = self.services.approvals.notice
        if notice:
            self.notify(notice, title="Four eyes", severity="warning", timeout=15, markup=False)

    def _own_approval_entry(self, entry: Entry) -> None:
        self.post_message(EntryCommitted(entry))

    def consent_entry(self, entry: Entry) -> None:
        """An entry the store has: a handover to this person, or another person's ask for
        approval, is put to this console (once per entry)."""
        if self.ctx.viewer or entry.id in self._asked:
            return
        data, me = entry.data, self.ctx.author
        offered = entry.kind is EntryKind.ROLE and bool(data.get("pending"))
        asked = entry.kind is EntryKind.APPROVAL and data.get("state") == ApprovalState.REQUESTED
        if offered and same_person(str(data.get("person") or ""), me):
            self._asked.add(entry.id)
            self.call_after_refresh(self._offer_handover, entry.id)
        elif asked and not same_person(entry.author, me):
            self._asked.add(entry.id)
            self.call_after_refresh(self._tell_approval, entry.id)
        self._subtitle_waiting()

    def _subtitle_waiting(self) -> None:
        waiting = len(self.services.approvals.waiting())
        offered = len(self.services.roles.offered_to_me())
        parts = [f"{waiting} awaiting approval: A"] * bool(waiting)
        parts += ["role offered to you: H"] * bool(offered)
        self.retitle(self.TITLE, " · ".join(parts))

    # ------------------------------------------------------------ handover

    def _offer_handover(self, entry_id: str) -> None:
        handover = next(
            (h for h in self.services.roles.offered_to_me() if h.entry_id == entry_id), None
        )
        if handover is not None:  # (still pending: a resumed log may hold the answer too)
            self._ask_handover(handover)

    def _ask_handover(self, handover: Handover) -> None:
        def answered(choice: str | None) -> None:
            if choice in ("accept", "decline"):
                self.post_message(
                    Region.Requested("answer_handover", handover.entry_id, choice == "accept")
                )

        title = f"{short_name(handover.by)} hands you {handover.role.label}"
        options = [("accept", "Accept"), ("decline", "Decline"), ("later", "Later (H)")]
        self.app.push_screen(Choose(title, options), answered)

    def action_review_handover(self) -> None:
        offered = self.services.roles.offered_to_me()
        if not offered:
            self.notify("no role is waiting for you to accept", timeout=4)
            return
        self._ask_handover(offered[-1])

    def action_answer_handover(self, entry_id: str, accepted: bool) -> None:
        write_entry(self, self.services.roles.answer(entry_id, accepted))

    # ------------------------------------------------------------ four eyes

    def _tell_approval(self, entry_id: str) -> None:
        request = self._waiting(entry_id)
        if request is not None:
            self.notify(
                f"{short_name(request.requested_by)} asks a second person to approve: "
                f"{one_line(request.command)} · A in the log pane to approve or decline",
                title="Four eyes",
                severity="warning",
                timeout=30,
                markup=False,
            )

    def _waiting(self, entry_id: str) -> ApprovalRequest | None:
        return next((r for r in self.services.approvals.waiting() if r.entry_id == entry_id), None)

    def action_review_approval(self) -> None:
        waiting = self.services.approvals.waiting()
        if not waiting:
            self.notify("no step is awaiting approval", timeout=4)
            return
        if len(waiting) == 1:
            self._ask_approval(waiting[0])
            return
        options = [
            (r.entry_id, f"{short_name(r.requested_by)}: {one_line(r.command)}") for r in waiting
        ]

        def picked(entry_id: str | None) -> None:
            request = self._waiting(entry_id) if entry_id else None
            if request is not None:
                self._ask_approval(request)

        self.app.push_screen(Choose("Steps awaiting approval", options), picked)

    def _ask_approval(self, request: ApprovalRequest) -> None:
        def answered(choice: str | None) -> None:
            if choice in ("approve", "decline"):
                self.post_message(
                    Region.Requested("answer_approval", request.entry_id, choice == "approve")
                )

        title = f"Approve this destructive step?\n\n{request.describe()}"
        options = [("approve", "Approve: it runs now"), ("decline", "Decline: it does not run")]
        self.app.push_screen(Choose(title, options), answered)

    def action_answer_approval(self, entry_id: str, approve: bool) -> None:
        """Answered even when it expired meanwhile: the desk refuses that, and logs it."""
        incident = self.services.incident_log.incident
        entry = next((e for e in incident.entries if e.id == entry_id), None) if incident else None
        request = ApprovalRequest.from_entry(entry) if entry is not None else None
        if request is None:
            self.notify("that request is not in this incident's log", severity="warning")
            return
        write_entry(self, self.services.approvals.answer(request, approve))
