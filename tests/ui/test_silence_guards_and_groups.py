"""Pilot tests of the silence dialog's guards (a second, explicit confirmation that names the
count), `s` on a group row, where a silence goes, the silences view's where column, extend and
edit, and the alerts pane's title when sources fail. In-memory sources (tests/ui/fakes.py);
the cross-cluster behaviour against real Alertmanagers is tests/live/test_silence_clusters.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
from textual.widgets import Input, Static

from tests.ui.factory import FIXED_TIME, screen_text
from tests.ui.fakes import FakeAlertSource, FakeSignalSource, make_alert
from warroom.domain.alerts import Alert, AlertState, Matcher, Silence, SilenceRequest
from warroom.domain.errors import SourceUnavailable
from warroom.domain.ports import Sources
from warroom.ui.dialogs.prompts import Confirm
from warroom.ui.dialogs.silence import SilenceDialog
from warroom.ui.dialogs.silences_view import SilenceEdit, SilencesView
from warroom.ui.regions.alerts.alert_list import AlertList


class Regional(FakeAlertSource):
    """A fake Alertmanager in a named cluster; `fail` makes every read fail with it."""

    def __init__(self, alerts: list[Alert], name: str, cluster: str, fail: str = "") -> None:
        super().__init__(alerts, name=name)
        self.cluster = cluster
        self.fail = fail
        self.refuse = ""  # set: creating a silence fails with it

    async def fetch_alerts(self) -> list[Alert]:
        if self.fail:
            raise SourceUnavailable(self.fail)
        return await super().fetch_alerts()

    async def create_silence(self, request: SilenceRequest) -> str:
        if self.refuse:
            raise SourceUnavailable(self.refuse)
        return await super().create_silence(request)


def _sources(*alert_sources: FakeAlertSource) -> Sources:
    return Sources(
        environment="test",
        alert_sources=list(alert_sources),
        signal_sources={"prometheus": FakeSignalSource({"error_rate": 1.0})},
    )


async def _settle(pilot: Any, app: Any) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def _text(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def _disks(n: int) -> list[Alert]:
    started = FIXED_TIME - timedelta(minutes=10)
    return [
        make_alert("DiskFull", "warning", started, service="db", team="dba", instance=f"db-{i}")
        for i in range(n)
    ]


def _log(app: Any) -> list[str]:
    return [e.text for e in app.screen.incident_log.pre_incident]


async def test_s_on_a_group_row_silences_the_group_after_a_second_look(make_app: Any) -> None:
    source = FakeAlertSource(_disks(25))
    app = make_app(_sources(source))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("g", "enter")  # group by the label the prompt offers: alertname
        await _settle(pilot, app)
        assert app.screen.query_one(AlertList).rows[0].count == 25
        await pilot.press("s")
        await _settle(pilot, app)
        dialog = app.screen
        assert isinstance(dialog, SilenceDialog)
        assert "Silence the group DiskFull (25 alerts)" in str(dialog.query_one(".title").render())
        members = _text(app, "#silence-members")
        assert members.startswith("group of 25 alerts: db-") and "… and 21 more" in members
        # the matchers are the labels the whole group shares, not one member's instance
        matchers = dialog.query_one("#silence-matchers", Input).value
        assert 'alertname="DiskFull"' in matchers and 'team="dba"' in matchers
        assert "instance" not in matchers
        assert "will silence 25 firing alerts" in _text(app, "#silence-preview")

        await pilot.press(*"disk cleanup running", "enter")
        await _settle(pilot, app)
        assert app.screen is dialog and source.silences == []  # asked again, nothing made
        assert "it matches 25 alerts, more than 20" in _text(app, "#silence-confirm")
        await pilot.press("enter")  # a second Enter (a bounce) is not the confirmation
        await _settle(pilot, app)
        assert app.screen is dialog and source.silences == []
        await pilot.press("ctrl+s")  # the second, explicit confirmation
        await _settle(pilot, app)
        assert not isinstance(app.screen, SilenceDialog)
        (made,) = source.silences
        assert Matcher("alertname", "DiskFull") in made.matchers
        assert Matcher("team", "dba") in made.matchers
        assert all(m.name != "instance" for m in made.matchers)
        assert sum("silence created:" in t for t in _log(app)) == 1


async def test_a_silence_on_broad_labels_alone_names_its_count_and_asks_again(
    make_app: Any,
) -> None:
    source = FakeAlertSource(_disks(3))
    app = make_app(_sources(source))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("slash", *"severity=warning", "enter")
        await _settle(pilot, app)
        await pilot.press("S")
        await _settle(pilot, app)
        assert isinstance(app.screen, SilenceDialog)
        await pilot.press(*"noisy", "enter")  # the policy refuses: a reason is needed first
        await _settle(pilot, app)
        assert "override reason" in _text(app, "#silence-error")
        app.screen.query_one("#silence-override", Input).value = "whole env is being rebuilt"
        app.screen.query_one("#silence-override", Input).focus()
        await pilot.press("enter")
        await _settle(pilot, app)
        assert isinstance(app.screen, SilenceDialog) and source.silences == []
        confirm = _text(app, "#silence-confirm")
        assert "only broad labels" in confirm and "it matches 3 alerts" in confirm

        # changing the matchers withdraws the confirmation: a new one must be asked
        box = app.screen.query_one("#silence-matchers", Input)
        box.value = 'severity="warning" team="dba"'
        await _settle(pilot, app)
        assert _text(app, "#silence-confirm") == ""
        box.value = 'severity="warning"'
        await _settle(pilot, app)
        app.screen.query_one("#silence-override", Input).focus()
        await pilot.press("enter")
        await _settle(pilot, app)
        assert source.silences == [] and "only broad labels" in _text(app, "#silence-confirm")
        await pilot.click("#silence-ok")
        await _settle(pilot, app)
        assert len(source.silences) == 1


async def test_preview_and_log_say_where_and_the_view_has_a_where_column(make_app: Any) -> None:
    started = FIXED_TIME - timedelta(minutes=3)
    us = make_alert("NodeDown", "critical", started, instance="us1-db-3:9100", service="db")
    eu = make_alert("NodeDown", "critical", started, instance="eu1-db-1:9100", service="db")
    us1 = Regional([us], "am-us1-c", "us1")
    eu_a, eu_b = Regional([eu], "am-eu1-a", "eu1"), Regional([eu], "am-eu1-b", "eu1")
    app = make_app(_sources(eu_a, eu_b, us1))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("slash", *"instance=us1-db-3:9100", "enter", "S")
        await _settle(pilot, app)
        assert "where: 1 alert in us1" in _text(app, "#silence-preview")
        await pilot.press(*"replacing the disk", "enter")
        await _settle(pilot, app)
        assert len(us1.silences) == 1 and eu_a.silences == [] and eu_b.silences == []
        (line,) = [t for t in _log(app) if "silence created:" in t]
        assert f"{us1.silences[0].id} in us1 (am-us1-c)" in line

        await pilot.press("escape", "s")  # the filter cleared; `s` on the eu1 alert
        await _settle(pilot, app)
        box = app.screen.query_one("#silence-matchers", Input)
        box.value = 'alertname="NodeDown"'
        await _settle(pilot, app)
        assert "where: 2 alerts: 1 in eu1, 1 in us1" in _text(app, "#silence-preview")
        await pilot.press("escape")

        await pilot.press("x")
        await _settle(pilot, app)
        view = app.screen
        assert isinstance(view, SilencesView)
        row = str(view.query_one("#silences-list").get_option_at_index(0).prompt)
        assert "us1" in row and "replacing the disk" in row


async def test_extend_and_edit_from_the_view_are_logged_once(make_app: Any) -> None:
    source = FakeAlertSource(_disks(1))
    app = make_app(_sources(source))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("s", *"disk cleanup", "enter")
        await _settle(pilot, app)
        (made,) = source.silences
        await pilot.press("x")
        await _settle(pilot, app)
        await pilot.press("e")
        await _settle(pilot, app)
        assert isinstance(app.screen, SilenceEdit)
        app.screen.query_one("#edit-duration", Input).value = "3h"
        app.screen.query_one("#edit-comment", Input).value = "disk cleanup, slower than hoped"
        await pilot.press("ctrl+s")
        await _settle(pilot, app)
        (edited,) = source.silences  # updated, not a second silence
        assert edited.id == made.id
        assert edited.ends_at == FIXED_TIME + timedelta(hours=3)
        assert edited.comment == "disk cleanup, slower than hoped"
        lines = [t for t in _log(app) if "silence edited:" in t]
        assert len(lines) == 1 and made.id in lines[0]


async def test_title_is_unknown_when_no_source_answers_and_the_reason_is_in_full(
    make_app: Any,
) -> None:
    reason = (
        "am-us1-c: 401 Unauthorized from https://alertmanager.us1.example/api/v2/alerts"
        " (the token in WARROOM_AM_TOKEN was refused; check token_env)"
    )
    down = Regional(_disks(2), "am-us1-c", "us1", fail=reason)
    app = make_app(_sources(down))
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(pilot, app)
        region = app.screen.query_one("#alerts-region")
        assert str(region.border_title) == "Firing alerts (?)"
        shown = _text(app, "#alert-problems")
        assert reason in shown  # whole, wrapped in the pane, not cut in the border
        assert app.screen.query_one("#alert-problems").region.height >= 2


async def test_title_counts_with_a_plus_when_one_source_fails(make_app: Any) -> None:
    ok = Regional(_disks(2), "am-eu1-a", "eu1")
    down = Regional([], "am-us1-c", "us1", fail="am-us1-c: no answer within 5 s")
    app = make_app(_sources(ok, down))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        region = app.screen.query_one("#alerts-region")
        assert str(region.border_title) == "Firing alerts (2+?)"
        assert "am-us1-c" in str(region.border_subtitle)
        assert "no answer within 5 s" in _text(app, "#alert-problems")


async def test_an_ack_held_by_two_clusters_lands_in_both_or_says_where_not(
    make_app: Any,
) -> None:
    started = FIXED_TIME - timedelta(minutes=3)
    alert = make_alert("QueueStuck", "critical", started, service="billing", queue="invoices")
    eu1, us1 = Regional([alert], "am-eu1", "eu1"), Regional([alert], "am-us1", "us1")
    app = make_app(_sources(eu1, us1))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("a")
        await _settle(pilot, app)
        assert len(eu1.silences) == 1 and len(us1.silences) == 1
        (line,) = [t for t in _log(app) if t.startswith("Acknowledged QueueStuck")]
        assert f"{eu1.silences[0].id} in eu1" in line and f"{us1.silences[0].id} in us1" in line

        us1.refuse = "am-us1: 503 Service Unavailable"
        us1.silences.clear()
        eu1.silences.clear()
        await pilot.press("r")
        await _settle(pilot, app)
        await pilot.press("a")
        await _settle(pilot, app)
        assert len(eu1.silences) == 1 and us1.silences == []
        last = [t for t in _log(app) if t.startswith("Acknowledged QueueStuck")][-1]
        assert "NOT in us1: am-us1: 503 Service Unavailable" in last


async def test_s_on_a_group_by_another_label_silences_that_group(make_app: Any) -> None:
    """Grouped by `team` (not the alert name), `s` on the group row silences the team's firing
    alerts of every name, by the labels they share, and nothing of the other team."""
    started = FIXED_TIME - timedelta(minutes=10)
    edge = [
        make_alert("HighLatency", "warning", started, service="gw", team="edge", instance="gw-1"),
        make_alert("TLSExpiry", "warning", started, service="gw", team="edge", instance="gw-2"),
    ]
    other = [make_alert("DiskFull", "critical", started, service="db", team="dba")]
    source = FakeAlertSource([*edge, *other])
    app = make_app(_sources(source))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("g")
        await _settle(pilot, app)
        app.screen.query_one(Input).value = "team"
        await pilot.press("enter")
        await _settle(pilot, app)
        alert_list = app.screen.query_one(AlertList)
        row = next(i for i, r in enumerate(alert_list.rows) if r.count == 2)
        while alert_list.cursor != row:
            await pilot.press("j" if alert_list.cursor < row else "k")
        await pilot.press("s")
        await _settle(pilot, app)
        dialog = app.screen
        assert isinstance(dialog, SilenceDialog)
        matchers = dialog.query_one("#silence-matchers", Input).value
        assert 'team="edge"' in matchers and 'service="gw"' in matchers
        assert "alertname" not in matchers and "instance" not in matchers
        assert "will silence 2 firing alerts" in _text(app, "#silence-preview")


async def test_a_silence_over_an_acked_alert_counts_it_in_the_preview_and_the_log(
    make_app: Any,
) -> None:
    """Seen in the drill: ack an alert, then silence it; the dialog said "will silence 1 firing
    alert" and the log "matching 0 alert(s)", so the post-mortem read as a silence on nothing."""
    acked = msgspec.structs.replace(
        _disks(1)[0], state=AlertState.SUPPRESSED, silenced_by=("ack-silence-1",)
    )
    source = FakeAlertSource([acked])
    app = make_app(_sources(source))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("j", "s")  # past the "silenced" header row
        await _settle(pilot, app)
        assert isinstance(app.screen, SilenceDialog)
        preview = _text(app, "#silence-preview")
        assert "will silence 1 firing alert: DiskFull (1 already silenced or acked)" in preview
        await pilot.press(*"disk cleanup running", "enter")
        await _settle(pilot, app)
        assert source.silences, "the silence was not made"
        made = [t for t in _log(app) if "silence created" in t]
        assert len(made) == 1
        assert "matching 1 alert(s) (1 already silenced)" in made[0]


async def test_expiring_a_silence_names_the_alerts_that_will_notify_again(make_app: Any) -> None:
    """Seen in the drill: "Expire this silence in 1 cluster?" said where, never what it holds;
    a tired commander expiring the wrong one unmutes a page storm."""
    disk = _disks(1)[0]
    held = msgspec.structs.replace(disk, state=AlertState.SUPPRESSED, silenced_by=("held-1",))
    source = FakeAlertSource([held])
    source.silences.append(
        Silence(
            "held-1",
            (Matcher("alertname", "DiskFull"),),
            FIXED_TIME - timedelta(minutes=5),
            FIXED_TIME + timedelta(hours=1),
            "dana@bastion",
            "disk cleanup",
        )
    )
    app = make_app(_sources(source))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("x")
        await _settle(pilot, app)
        assert isinstance(app.screen, SilencesView)
        await pilot.press("x")
        await _settle(pilot, app)
        assert isinstance(app.screen, Confirm)
        shown = screen_text(app)
        assert "Expire this silence in 1 cluster?" in shown
        assert "1 firing alert it silences will notify again: DiskFull" in shown
        await pilot.press("y")
        await _settle(pilot, app)
        assert source.silences == []
