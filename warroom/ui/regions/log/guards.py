"""Guards where a slip costs, for the log region: resolving while alerts still fire asks
(naming how many), and a declaration starts from the most severe firing alert, not from
whichever row the cursor happens to be on."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from warroom.domain.alerts import Alert, Severity, unsuppressed
from warroom.domain.incident import IncidentSeverity, Status
from warroom.domain.untrusted import one_line

NAMED = 5  # alerts named in the question


def firing_question(alerts: Sequence[Alert]) -> tuple[str, str] | None:
    """(question, detail) when alerts still fire unsilenced, or acked (an ack says someone is
    on it, not that it stopped); None when nothing does."""
    firing = [a for a in alerts if a.acked_by and not a.is_inhibited] + unsuppressed(alerts)
    if not firing:
        return None
    names = [f"{a.severity.word} {a.name} {a.service or a.instance}".strip() for a in firing]
    more = f"\n… and {len(firing) - NAMED} more" if len(firing) > NAMED else ""
    noun = "alert still fires" if len(firing) == 1 else "alerts still fire"
    question = f"{len(firing)} {noun}. Resolve the incident anyway?"
    return question, "\n".join(one_line(n) for n in names[:NAMED]) + more


def ask_before_resolving(
    node: object, value: str, alerts: Sequence[Alert], proceed: Callable[[], object]
) -> None:
    """`proceed()` at once, unless `value` resolves while alerts fire: then after a yes."""
    from textual.widget import Widget

    from warroom.ui.dialogs.prompts import Confirm

    asked = firing_question(alerts) if value == Status.RESOLVED.value else None
    if asked is None:
        proceed()
        return
    assert isinstance(node, Widget)

    def answered(yes: bool | None) -> None:
        if yes:
            proceed()

    node.app.push_screen(Confirm(*asked), answered)


def declare_from(alerts: Sequence[Alert], selected: Alert | None) -> Alert | None:
    """What a declaration is prefilled from: the most severe (then oldest) firing alert; the
    selected one only when nothing fires unsilenced."""
    firing = unsuppressed(alerts)
    return firing[0] if firing else selected


def declare_severity(alert: Alert | None) -> IncidentSeverity:
    return (
        IncidentSeverity.P1
        if alert and alert.severity is Severity.CRITICAL
        else IncidentSeverity.P2
    )
