"""The alerts region's silences and acks: `s` (one alert, or a whole group on a group row),
`S` (everything the filter matches), `a` (ack), and the silences view (`x`: where each lives,
expire everywhere, extend or edit).

`Silencer` is a widget of the region with no look of its own: the region hands it the alerts
(attributes down) and what the cursor is on, it opens the dialogs and runs each action in a
worker through `SilenceService` / `AckKeeper` (one reachable member of every Alertmanager
cluster holding a matching alert), and posts up the one fact that names each silence id and
where it lives (`Region.Record`) and `Silencer.Changed` (the region polls again).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual import work
from textual.message import Message
from textual.widget import Widget

from warroom.domain.alerts import (
    Alert,
    AlertFilter,
    Matcher,
    Silence,
    SilenceRequest,
    common_matchers,
)
from warroom.domain.errors import WarroomError
from warroom.domain.incident import EntryKind
from warroom.domain.untrusted import clip, one_line
from warroom.services.polling import bounded
from warroom.services.silence_guard import log_override
from warroom.services.silences import SilenceFact, identifying_matchers
from warroom.ui.dialogs.silence import SilenceDialog, SilenceForm
from warroom.ui.dialogs.silences_view import SilenceChoice, SilencesView
from warroom.ui.regions.alerts.alert_list import AlertList
from warroom.ui.regions.base import SOURCE_TIMEOUT_S, Region, Services, write_entry

# one member may hang for its whole timeout before the next member of its cluster is asked
ACTION_TIMEOUT_S = 3 * SOURCE_TIMEOUT_S
_FACT_KIND = {
    "acked": EntryKind.ALERT_ACKED,
    "ack-extended": EntryKind.SILENCE,
    "ack-released": EntryKind.SILENCE,
}


def group_members(alert_list: AlertList) -> list[Alert]:
    """The firing alerts of the highlighted group row, whatever label the list groups by, or
    [] when the cursor is on a single alert."""
    group = alert_list.highlighted_group
    if group is None or len(group.alerts) <= 1:
        return []
    return [a for a in group.alerts if not (a.is_silenced or a.is_inhibited)]


class Silencer(Widget):
    """Silences and acks for the alerts region (it has no look: `display: none`)."""

    DEFAULT_CSS = "Silencer { display: none; }"

    class Changed(Message):
        """A silence or ack was made, changed or expired: the alerts are worth fetching again."""

    def __init__(self, services: Services, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.services = services
        self.ctx = services.ctx
        self.alerts: list[Alert] = []  # every source's, set by the region on each refresh
        self.listed: dict[str, Silence] = {}  # what the silences view (or tripwire) showed

    def record_fact(self, fact: SilenceFact) -> None:
        data: dict[str, Any] = {
            "silence_id": fact.silence_id,
            "action": fact.action,
            "matchers": " ".join(str(m) for m in fact.matchers),
            "source": fact.source,
        }
        if fact.placements:
            data["silence_ids"] = fact.ids  # cluster -> id: where each lives
        if fact.failures:
            data["failed"] = list(fact.failures)
        kind = _FACT_KIND.get(fact.action, EntryKind.SILENCE)
        self.post_message(Region.Record(kind, fact.describe(), data))
        if fact.failures:
            self.notify(
                f"{fact.action} only in part: NOT in " + "; ".join(fact.failures),
                severity="error",
                timeout=10,
                markup=False,
            )

    def _can_change(self, what: str) -> bool:
        if not any(s.can_silence for s in self.ctx.sources.alert_sources):
            self.notify(
                f"cannot {what}: alerts come from Prometheus, which is read-only "
                "(configure an Alertmanager)",
                severity="warning",
            )
            return False
        return True

    def silence(self, alert: Alert | None, members: list[Alert]) -> None:
        """`s`: the alert under the cursor, or the group row's `members` when it is one."""
        if alert is None or not self._can_change("silence"):
            return
        if members:
            title = f"Silence the group {clip(one_line(alert.name), 60)} ({len(members)} alerts)"
            self._open_silence(list(common_matchers(members)), title, None, members=members)
        else:
            self._open_silence(list(identifying_matchers(alert)), f"Silence {alert.name}", alert)

    def bulk_silence(self, flt: AlertFilter) -> None:
        """`S`: everything the filter's `label=value` terms match."""
        if not flt.matchers:
            self.notify("bulk silence needs a label=value filter first (/)", severity="warning")
        elif self._can_change("silence"):
            self._open_silence(flt.as_matchers(), "Silence everything matching the filter", None)

    def _open_silence(
        self,
        matchers: list[Matcher],
        title: str,
        alert: Alert | None,
        form: SilenceForm | None = None,
        refused: str = "",
        members: list[Alert] | None = None,
    ) -> None:
        def done(answer: SilenceForm | None) -> None:
            if answer is not None:
                self._create_silence(answer, alert, title, members)

        minutes = self.ctx.settings.silence_hours * 60
        policy = self.ctx.settings.silence_policy
        dialog = SilenceDialog(
            matchers, self.alerts, minutes=minutes, title=one_line(title), policy=policy,
            form=form, refused=refused, clusters=self.services.silences.clusters,
            members=members or (),
        )  # fmt: skip
        self.app.push_screen(dialog, done)
        self._find_similar(dialog)

    @work(group="silences", exit_on_error=False, description="Find similar silences")
    async def _find_similar(self, dialog: SilenceDialog) -> None:
        known = await self.services.guard.known(SOURCE_TIMEOUT_S)
        if known and dialog.is_attached:
            dialog.show_known(known, self.ctx.clock.now())

    @work(group="silences", exit_on_error=False, description="Create a silence")
    async def _create_silence(
        self, form: SilenceForm, alert: Alert | None, title: str, members: list[Alert] | None
    ) -> None:
        now = self.ctx.clock.now()
        request = SilenceRequest(
            form.matchers, now, now + timedelta(minutes=form.minutes), self.ctx.author, form.comment
        )
        decision = await self.services.guard.verdict(
            request, self.alerts, override_reason=form.override_reason, timeout_s=SOURCE_TIMEOUT_S
        )
        if not decision.allowed:
            self.notify(decision.message, severity="warning", timeout=8, markup=False)
            self._open_silence(list(form.matchers), title, alert, form, decision.message, members)
            return
        if decision.override is not None:
            log = self.services.incident_log
            write_entry(self, log_override(log, decision.override, request))
        try:
            fact = await bounded(
                self.services.silences.create(request, alert=alert, alerts=self.alerts),
                ACTION_TIMEOUT_S,
                "silence",
            )
        except WarroomError as exc:
            self.notify(f"silence failed: {exc}", severity="error", markup=False)
            return
        self.record_fact(fact)
        matchers = one_line(" ".join(str(m) for m in form.matchers))
        self.notify(f"silenced in {fact.source}: {matchers}", timeout=4, markup=False)
        self.post_message(self.Changed())

    def ack(self, alert: Alert | None) -> None:
        if alert is not None and self._can_change("acknowledge"):
            self._ack(alert)

    @work(group="silences", exit_on_error=False, description="Acknowledge an alert")
    async def _ack(self, alert: Alert) -> None:
        incident = self.services.incident_log.incident
        incident_id = incident.id if incident is not None and incident.is_open else None
        keeper = self.services.keepalive.keeper
        try:
            fact = await bounded(
                keeper.ack(alert, self.ctx.author, incident_id, self.alerts),
                ACTION_TIMEOUT_S,
                "ack",
            )
        except WarroomError as exc:
            self.notify(f"ack failed: {exc}", severity="error", markup=False)
            return
        minutes = self.ctx.settings.ack_minutes
        text = (
            f"Acknowledged {alert.name} ({alert.service or alert.instance}) for {minutes:g} min"
            f" · {fact.where()}"
        )
        data: dict[str, Any] = {"silence_id": fact.silence_id, "alertname": alert.name}
        data["fingerprint"] = alert.fingerprint
        data["silence_ids"] = fact.ids
        if fact.failures:
            text += " · NOT in " + "; ".join(fact.failures)
            data["failed"] = list(fact.failures)
            self.notify(f"ack NOT in {'; '.join(fact.failures)}", severity="error", markup=False)
        self.post_message(Region.Record(EntryKind.ALERT_ACKED, text, data))
        self.notify(
            f"acknowledged {one_line(alert.name)} in {fact.source}", timeout=4, markup=False
        )
        self.post_message(self.Changed())

    def open_view(self) -> None:
        """`x`: the silences view."""
        if not any(s.can_silence for s in self.ctx.sources.alert_sources):
            self.notify(
                "no Alertmanager configured: there are no silences to list", severity="warning"
            )
            return
        self._show_silences()

    @work(group="silences", exit_on_error=False, description="List silences")
    async def _show_silences(self) -> None:
        try:
            silences, errors = await bounded(
                self.services.silences.list(), ACTION_TIMEOUT_S, "silences"
            )
        except WarroomError as exc:
            self.notify(f"silences: {exc}", severity="error", markup=False)
            return

        self.listed = {s.id: s for s in silences}

        def chosen(choice: SilenceChoice | None) -> None:
            if choice is None:
                return
            if choice.action == "expire":
                self.post_message(Region.Requested("expire", choice.silence_id))
            else:
                args = (choice.silence_id, choice.minutes, choice.comment)
                self.post_message(Region.Requested("edit_silence", *args))

        view = SilencesView(silences, errors, self.ctx.clock.now(), self.alerts)
        self.app.push_screen(view, chosen)

    @work(group="silences", exit_on_error=False, description="Expire a silence")
    async def expire(self, silence_id: str) -> None:
        """Expire a listed silence everywhere it lives (the view asked first)."""
        silence = self.listed.get(silence_id)
        if silence is None:
            return
        try:
            fact = await bounded(self.services.silences.expire(silence), ACTION_TIMEOUT_S, "expire")
        except WarroomError as exc:
            self.notify(f"expire failed: {exc}", severity="error", markup=False)
            return
        self.record_fact(fact)
        self.notify(f"expired silence {silence_id[:8]} in {fact.source}", timeout=4, markup=False)
        self.post_message(self.Changed())

    @work(group="silences", exit_on_error=False, description="Extend or edit a silence")
    async def edit(self, silence_id: str, minutes: float, comment: str | None) -> None:
        """Make a listed silence end `minutes` from now (and re-word it) in every cluster."""
        silence = self.listed.get(silence_id)
        if silence is None:
            return
        ends_at = self.ctx.clock.now() + timedelta(minutes=minutes)
        try:
            fact = await bounded(
                self.services.silences.update(silence, ends_at=ends_at, comment=comment),
                ACTION_TIMEOUT_S,
                "extend",
            )
        except (WarroomError, ValueError) as exc:
            self.notify(f"extend failed: {exc}", severity="error", markup=False)
            return
        self.record_fact(fact)
        self.notify(f"silence {fact.action} in {fact.source}", timeout=4, markup=False)
        self.post_message(self.Changed())
