"""Who may do what: the gate's answers, the handover fold and the four-eyes state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warroom.domain.approvals import (
    APPROVAL_TTL,
    ApprovalRequest,
    ApprovalState,
    answer_data,
    judge,
    open_requests,
    refusal,
    request_data,
)
from warroom.domain.handover import (
    answer_data as handover_answer,
)
from warroom.domain.handover import (
    offer_data,
    offered_to,
    pending_handovers,
    pending_holders,
)
from warroom.domain.incident import (
    Entry,
    EntryKind,
    Incident,
    IncidentSeverity,
    Role,
    declare,
    new_entry,
)
from warroom.domain.permissions import Access, Permissions, same_person

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


# an answer written after its offer (entries not yet committed are ordered by when written)
LATER = T0 + timedelta(seconds=5)


def _incident(*more: Entry) -> Incident:
    first = declare(
        title="db down", severity=IncidentSeverity.P1, author="alice@one", now=T0, incident_id="I"
    )
    return Incident.from_entries([first, *more])


def _entry(kind: EntryKind, author: str, data: dict, at: datetime = T0, text: str = "x") -> Entry:
    return new_entry("I", kind, text, author=author, now=at + timedelta(seconds=1), data=data)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("alice", "alice@laptop", True),
        ("Alice@bastion", "alice@one", True),
        ("alice", "alicia", False),
        ("", "", False),
        ("bob@one", "alice@one", False),
    ],
)
def test_same_person_is_the_login_at_any_console(a: str, b: str, same: bool) -> None:
    assert same_person(a, b) is same


def test_viewer_may_read_and_never_write() -> None:
    viewer = Permissions("alice@one", viewer=True)
    incident = _incident()
    assert viewer.refusal("filter", Access.READ, incident) is None
    why = viewer.refusal("Note", Access.WRITE, incident)
    assert why == "viewer mode: Note is a change; this console only watches"
    # even the commander's own reserved actions, when at a viewer console
    assert viewer.refusal("Status", Access.WRITE, incident, reserved="changes the status")


def test_only_the_commander_changes_status_and_roles_unless_anyone() -> None:
    incident = _incident()  # alice declared: she is the commander
    reserved = "changes the status"
    assert (
        Permissions("alice@two").refusal("Status", Access.WRITE, incident, reserved=reserved)
        is None
    )
    why = Permissions("bob@two").refusal("Status", Access.WRITE, incident, reserved=reserved)
    assert why == "only the commander (alice) changes the status"
    # bob may still write notes; and with no incident anyone may act
    assert Permissions("bob@two").refusal("Note", Access.WRITE, incident) is None
    assert Permissions("bob@two").refusal("Status", Access.WRITE, None, reserved=reserved) is None
    anyone = Permissions("bob@two", who_changes_status="anyone")
    assert anyone.refusal("Status", Access.WRITE, incident, reserved=reserved) is None


def test_a_handover_is_pending_until_the_new_holder_accepts() -> None:
    offer = _entry(EntryKind.ROLE, "alice@one", offer_data(Role.COMMANDER, "bob", "alice@one"))
    incident = _incident(offer)
    assert incident.commander == "alice@one"  # an offer changes nothing yet
    [pending] = pending_handovers(incident.entries)
    assert pending.person == "bob" and pending.by == "alice@one"
    assert offered_to("bob@laptop", incident.entries) == [pending]
    assert offered_to("carol", incident.entries) == []
    assert pending_holders(incident) == {Role.COMMANDER: "alice → bob (pending)"}
    # the commander may not act as bob; bob's answer is what changes the role
    accept = _entry(EntryKind.ROLE, "bob@laptop", handover_answer(pending, True), at=LATER)
    incident.apply(accept)
    assert incident.commander == "bob"
    assert pending_handovers(incident.entries) == []
    assert pending_holders(incident) == {}


def test_a_declined_handover_leaves_the_role_where_it_was() -> None:
    offer = _entry(EntryKind.ROLE, "alice@one", offer_data(Role.TECH_LEAD, "bob", None))
    incident = _incident(offer)
    [pending] = pending_handovers(incident.entries)
    incident.apply(_entry(EntryKind.ROLE, "bob", handover_answer(pending, False), at=LATER))
    assert Role.TECH_LEAD not in incident.roles
    assert pending_handovers(incident.entries) == []


def test_a_newer_offer_replaces_the_older_one() -> None:
    first = _entry(EntryKind.ROLE, "alice", offer_data(Role.SCRIBE, "bob", None))
    second = _entry(
        EntryKind.ROLE, "alice", offer_data(Role.SCRIBE, "carol", None), T0 + timedelta(1)
    )
    assert [h.person for h in pending_handovers([first, second])] == ["carol"]


def _request(at: datetime = T0) -> tuple[Entry, ApprovalRequest]:
    entry = _entry(
        EntryKind.APPROVAL,
        "alice@one",
        request_data("kubectl delete pod db-0", "db-0", "prod", "s"),
        at,
    )
    request = ApprovalRequest.from_entry(entry)
    assert request is not None
    return entry, request


def _answer(request: ApprovalRequest, state: ApprovalState, by: str, at: datetime) -> Entry:
    return _entry(EntryKind.APPROVAL, by, answer_data(request, state, by=by), at)


def test_an_approval_by_a_second_person_in_time_counts() -> None:
    _, request = _request()
    verdict = judge(request, _answer(request, ApprovalState.APPROVED, "bob@two", T0), T0)
    assert (
        verdict is not None and verdict.state is ApprovalState.APPROVED and verdict.by == "bob@two"
    )


def test_self_approval_is_refused_from_any_console() -> None:
    _, request = _request()
    verdict = judge(request, _answer(request, ApprovalState.APPROVED, "alice@other", T0), T0)
    assert verdict is not None and verdict.state is ApprovalState.REFUSED
    assert "self-approval" in verdict.reason
    assert "self-approval" in refusal(request, "Alice@laptop", T0)


def test_an_approval_older_than_five_minutes_is_refused() -> None:
    _, request = _request()
    late = T0 + APPROVAL_TTL + timedelta(seconds=2)
    verdict = judge(request, _answer(request, ApprovalState.APPROVED, "bob", late), late)
    assert verdict is not None and verdict.state is ApprovalState.REFUSED
    assert "5 minutes" in verdict.reason
    # written in time, but read by the requester after the expiry: refused all the same
    verdict = judge(request, _answer(request, ApprovalState.APPROVED, "bob", T0), late)
    assert verdict is not None and verdict.state is ApprovalState.REFUSED


def test_an_approval_of_another_command_is_refused() -> None:
    _, request = _request()
    forged = _entry(
        EntryKind.APPROVAL,
        "bob",
        {**answer_data(request, ApprovalState.APPROVED, by="bob"), "command": "rm -rf /"},
    )
    verdict = judge(request, forged, T0)
    assert verdict is not None and verdict.state is ApprovalState.REFUSED


def test_open_requests_until_answered_or_expired() -> None:
    entry, request = _request()
    assert open_requests([entry], T0) == [request]
    self_ok = _answer(request, ApprovalState.APPROVED, "alice@two", T0)
    assert open_requests([entry, self_ok], T0) == [request]  # still needs a second person
    declined = _answer(request, ApprovalState.DECLINED, "bob", T0)
    assert open_requests([entry, declined], T0) == []
    assert open_requests([entry], request.expires_at + timedelta(seconds=1)) == []


def test_anyone_may_take_over_once_the_commanders_console_has_gone() -> None:
    """The commander's laptop dies at 3 a.m.: with presence known and the commander at no live
    console, another person may change the status and hand roles; while the commander is
    present (or presence is not known yet) only they may."""
    incident = _incident()  # declared by alice, the commander
    reserved = "changes the status"
    bob = Permissions("bob@two")
    here = bob.refusal("Status", Access.WRITE, incident, reserved=reserved, present=["alice@one"])
    assert here == "only the commander (alice) changes the status"
    unknown = bob.refusal("Status", Access.WRITE, incident, reserved=reserved, present=None)
    assert unknown == here
    gone = bob.refusal("Status", Access.WRITE, incident, reserved=reserved, present=["carol"])
    assert gone is None
    viewer = Permissions("bob@two", viewer=True)
    assert viewer.refusal("Status", Access.WRITE, incident, reserved=reserved, present=[])
