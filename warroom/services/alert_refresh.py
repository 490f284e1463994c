"""One alert refresh: fetch from every source, merge, and mark the alerts that acks cover.

The UI asks `refresh()` and shows the snapshot; it never talks to the sources itself. A refresh
only reads: keeping acks alive is `AckKeepAlive`, on its own timer.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from warroom.domain.alerts import Alert
from warroom.domain.errors import WarroomError
from warroom.services.acks import mark_acked
from warroom.services.polling import THREAD_AT, AlertPoller, AlertSnapshot, bounded
from warroom.services.silences import SilenceService


class AlertRefresh:
    """`refresh()`: the firing alerts with who acked what, never raising for a source."""

    def __init__(
        self, poller: AlertPoller, silences: SilenceService, timeout_s: float = 5.0
    ) -> None:
        self.poller = poller
        self.silences = silences
        self.timeout_s = timeout_s
        self._latest: list[Alert] | None = None

    @property
    def known(self) -> list[Alert]:
        """The alerts as last refreshed, acks marked (what the guards ask about)."""
        return list(self._latest) if self._latest is not None else self.poller.known

    async def refresh(self) -> AlertSnapshot:
        snapshot = await self._refresh()
        self._latest = snapshot.alerts
        return snapshot

    async def _refresh(self) -> AlertSnapshot:
        snapshot = await self.poller.poll()
        if not any(a.silenced_by for a in snapshot.alerts):
            return snapshot
        # acks are silences: mark the alerts they cover with who and when
        try:
            silences, _errors = await bounded(self.silences.list(), self.timeout_s, "silences")
        except WarroomError:
            return snapshot  # the alerts without their ack marks beat no alerts
        alerts = snapshot.alerts
        marked = (
            await asyncio.to_thread(mark_acked, alerts, silences)
            if len(alerts) >= THREAD_AT
            else mark_acked(alerts, silences)
        )
        return replace(snapshot, alerts=marked)
