"""Opening an alert's detail from the alerts region: what is known at once (the alert, its
history, the inhibiting alerts of this poll, the silences already listed) shows immediately;
the silences that apply are then looked up in a worker and filled in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warroom.domain.alerts import Alert, Silence
from warroom.domain.errors import WarroomError
from warroom.services.polling import bounded
from warroom.ui.regions.base import SOURCE_TIMEOUT_S

if TYPE_CHECKING:
    from warroom.ui.dialogs.alert_detail import AlertDetail
    from warroom.ui.regions.alerts.region import AlertsRegion


def open_detail(region: AlertsRegion, alert: Alert, known: dict[str, Silence]) -> None:
    from warroom.ui.dialogs.alert_detail import AlertDetail, AlertMemoryView

    index = region.services.memory.index
    memory = AlertMemoryView(
        index.for_fingerprint(alert.fingerprint),
        index.for_group(alert.name, alert.service),
        tuple(index.strip(alert.fingerprint)),
        tuple(region.services.remedies.incidents_for(alert)),
    )
    wanted = set(alert.inhibited_by)
    inhibitors = (
        {a.fingerprint: a for a in region.alerts if a.fingerprint in wanted} if wanted else {}
    )
    silences = {sid: known[sid] for sid in alert.silenced_by if sid in known}
    now = region.ctx.clock.now()
    dialog = AlertDetail(
        alert, now, memory, silences=silences, inhibitors=inhibitors, updated=region.fetched_at
    )
    region.app.push_screen(dialog)
    if any(sid not in silences for sid in alert.silenced_by):
        region.run_worker(
            _look_up(region, dialog, known),
            group="silences",
            exit_on_error=False,
            description="Look up the silences of an alert",
        )


async def _look_up(region: AlertsRegion, dialog: AlertDetail, known: dict[str, Silence]) -> None:
    try:
        silences, _errors = await bounded(
            region.services.silences.list(), SOURCE_TIMEOUT_S, "silences"
        )
    except WarroomError:
        return  # the ids stay shown as they are
    known.update((s.id, s) for s in silences)
    if dialog.is_attached:
        dialog.show_silences(known)
