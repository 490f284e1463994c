"""The whole console against the real Prometheus and Alertmanagers (and misbehaving stubs).

These drive the real app with Textual's pilot: alerts reach the list within one refresh plus
1 s, a silence made with `s` is active in Alertmanager, and a Prometheus that fails, hangs or
answers nonsense leaves the keys answering and the panels saying what is wrong.
"""

from __future__ import annotations

import time
from pathlib import Path

from tests.live.conftest import am_alert, unique_name
from tests.live.stub import Reply, StubServer
from tests.servers.prometheus import MonitoringStack
from tests.ui.factory import build_test_app, key_latency
from warroom.cli.live_wiring import build_live_sources
from warroom.config import EnvironmentConfig, ServerConfig, Settings
from warroom.domain.clock import SystemClock
from warroom.ui.messages import AlertsRefreshed
from warroom.ui.regions.alerts.alert_list import AlertList
from warroom.ui.regions.signals.signal_panel import SignalPanel


def _live(prom: str, ams: list[str], timeout_s: float = 1.0) -> Settings:
    env = EnvironmentConfig(
        name="test",
        prometheus=ServerConfig(url=prom, name="prom", timeout_s=timeout_s),
        alertmanagers=tuple(
            ServerConfig(url=u, name=f"am{i}", timeout_s=timeout_s) for i, u in enumerate(ams)
        ),
    )
    return Settings(environments={"test": env}, environment="test")


def _app(tmp_path: Path, settings: Settings, refresh_s: float = 1.0):  # type: ignore[no-untyped-def]
    clock = SystemClock()
    sources = build_live_sources(settings, clock)
    return build_test_app(
        tmp_path,
        sources,
        clock,
        environments=settings.environments,
        environment="test",
        refresh_s=refresh_s,
    )


async def _wait(pilot, predicate, limit_s: float) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > limit_s:
            raise AssertionError(f"not within {limit_s} s")
        await pilot.pause(0.05)
    return time.monotonic() - start


async def test_alert_reaches_console_within_one_refresh(
    stack: MonitoringStack, tmp_path: Path
) -> None:
    """Counted in refreshes, not seconds: an alert posted to Alertmanager is listed by the
    first or second refresh that completes after the post (the one in flight may predate it)."""
    seen: dict[int, object] = {}  # a message is seen once per node it passes (kept: no id reuse)
    refreshes: list[int] = [0]

    def hook(message: object) -> None:
        if isinstance(message, AlertsRefreshed) and id(message) not in seen:
            seen[id(message)] = message
            refreshes[0] += 1

    app = _app(tmp_path, _live(stack.prom.url, [stack.am.url]), 1.0)
    async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
        await _wait(pilot, lambda: refreshes[0] >= 1, 20)
        name = unique_name("ConsoleAlert")
        stack.am.post_alerts([am_alert(name)])
        posted_at = refreshes[0]
        alert_list = app.screen.query_one(AlertList)
        await _wait(pilot, lambda: any(a.name == name for a in alert_list.filtered_alerts), 20)
        assert refreshes[0] - posted_at <= 2, refreshes[0] - posted_at


async def test_silence_from_console_is_active_in_alertmanager(
    stack: MonitoringStack, tmp_path: Path
) -> None:
    name = unique_name("SilenceMe")
    stack.am.post_alerts([am_alert(name)])
    app = _app(tmp_path, _live(stack.prom.url, [stack.am.url]))
    async with app.run_test(size=(160, 48)) as pilot:
        alert_list = app.screen.query_one(AlertList)
        await _wait(pilot, lambda: any(a.name == name for a in alert_list.filtered_alerts), 10)
        await pilot.press("slash", *name, "enter")
        assert alert_list.highlighted is not None and alert_list.highlighted.name == name
        await pilot.press("s")
        await pilot.press(*"silenced from the console test", "enter")

        def suppressed() -> bool:
            found = [a for a in stack.am.alerts() if a["labels"]["alertname"] == name]
            return bool(found) and found[0]["status"]["state"] == "suppressed"

        await _wait(pilot, suppressed, 10)
        await _wait(
            pilot,
            lambda: any(a.name == name and a.is_silenced for a in alert_list.filtered_alerts),
            10,
        )
        kinds = [e.text for e in app.screen.incident_log.pre_incident]
        assert any("silenced from the console test" in t for t in kinds)


async def _misbehaving_prometheus(
    tmp_path: Path, stack: MonitoringStack, reply: Reply, expect: str
) -> None:
    stub = StubServer().start()
    stub.default = reply
    try:
        app = _app(tmp_path, _live(stub.url, [stack.am.url], timeout_s=1.0))
        async with app.run_test(size=(160, 48)) as pilot:
            panels = list(app.screen.query(SignalPanel))

            def said() -> str:
                return "\n".join(line.plain for line in panels[0]._lines).lower()

            # stale first, then the reason drawn (the panel repaints on its next frame)
            await _wait(pilot, lambda: all(p.has_class("-stale") for p in panels), 8)
            await _wait(pilot, lambda: expect in said(), 8)
            screen = app.screen
            for _ in range(5):  # each key moves the focus while the panels fail (speed: bench)
                await pilot.pause(0.2)  # one key at a time, not a burst
                before = screen.region_index
                await key_latency(app, "tab", lambda b=before: screen.region_index != b)
    finally:
        stub.release.set()
        stub.stop()


async def test_prometheus_500_is_shown_and_keys_answer(
    stack: MonitoringStack, tmp_path: Path
) -> None:
    await _misbehaving_prometheus(tmp_path, stack, Reply(status=500, body=b"boom"), "500")


async def test_prometheus_malformed_json_is_shown(stack: MonitoringStack, tmp_path: Path) -> None:
    await _misbehaving_prometheus(tmp_path, stack, Reply(body=b"{not json"), "json")


async def test_prometheus_hanging_past_timeout_is_shown(
    stack: MonitoringStack, tmp_path: Path
) -> None:
    await _misbehaving_prometheus(tmp_path, stack, Reply(hang=True), "within")


async def test_killed_prometheus_goes_stale_then_recovers_by_itself(
    stack: MonitoringStack, tmp_path: Path
) -> None:
    from dataclasses import replace

    from tests.servers.prometheus import Prometheus
    from warroom.domain.signals import SignalSpec

    prom = Prometheus(
        tmp_path, targets=[stack.exporter.target], alertmanagers=[], name="console-lone"
    )
    prom.start()
    quiet_am = StubServer().start()  # no alerts: nothing moves the service scope mid-test
    try:
        settings = replace(
            _live(prom.url, [quiet_am.url], timeout_s=1.0),
            signals=(SignalSpec(key="answer", name="Answer", query="vector(42)"),),
        )
        clock = SystemClock()
        app = build_test_app(
            tmp_path, build_live_sources(settings, clock), clock,
            environments=settings.environments, environment="test", refresh_s=1.0, signals=settings.signals,
        )  # fmt: skip
        async with app.run_test(size=(160, 48)) as pilot:
            panel = app.screen.query_one(SignalPanel)
            await _wait(
                pilot,
                lambda: panel.series.latest is not None and panel.series.latest.value == 42,
                10,
            )
            prom.kill()
            # stale within one refresh (1 s) plus the request timeout (1 s)
            await _wait(pilot, lambda: panel.has_class("-stale"), 1.0 + 1.0 + 0.5)
            text = "\n".join(line.plain for line in panel._lines)
            assert (
                "42" in text and "last good" in text
            )  # the last good value stays, greyed, with its age
            prom.start()
            await _wait(pilot, lambda: not panel.has_class("-stale"), 15)
    finally:
        quiet_am.stop()
        prom.stop()


async def test_live_read_then_write_step_are_logged(stack: MonitoringStack, tmp_path: Path) -> None:
    """Real shell steps from a runbook section chosen by the alert, against the live stack."""
    from warroom.domain.incident import EntryKind
    from warroom.ui.dialogs.prompts import Confirm
    from warroom.ui.regions.runbook.pane import RunbookPane

    name = unique_name("StepAlert")
    marker = tmp_path / "restarted"
    book = tmp_path / "books" / "svc.md"
    book.parent.mkdir()
    book.write_text(
        f"# Service\n\n## {name}\n\n**Alert**: `{name}`\n\n### Diagnosis\n\n```bash\n"
        "# What is the service?\necho checking <service>\n```\n\n### Mitigation\n\n```bash\n"
        f"# Restart it\ntouch {marker}-<service>\n```\n"
    )
    stack.am.post_alerts([am_alert(name)])
    settings = _live(stack.prom.url, [stack.am.url])
    clock = SystemClock()
    app = build_test_app(
        tmp_path, build_live_sources(settings, clock), clock, runbooks=[book.parent],
        environments=settings.environments, environment="test", refresh_s=1.0,
    )  # fmt: skip
    async with app.run_test(size=(160, 48)) as pilot:
        alert_list = app.screen.query_one(AlertList)
        await _wait(pilot, lambda: any(a.name == name for a in alert_list.filtered_alerts), 10)
        await pilot.press("slash", *name, "enter")
        pane = app.screen.query_one(RunbookPane)
        await _wait(pilot, lambda: pane.section is not None and name in pane.section.alerts, 5)
        await pilot.press("enter")  # open the runbook
        pane.highlight_step(0)
        await pilot.press("enter")  # read step: runs at once
        log = app.screen.incident_log
        await _wait(pilot, lambda: any(e.kind is EntryKind.STEP_RUN for e in log.pre_incident), 10)
        pane.highlight_step(1)
        await pilot.press("enter")
        assert isinstance(app.screen, Confirm) and f"{marker}-checkout" in app.screen.detail
        await pilot.press("y")
        await _wait(
            pilot, lambda: sum(e.kind is EntryKind.STEP_RUN for e in log.pre_incident) == 2, 10
        )
        runs = [e for e in log.pre_incident if e.kind is EntryKind.STEP_RUN]
        assert runs[0].data["exit_code"] == 0 and "checking checkout" in runs[0].data["output"]
        assert runs[1].data["exit_code"] == 0 and Path(f"{marker}-checkout").exists()
