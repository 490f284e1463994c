"""The alert detail (every field, the silences and inhibitions that apply, links as OSC 8,
j/k between fields, `y` copies), grouping by any label with `g`, the `@state=`/`@receiver=`
filter terms, and the title naming what the firing count leaves out: pilot tests through the
keys a commander presses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from msgspec.structs import replace
from rich.color import ColorSystem

from tests.ui.factory import FIXED_TIME, alert_sources, screen_text, settle
from tests.ui.fakes import FakeAlertSource, make_alert
from warroom.domain.alerts import Alert, AlertState, Matcher, Silence
from warroom.ui.dialogs.alert_detail import AlertDetail, FieldLine, safe_link
from warroom.ui.dialogs.prompts import TextPrompt
from warroom.ui.regions.alerts.alert_list import AlertList
from warroom.ui.regions.alerts.region import AlertsRegion

GENERATOR = "https://prometheus.example.org/graph?g0.expr=up%3D%3D0&g0.tab=1"
RUNBOOK = "https://wiki.example.org/runbooks/db-down"


def _alerts() -> tuple[list[Alert], Silence]:
    t = FIXED_TIME
    silence = Silence(
        "sil-1234",
        (Matcher("alertname", "Latency"), Matcher("service", "web")),
        t - timedelta(minutes=20),
        t + timedelta(hours=1),
        "bob@example.org",
        "deploy window CHG-42",
    )
    down = replace(
        make_alert("DBDown", "critical", t - timedelta(minutes=9), service="db", team="storage"),
        annotations={"summary": "db is down", "runbook_url": RUNBOOK},
        generator_url=GENERATOR,
        origins=("am-eu", "am-us"),
        receivers=("pager",),
    )
    latency = replace(
        make_alert("Latency", "warning", t - timedelta(minutes=8), service="web", team="edge"),
        annotations={"summary": "slow", "runbook_url": "javascript:alert(1)"},
        generator_url="file:///etc/passwd",
        state=AlertState.SUPPRESSED,
        silenced_by=("sil-1234",),
        receivers=("slack",),
    )
    inhibited = replace(
        make_alert("APIErrors", "warning", t - timedelta(minutes=7), service="api", team="edge"),
        state=AlertState.SUPPRESSED,
        inhibited_by=(down.fingerprint,),
        receivers=("slack",),
    )
    acked = replace(
        make_alert("DiskFull", "warning", t - timedelta(minutes=6), service="db", team="storage"),
        state=AlertState.SUPPRESSED,
        silenced_by=("ack-1",),
        acked_by="ann@example.org",
        acked_at=t - timedelta(minutes=2),
        receivers=("pager",),
    )
    more = [
        make_alert("Latency", "warning", t - timedelta(minutes=5), service="api", team="edge"),
        make_alert("CPUHigh", "info", t - timedelta(minutes=4), service="api", team="edge"),
    ]
    return [down, latency, inhibited, acked, *more], silence


def _app(make_app, alerts: list[Alert], silences: list[Silence]):  # type: ignore[no-untyped-def]
    source = FakeAlertSource(alerts)
    source.silences = list(silences)
    return make_app(alert_sources(source))


async def _select(pilot, alert_list: AlertList, name: str, service: str = "") -> None:  # type: ignore[no-untyped-def]
    """Move the cursor (keys only) to the alert with this name (and service)."""
    await pilot.press("home")
    for _ in range(alert_list.row_count):
        alert = alert_list.highlighted
        if alert is not None and alert.name == name and service in ("", alert.service):
            return
        await pilot.press("down")
    raise AssertionError(f"{name} {service} not listed")


def _osc8(line: FieldLine) -> str:
    """The field's rendered segments written as a terminal receives them (Rich writes a
    segment's link as an OSC 8 hyperlink)."""
    out = []
    for strip in line.render_lines(line.region.reset_offset):
        for segment in strip:
            style = segment.style
            out.append(
                style.render(segment.text, color_system=ColorSystem.TRUECOLOR)
                if style
                else segment.text
            )
    return "".join(out)


def _field(detail: AlertDetail, key: str) -> FieldLine:
    return next(line for line in detail.query(FieldLine) if line.item.key == key)


async def test_the_detail_shows_every_field_links_and_copies(make_app) -> None:
    alerts, silence = _alerts()
    app = _app(make_app, alerts, [silence])
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        alert_list = app.screen.query_one(AlertList)
        await _select(pilot, alert_list, "DBDown")
        await pilot.press("i")
        await settle(pilot, app)
        detail = app.screen
        assert isinstance(detail, AlertDetail)
        text = screen_text(app)
        for shown in (
            "alertname = DBDown",
            f"fingerprint = {alerts[0].fingerprint}",
            "alertmanager = am-eu",
            "alertmanager = am-us",
            "receiver = pager",
            "team = storage",
            "summary = db is down",
            f"runbook_url = {RUNBOOK}",
            "starts = ",
            "updated = ",
        ):
            assert shown in text, shown
        # the links are OSC 8 hyperlinks in what is sent to the terminal
        generator = _osc8(_field(detail, "generator"))
        assert "\x1b]8;id=" in generator and f";{GENERATOR}\x1b\\" in generator
        assert f";{RUNBOOK}\x1b\\" in _osc8(_field(detail, "runbook_url"))
        assert "\x1b]8;" not in _osc8(_field(detail, "team"))

        # j/k move between fields; y copies the focused one (OSC 52: the app's clipboard)
        assert isinstance(app.focused, FieldLine) and app.focused.item.key == "alertname"
        await pilot.press("j", "j", "k")
        assert app.focused.item.key == "state"
        await pilot.press("y")
        assert app.clipboard == "active"
        while app.focused.item.key != "fingerprint":
            await pilot.press("j")
        await pilot.press("y")
        assert app.clipboard == alerts[0].fingerprint
        await pilot.press(*["k"] * 30)  # up stops at the first field, never wraps
        assert app.focused.item.key == "alertname"
        await pilot.press(*["j"] * 40)
        assert app.focused is list(detail.query(FieldLine))[-1]
        await pilot.press("escape")
        assert not isinstance(app.screen, AlertDetail)


async def test_the_detail_resolves_silences_and_inhibitions_and_unsafe_links_stay_text(
    make_app,
) -> None:
    alerts, silence = _alerts()
    app = _app(make_app, alerts, [silence])
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        alert_list = app.screen.query_one(AlertList)
        await _select(pilot, alert_list, "Latency", "web")
        await pilot.press("i")
        await settle(pilot, app)
        detail = app.screen
        assert isinstance(detail, AlertDetail) and detail.alert.service == "web"
        text = screen_text(app)
        assert "sil-1234 = " in text and "deploy window CHG-42" in text
        assert "bob@example.org" in text and 'service="web"' in text
        for key in ("runbook_url", "generator"):
            assert "\x1b]8;" not in _osc8(_field(detail, key)), key
        assert "javascript:alert(1)" in text and "file:///etc/passwd" in text
        await pilot.press("escape")

        await _select(pilot, alert_list, "APIErrors")
        await pilot.press("i")
        await settle(pilot, app)
        text = screen_text(app)
        assert f"{alerts[0].fingerprint} = DBDown db" in text


def test_only_http_urls_become_links() -> None:
    assert safe_link(GENERATOR) == GENERATOR
    assert safe_link(" http://a.example/x ") == "http://a.example/x"
    for bad in (
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https:///nohost",
        "http://a.example/\x1b]8;;evil\x07",
        "http://a.example/ spaced",
        "ftp://a.example/",
        "",
    ):
        assert safe_link(bad) == "", bad


async def test_g_groups_by_any_label_and_none_ungroups(make_app) -> None:
    alerts, silence = _alerts()
    app = _app(make_app, alerts, [silence])
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        alert_list = app.screen.query_one(AlertList)
        await pilot.press("g")
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        assert "labels: alertname" in screen_text(app) and "team" in screen_text(app)
        await pilot.press("ctrl+u", *"team", "enter")
        await settle(pilot, app)
        assert alert_list.grouped and alert_list.group_label == "team"
        firing = [(r.alert.name, r.group, r.count) for r in alert_list.rows[:2] if r.alert]
        assert firing == [("DBDown", None, 1), ("Latency", "edge", 2)]
        assert "team=edge ×2" in screen_text(app)
        await _select(pilot, alert_list, "Latency")
        group = alert_list.highlighted_group
        assert group is not None and {a.name for a in group.alerts} == {"Latency", "CPUHigh"}
        assert [str(m) for m in group.matchers] == ['service="api"', 'team="edge"']

        await pilot.press("g", "ctrl+u", *"not a label", "enter")
        assert alert_list.group_label == "team"  # refused, said
        await pilot.press("g", "enter")  # offers "none" while grouped
        await settle(pilot, app)
        assert not alert_list.grouped
        assert all(r.count == 1 for r in alert_list.rows)


async def test_state_and_receiver_filters_and_the_hidden_count_in_the_title(make_app) -> None:
    alerts, silence = _alerts()
    app = _app(make_app, alerts, [silence])
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        region = app.screen.query_one(AlertsRegion)
        title = str(region.border_title)
        assert "Firing alerts (3) · 1 acked, 1 silenced, 1 inhibited hidden" in title
        alert_list = app.screen.query_one(AlertList)

        def shown() -> set[str]:
            return {r.alert.name for r in alert_list.rows if r.alert}

        await pilot.press("slash", *"@state=silenced", "enter")
        assert shown() == {"Latency", "DiskFull"}
        await pilot.press("slash", "ctrl+u", *"@state=acked", "enter")
        assert shown() == {"DiskFull"}
        await pilot.press("slash", "ctrl+u", *"@state=active", "enter")
        assert shown() == {"DBDown", "Latency", "CPUHigh"}
        await pilot.press("slash", "ctrl+u", *"@receiver=pager", "enter")
        assert shown() == {"DBDown", "DiskFull"}
        await pilot.press("slash", "ctrl+u", *"@receiver=slack @state=suppressed", "enter")
        assert shown() == {"Latency", "APIErrors"}
        await pilot.press("escape")
        assert sum(1 for r in alert_list.rows if r.alert) == len(alerts)


async def test_a_viewer_opens_the_detail_copies_and_groups(make_app) -> None:
    """Reading, copying and grouping are reads: a viewer on a shared screen may do them."""
    alerts, silence = _alerts()
    source = FakeAlertSource(alerts)
    source.silences = [silence]
    app = make_app(alert_sources(source), viewer=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        alert_list = app.screen.query_one(AlertList)
        await _select(pilot, alert_list, "DBDown")
        await pilot.press("i")
        await settle(pilot, app)
        assert isinstance(app.screen, AlertDetail)
        await pilot.press("y")
        assert app.clipboard == "DBDown"
        await pilot.press("escape", "g", "ctrl+u", *"severity", "enter")
        await settle(pilot, app)
        assert alert_list.grouped and alert_list.group_label == "severity"


def test_the_local_clipboard_is_used_only_on_a_desktop_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Over SSH only OSC 52 copies (pyperclip would run xclip against nothing)."""
    from warroom.ui.dialogs.clipboard import has_local_clipboard

    for name in ("SSH_CONNECTION", "SSH_TTY", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert not has_local_clipboard()
    monkeypatch.setenv("DISPLAY", ":0")
    assert has_local_clipboard()
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    assert not has_local_clipboard()
