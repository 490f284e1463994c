"""Silences and acknowledgements, as the war-room screen offers them (`s`, `S`, `a`, `x`).

Kept apart from the screen so each file stays readable; all IO goes through the silence and
ack services, in workers, and every silence made, extended or expired is logged.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual import work

from warroom.domain.alerts import Alert, Matcher, Silence, SilenceRequest
from warroom.domain.errors import WarroomError
from warroom.domain.incident import EntryKind
from warroom.services.acks import AckKeeper
from warroom.services.polling import bounded
from warroom.services.silences import SilenceFact, SilenceService, identifying_matchers
from warroom.ui.screens.base import WarRoomBase
from warroom.ui.screens.silence import SilenceDialog, SilenceForm
from warroom.ui.screens.silences_view import SilencesView

TIMEOUT_S = 5.0

_FACT_KIND = {
    "acked": EntryKind.ALERT_ACKED,
    "ack-extended": EntryKind.SILENCE,
    "ack-released": EntryKind.SILENCE,
}


class SilenceActions(WarRoomBase):
    """`s`, `S`, `a` and `x`: silences and acknowledgements."""

    def _setup_silences(self) -> None:
        ctx = self.ctx
        self.silence_service = SilenceService(ctx.sources.alert_sources, ctx.clock)
        self.ack_keeper = AckKeeper(
            ctx.sources.alert_sources, ctx.clock, minutes=ctx.settings.ack_minutes
        )

    def _log_fact(self, fact: SilenceFact) -> None:
        data: dict[str, Any] = {
            "silence_id": fact.silence_id,
            "action": fact.action,
            "matchers": " ".join(str(m) for m in fact.matchers),
            "source": fact.source,
        }
        self._log(_FACT_KIND.get(fact.action, EntryKind.SILENCE), fact.describe(), data)

    def _can_change(self, what: str) -> bool:
        if self.ctx.viewer:
            self.notify(f"viewer mode: {what} is disabled", severity="warning")
            return False
        if not any(s.can_silence for s in self.ctx.sources.alert_sources):
            self.notify(
                f"cannot {what}: alerts come from Prometheus, which is read-only "
                "(configure an Alertmanager)",
                severity="warning",
            )
            return False
        return True

    def action_silence(self) -> None:
        alert = self.selected
        if alert is None or not self._can_change("silence"):
            return
        self._open_silence(list(identifying_matchers(alert)), f"Silence {alert.name}", alert)

    def action_bulk_silence(self) -> None:
        from warroom.ui.widgets.alert_list import AlertList

        flt = self.query_one(AlertList).filter
        if not flt.matchers:
            self.notify("bulk silence needs a label=value filter first (/)", severity="warning")
            return
        if self._can_change("silence"):
            self._open_silence(flt.as_matchers(), "Silence everything matching the filter", None)

    def _open_silence(self, matchers: list[Matcher], title: str, alert: Alert | None) -> None:
        def done(form: SilenceForm | None) -> None:
            if form is not None:
                self._create_silence(form, alert)

        minutes = self.ctx.settings.silence_hours * 60
        self.app.push_screen(
            SilenceDialog(matchers, self.alerts, minutes=minutes, title=title), done
        )

    @work(group="silences", exit_on_error=False, description="Create a silence")
    async def _create_silence(self, form: SilenceForm, alert: Alert | None) -> None:
        now = self.ctx.clock.now()
        request = SilenceRequest(
            form.matchers, now, now + timedelta(minutes=form.minutes), self.ctx.author, form.comment
        )
        try:
            fact = await bounded(
                self.silence_service.create(request, alert=alert, alerts=self.alerts),
                TIMEOUT_S,
                "silence",
            )
        except WarroomError as exc:
            self.notify(f"silence failed: {exc}", severity="error")
            return
        self._log_fact(fact)
        self.notify(f"silenced: {' '.join(str(m) for m in form.matchers)}", timeout=4)
        self.poll_alerts()

    def action_ack(self) -> None:
        alert = self.selected
        if alert is None or not self._can_change("acknowledge"):
            return
        self._ack(alert)

    @work(group="silences", exit_on_error=False, description="Acknowledge an alert")
    async def _ack(self, alert: Alert) -> None:
        incident = self.incident_log.incident
        incident_id = incident.id if incident is not None and incident.is_open else None
        try:
            fact = await bounded(
                self.ack_keeper.ack(alert, self.ctx.author, incident_id), TIMEOUT_S, "ack"
            )
        except WarroomError as exc:
            self.notify(f"ack failed: {exc}", severity="error")
            return
        self._log(
            EntryKind.ALERT_ACKED,
            f"Acknowledged {alert.name} ({alert.service or alert.instance}) for "
            f"{self.ctx.settings.ack_minutes:g} min",
            {
                "silence_id": fact.silence_id,
                "alertname": alert.name,
                "fingerprint": alert.fingerprint,
            },
        )
        self.notify(f"acknowledged {alert.name}", timeout=4)
        self.poll_alerts()

    async def _keep_acks(self) -> None:
        """On each alert poll: extend own acks while the incident is open, release them after."""
        incident = self.incident_log.incident
        keeper = self.ack_keeper
        if incident is not None and incident.is_open:
            if keeper.incident_id != incident.id:
                await bounded(keeper.adopt(incident.id), TIMEOUT_S, "ack adopt")
            facts = await bounded(keeper.tick(), TIMEOUT_S, "ack extend")
        elif incident is not None and keeper.incident_id == incident.id and keeper.silence_ids:
            facts = await bounded(keeper.release_all(), TIMEOUT_S, "ack release")
        else:
            return  # acks made with no incident open simply run out
        for fact in facts:
            self._log_fact(fact)

    def action_silences(self) -> None:
        if not any(s.can_silence for s in self.ctx.sources.alert_sources):
            self.notify(
                "no Alertmanager configured: there are no silences to list", severity="warning"
            )
            return
        self._show_silences()

    @work(group="silences", exit_on_error=False, description="List silences")
    async def _show_silences(self) -> None:
        try:
            silences, errors = await bounded(self.silence_service.list(), TIMEOUT_S, "silences")
        except WarroomError as exc:
            self.notify(f"silences: {exc}", severity="error")
            return

        def chosen(silence: Silence | None) -> None:
            if silence is not None:
                if self.ctx.viewer:
                    self.notify("viewer mode: expiring silences is disabled", severity="warning")
                    return
                self._expire(silence)

        view = SilencesView(silences, errors, self.ctx.clock.now())
        self.app.push_screen(view, chosen)

    @work(group="silences", exit_on_error=False, description="Expire a silence")
    async def _expire(self, silence: Silence) -> None:
        try:
            fact = await bounded(self.silence_service.expire(silence), TIMEOUT_S, "expire")
        except WarroomError as exc:
            self.notify(f"expire failed: {exc}", severity="error")
            return
        self._log_fact(fact)
        self.notify(f"expired silence {silence.id[:8]}", timeout=4)
        self.poll_alerts()
