"""Four eyes: a destructive step runs only once a second person has approved it.

The requesting console writes an `approval` entry in state "requested" holding the exact
final command, its target and environment; another console, held by someone else, answers
with an `approval` entry ("approved" or "declined") naming the request and repeating the
command it saw. The requester judges each answer (`judge`): an approval by the requester
themselves (from any console) or one older than `APPROVAL_TTL` is refused, and the refusal
is logged too. Everything travels as entries of the shared log, nothing console to console.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from warroom.domain.incident import Entry, EntryKind
from warroom.domain.permissions import same_person, short_name
from warroom.domain.untrusted import one_line

APPROVAL_TTL = timedelta(minutes=5)


class ApprovalState(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"
    REFUSED = "refused"  # an answer that does not count (self-approval, too late): logged
    EXPIRED = "expired"  # nobody approved in time: the step did not run
    WITHDRAWN = "withdrawn"  # the requester cancelled

    @property
    def final(self) -> bool:
        return self in _FINAL


_FINAL = {
    ApprovalState.APPROVED,
    ApprovalState.DECLINED,
    ApprovalState.EXPIRED,
    ApprovalState.WITHDRAWN,
}


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    entry_id: str
    command: str
    target: str
    environment: str
    step: str
    requested_by: str
    at: datetime

    @property
    def expires_at(self) -> datetime:
        return self.at + APPROVAL_TTL

    def describe(self) -> str:
        """What the approver is shown, in full: command, target, environment, who asks."""
        return (
            f"{self.command}\n\ntarget: {self.target or '-'}\nenvironment: "
            f"{self.environment or '-'}\nstep: {self.step}\nasked by: {self.requested_by}"
        )

    @classmethod
    def from_entry(cls, entry: Entry) -> ApprovalRequest | None:
        data = entry.data
        if entry.kind is not EntryKind.APPROVAL or data.get("state") != ApprovalState.REQUESTED:
            return None
        return cls(
            entry.id,
            str(data.get("command") or ""),
            str(data.get("target") or ""),
            str(data.get("environment") or ""),
            str(data.get("step") or ""),
            entry.author,
            entry.at,
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """What an answer means to the requester: approved or declined (final), or refused."""

    state: ApprovalState
    by: str
    reason: str = ""


def request_data(command: str, target: str, environment: str, step: str) -> dict[str, Any]:
    return {
        "state": ApprovalState.REQUESTED.value,
        "command": command,
        "target": target,
        "environment": environment,
        "step": step,
    }


def request_text(request_by: str, command: str, target: str, environment: str) -> str:
    where = f" on {target}" if target else ""
    env = f" ({environment})" if environment else ""
    return f"Awaiting approval: {one_line(command)}{where}{env}, asked by {request_by}"


def answer_data(
    request: ApprovalRequest, state: ApprovalState, *, by: str = "", reason: str = ""
) -> dict[str, Any]:
    """An answer (or the requester's own closing entry) that names the request and repeats
    exactly what was approved, so the entry alone says it."""
    return {
        "state": state.value,
        "request": request.entry_id,
        "command": request.command,
        "target": request.target,
        "environment": request.environment,
        "requested_by": request.requested_by,
        "by": by,
        "reason": reason,
    }


def answer_text(request: ApprovalRequest, state: ApprovalState, by: str, reason: str = "") -> str:
    what = f"{one_line(request.command)}" + (f" on {request.target}" if request.target else "")
    asked = short_name(request.requested_by)
    if state is ApprovalState.APPROVED:
        return f"Approved by {short_name(by)} (asked by {asked}): {what}"
    if state is ApprovalState.DECLINED:
        return f"Declined by {short_name(by)} (asked by {asked}): {what}"
    if state is ApprovalState.REFUSED:
        return f"Approval by {short_name(by)} refused ({reason}): {what}"
    if state is ApprovalState.EXPIRED:
        return f"Approval expired, not run (nobody approved within 5 minutes): {what}"
    return f"Approval request withdrawn by {asked}: {what}"


def refusal(request: ApprovalRequest, approver: str, at: datetime) -> str:
    """Why `approver` may not approve this request at `at` ("" if they may)."""
    if same_person(approver, request.requested_by):
        return "self-approval: a second person must approve"
    if at > request.expires_at:
        return "the request is older than 5 minutes"
    return ""


def judge(request: ApprovalRequest, answer: Entry, now: datetime) -> Verdict | None:
    """The requester's reading of an entry: None when it does not answer this request."""
    data = answer.data
    if answer.kind is not EntryKind.APPROVAL or data.get("request") != request.entry_id:
        return None
    state = str(data.get("state") or "")
    if state == ApprovalState.DECLINED:
        return Verdict(ApprovalState.DECLINED, answer.author)
    if state != ApprovalState.APPROVED:
        return None
    if str(data.get("command") or "") != request.command:
        return Verdict(ApprovalState.REFUSED, answer.author, "it approves another command")
    why = refusal(request, answer.author, max(answer.recorded_at, answer.at, now))
    if why:
        return Verdict(ApprovalState.REFUSED, answer.author, why)
    return Verdict(ApprovalState.APPROVED, answer.author)


def open_requests(entries: Iterable[Entry], now: datetime) -> list[ApprovalRequest]:
    """Requests still waiting for an answer (not answered, withdrawn or expired), oldest first."""
    waiting: dict[str, ApprovalRequest] = {}
    for entry in entries:
        if entry.kind is not EntryKind.APPROVAL:
            continue
        request = ApprovalRequest.from_entry(entry)
        if request is not None:
            waiting[request.entry_id] = request
            continue
        try:
            state = ApprovalState(str(entry.data.get("state") or ""))
        except ValueError:
            continue
        asked = waiting.get(str(entry.data.get("request") or ""))
        if asked is None or not state.final:
            continue
        if state is ApprovalState.APPROVED and same_person(entry.author, asked.requested_by):
            continue  # a self-approval does not count: it still waits for a second person
        del waiting[asked.entry_id]
    return [r for r in waiting.values() if now <= r.expires_at]
