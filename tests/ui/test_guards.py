"""Guards where a slip costs: resolving while alerts fire asks (naming how many); declare is
prefilled from the most severe firing alert, not the cursor row, and shows P0-P3 with their
response times."""

from __future__ import annotations

from datetime import timedelta

from msgspec.structs import replace
from textual.widgets import Input, Select, Static

from tests.ui.factory import FIXED_TIME, alert_sources, choose, screen_text, settle
from tests.ui.fakes import FakeAlertSource, make_alert
from warroom.domain.alerts import Alert, AlertState
from warroom.domain.incident import IncidentSeverity, Status
from warroom.ui.dialogs.prompts import Confirm, DeclareDialog
from warroom.ui.regions.alerts.alert_list import AlertList


def _alerts() -> list[Alert]:
    t = FIXED_TIME
    return [
        make_alert("Latency", "warning", t - timedelta(hours=1), service="web"),
        make_alert("DBDown", "critical", t - timedelta(minutes=3), service="db"),
        make_alert("DBDown", "critical", t - timedelta(minutes=9), service="db2"),
        replace(
            make_alert("Ancient", "critical", t - timedelta(days=1), service="old"),
            state=AlertState.SUPPRESSED,
            silenced_by=("s1",),
        ),
        make_alert("Disk", "info", t - timedelta(hours=3), service="fs"),
    ]


async def test_declare_starts_from_the_most_severe_firing_alert_and_shows_the_levels(
    make_app,
) -> None:
    app = make_app(alert_sources(FakeAlertSource(_alerts())))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        alert_list = app.screen.query_one(AlertList)
        while alert_list.highlighted is None or alert_list.highlighted.name != "Disk":
            await pilot.press("down")
        await pilot.press("d")
        dialog = app.screen
        assert isinstance(dialog, DeclareDialog)
        # the oldest critical that is not silenced, not the info row under the cursor
        assert dialog.query_one("#declare-title", Input).value == "DBDown: DBDown on db2"
        assert dialog.query_one("#declare-services", Input).value == "db2"
        assert dialog.query_one("#declare-severity", Select).value is IncidentSeverity.P1
        levels = str(dialog.query_one("#declare-levels", Static).render())
        for line in (
            "P0 · respond within 5m · resolve within 30m",
            "P1 · respond within 15m · resolve within 2h",
            "P2 · respond within 30m · resolve within 8h",
            "P3 · respond within 2h · resolve within 1d",
        ):
            assert line in levels, line
        assert "Immediate all-hands" in screen_text(app)


async def test_declare_from_the_cursor_when_nothing_fires_unsilenced(make_app) -> None:
    quiet = [a for a in _alerts() if a.name == "Ancient"]
    app = make_app(alert_sources(FakeAlertSource(quiet)))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        await pilot.press("down", "d")  # (the list opens on its divider)
        dialog = app.screen
        assert isinstance(dialog, DeclareDialog)
        assert dialog.query_one("#declare-title", Input).value.startswith("Ancient")


async def test_resolving_while_alerts_fire_asks_naming_how_many(make_app) -> None:
    source = FakeAlertSource(_alerts())
    app = make_app(alert_sources(source))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        await pilot.press("d")
        await pilot.click("#declare-ok")
        await settle(pilot, app)
        log = app.screen.incident_log
        assert log.incident is not None and log.incident.is_open

        await pilot.press("t")
        await choose(pilot, app, Status.RESOLVED.value)
        question = app.screen
        assert isinstance(question, Confirm)
        assert question.question == "4 alerts still fire. Resolve the incident anyway?"
        assert "CRIT DBDown db2" in question.detail and "Ancient" not in question.detail
        await pilot.press("n")
        await settle(pilot, app)
        assert log.incident.status is not Status.RESOLVED

        await pilot.press("t")
        await choose(pilot, app, Status.MITIGATING.value)  # no question for anything else
        await settle(pilot, app)
        assert log.incident.status is Status.MITIGATING

        await pilot.press("t")
        await choose(pilot, app, Status.RESOLVED.value)
        await pilot.press("y")
        await settle(pilot, app)
        assert log.incident.status is Status.RESOLVED


async def test_resolving_once_every_alert_is_gone_does_not_ask(make_app) -> None:
    source = FakeAlertSource(_alerts())
    app = make_app(alert_sources(source))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        await pilot.press("d")
        await pilot.click("#declare-ok")
        await settle(pilot, app)
        source.alerts = [a for a in source.alerts if a.name == "Ancient"]  # the rest resolved
        await pilot.press("r")
        await settle(pilot, app)
        await pilot.press("t")
        await choose(pilot, app, Status.RESOLVED.value)
        await settle(pilot, app)
        assert not isinstance(app.screen, Confirm)
        assert app.screen.incident_log.incident.status is Status.RESOLVED


def test_an_acked_alert_still_counts_as_firing_when_resolving() -> None:
    """An ack is a silence that says someone is on it; the alert still fires, so resolving asks.
    A silence for another reason (maintenance, known noise) does not count."""
    from warroom.ui.regions.log.guards import firing_question

    t = FIXED_TIME
    acked = replace(
        make_alert("DBDown", "critical", t, service="db"),
        state=AlertState.SUPPRESSED,
        silenced_by=("ack1",),
        acked_by="alice",
    )
    silenced = replace(
        make_alert("Noise", "warning", t, service="x"),
        state=AlertState.SUPPRESSED,
        silenced_by=("s1",),
    )
    asked = firing_question([acked, silenced])
    assert asked is not None
    assert asked[0] == "1 alert still fires. Resolve the incident anyway?"
    assert "DBDown" in asked[1] and "Noise" not in asked[1]
    assert firing_question([silenced]) is None
