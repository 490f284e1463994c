"""Alert text is hostile input: Rich markup (`[/x]`, `[bold]`) and control characters (ESC
sequences, bidi overrides) in labels and annotations are shown as plain, visible text on every
path: the list, the runbook pane, declaring (the title is prefilled from the alert), acking,
the log and the toasts; none crashes and no raw control byte reaches the screen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Input

from tests.ui.factory import FIXED_TIME, build_test_app
from tests.ui.factory import screen_text as _screen
from tests.ui.fakes import FakeAlertSource, FakeSignalSource
from warroom.domain.alerts import Alert, fingerprint_of
from warroom.domain.ports import Sources
from warroom.ui.dialogs.prompts import DeclareDialog, TextPrompt
from warroom.ui.regions.alerts.alert_list import AlertList
from warroom.ui.regions.log.view import IncidentLogView
from warroom.ui.widgets.war_header import WarHeader

HOSTILE_NAME = "Down[/x]\x1b]52;c;aGk=\x07"
HOSTILE_SUMMARY = "db [bold]on fire[/] \x1b[2J\u202eevil [/x]"


def _hostile() -> Alert:
    labels = {"severity": "critical", "service": "api[/x]", "instance": "\x1b[31mred"}
    return Alert(
        fingerprint=fingerprint_of({"alertname": HOSTILE_NAME, **labels}),
        name=HOSTILE_NAME,
        labels=labels,
        annotations={"summary": HOSTILE_SUMMARY},
        starts_at=FIXED_TIME - timedelta(minutes=3),
    )


def _app(tmp_path: Path, source: FakeAlertSource):  # type: ignore[no-untyped-def]
    sources = Sources(
        environment="test",
        alert_sources=[source],
        signal_sources={"prometheus": FakeSignalSource({"error_rate": 1.0})},
    )
    return build_test_app(tmp_path, sources)


async def _settle(pilot, app) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def _no_raw_controls(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "␛" in text  # shown, visibly


async def test_markup_and_escapes_in_alerts_are_shown_never_obeyed(tmp_path: Path) -> None:
    source = FakeAlertSource([_hostile()])
    app = _app(tmp_path, source)
    notes: list[str] = []
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        alert_list = app.screen.query_one(AlertList)
        assert alert_list.row_count == 1
        text = _screen(app)
        _no_raw_controls(text)
        assert "Down[/x]" in text and "[bold]on fire[/]" in text  # the markup, as written

        # the detail view: every value in full, inert
        await pilot.press("i")
        from warroom.ui.dialogs.alert_detail import AlertDetail

        assert isinstance(app.screen, AlertDetail)
        detail = _screen(app)
        _no_raw_controls(detail)
        assert "db [bold]on fire[/] ␛[2J<U+202E>evil [/x]" in detail
        await pilot.press("escape")

        # declare: the title comes from the alert; the incident and its log entry hold it
        await pilot.press("d")
        assert isinstance(app.screen, DeclareDialog)
        await pilot.click("#declare-ok")
        await _settle(pilot, app)
        incident = app.screen.incident_log.incident
        assert incident is not None and "[/x]" in incident.title

        # ack: the silence is made and logged; the toast says so in plain text
        real_notify = app.notify

        def notify(message: str, **kw: object) -> None:
            notes.append(message)
            real_notify(message, **kw)  # type: ignore[arg-type]

        app.notify = notify  # type: ignore[method-assign]
        await pilot.press("a")
        await _settle(pilot, app)
        assert source.silences and source.silences[0].comment.startswith("ACK by")
        assert any("acknowledged Down[/x]" in n for n in notes)

        # a note with markup in it
        await pilot.press("n")
        await pilot.press(*"saw [/x] in the logs", "enter")
        await _settle(pilot, app)
        texts = app.screen.query_one(IncidentLogView).texts
        assert any("saw [/x] in the logs" in t for t in texts)
        assert any("Acknowledged Down[/x]" in t for t in texts)
        _no_raw_controls(_screen(app))

    # the next start resumes that incident, its title in the header as written
    again = _app(tmp_path, FakeAlertSource([_hostile()]))
    async with again.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, again)
        assert again.screen.incident_log.incident is not None
        header = again.screen.query_one(WarHeader)
        assert "Down[/x]" in header.state.title
        assert "Down[/x]" in _screen(again)


async def test_a_double_enter_in_the_note_prompt_adds_the_note_once(tmp_path: Path) -> None:
    app = _app(tmp_path, FakeAlertSource([_hostile()]))
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(pilot, app)
        await pilot.press("d")
        await pilot.click("#declare-ok")
        await _settle(pilot, app)
        await pilot.press("n")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"rolled back")
        # two Enters that reach the prompt before it has closed (a terminal's quick double
        # press arrives as two key events in one read): both submit the same input
        box = app.screen.query_one("#prompt-input", Input)
        box.post_message(Input.Submitted(box, box.value))
        box.post_message(Input.Submitted(box, box.value))
        await _settle(pilot, app)
        assert not isinstance(app.screen, TextPrompt)
        notes = [e for e in app.screen.incident_log.incident.entries if e.text == "rolled back"]
        assert len(notes) == 1
        await pilot.press("j")  # the screen still answers
        assert app.screen.query_one(AlertList).row_count == 1
