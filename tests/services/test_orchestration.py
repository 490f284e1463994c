"""The war room's orchestration as plain async services, without Textual: the alert refresh
(fetch, merge, ack marks), the ack keep-alive on its own cadence, signal scoping with an
injected clock, and the step pipeline (render, confirmation policy, run, record)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.ui.fakes import FakeAlertSource, FakeSignalSource, make_alert
from warroom.config import Settings
from warroom.domain.alerts import AlertState, Matcher, SilenceRequest, ack_comment
from warroom.domain.clock import FrozenClock
from warroom.domain.errors import RunbookError
from warroom.domain.incident import EntryKind, IncidentSeverity
from warroom.domain.ports import RenderedStep, StepResult
from warroom.domain.runbooks import Risk, Step, StepKind
from warroom.services.ack_keepalive import AckKeepAlive
from warroom.services.acks import AckKeeper
from warroom.services.alert_refresh import AlertRefresh
from warroom.services.incident_log import IncidentLog
from warroom.services.polling import AlertPoller, SignalPoller
from warroom.services.signal_scope import SignalScope
from warroom.services.silences import SilenceService
from warroom.services.step_pipeline import Ask, StepPipeline, alert_values
from warroom.stores import open_store

T = datetime(2026, 11, 24, 3, tzinfo=UTC)


class Ticks:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


async def test_refresh_marks_the_alerts_an_ack_covers_with_who_and_when() -> None:
    alert = make_alert("ServiceDown", "critical", T, service="api")
    source = FakeAlertSource([alert])
    clock = FrozenClock(T)
    matchers = (Matcher("alertname", "ServiceDown"),)
    sid = await source.create_silence(
        SilenceRequest(matchers, T, T + timedelta(minutes=15), "dana", ack_comment("dana", None))
    )
    from msgspec.structs import replace

    source.alerts = [replace(alert, state=AlertState.SUPPRESSED, silenced_by=(sid,))]
    refresh = AlertRefresh(AlertPoller([source], clock), SilenceService([source], clock))
    snapshot = await refresh.refresh()
    (shown,) = snapshot.alerts
    assert shown.acked_by == "dana" and shown.acked_at == T


async def test_refresh_only_reads_the_alertmanager() -> None:
    source = FakeAlertSource([make_alert("A", "warning", T)])
    clock = FrozenClock(T)
    refresh = AlertRefresh(AlertPoller([source], clock), SilenceService([source], clock))
    await refresh.refresh()
    await refresh.refresh()
    assert source.silences == [] and source.calls == 2


async def _open_incident(tmp_path, clock):  # type: ignore[no-untyped-def]
    store = open_store(str(tmp_path / "incidents.db"))
    await store.open()
    log = IncidentLog(store, clock, "dana@bastion")
    await log.declare("db down", IncidentSeverity.P1, "db", "checkout fails")
    return log


async def test_keepalive_extends_near_lapse_and_releases_after_resolve(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from warroom.domain.incident import Status

    source = FakeAlertSource([])
    clock = FrozenClock(T)
    log = await _open_incident(tmp_path, clock)
    keeper = AckKeeper([source], clock, minutes=15)
    keepalive = AckKeepAlive(keeper)
    alert = make_alert("ServiceDown", "critical", T, service="api")
    await keeper.ack(alert, "dana", log.incident.id)
    assert await keepalive.keep(log.incident) == []  # 15 minutes left: nothing to do
    clock.advance(13 * 60)
    (fact,) = await keepalive.keep(log.incident)
    assert fact.action == "ack-extended"
    (silence,) = source.silences
    assert silence.ends_at == T + timedelta(minutes=28)
    await log.set_status(Status.RESOLVED)
    (released,) = await keepalive.keep(log.incident)
    assert released.action == "ack-released" and source.silences == []


async def test_keepalive_without_an_incident_changes_nothing() -> None:
    source = FakeAlertSource([])
    keeper = AckKeeper([source], FrozenClock(T))
    await keeper.ack(make_alert("A", "warning", T), "dana", None)
    assert await AckKeepAlive(keeper).keep(None) == []
    assert len(source.silences) == 1


def _scope(ticks: Ticks) -> tuple[SignalScope, FakeSignalSource]:
    signals = FakeSignalSource({"error_rate": 2.0})
    specs = Settings().signals
    poller = SignalPoller(specs, {"prometheus": signals}, FrozenClock(T))
    return SignalScope(poller, rest_s=0.3, monotonic=ticks), signals


def test_a_single_step_is_followed_at_once_a_running_cursor_once_it_rests() -> None:
    ticks = Ticks()
    scope, _ = _scope(ticks)
    assert scope.follow() == 0.0
    ticks.t += 0.1
    assert scope.follow() == 0.3  # running: wait for the rest
    ticks.t += 0.1
    assert scope.follow() == 0.3
    ticks.t += 1.0
    assert scope.follow() == 0.0


async def test_a_new_scope_starts_empty_and_queries_that_service() -> None:
    scope, signals = _scope(Ticks())
    assert await scope.start()
    assert all(s.latest is not None for s in scope.series.values())
    assert scope.set("api") and not scope.set("api")
    assert all(s.latest is None for s in scope.series.values())
    await scope.sample()
    assert signals.asked[-1] == "api"


def _step(command: str, risk: Risk) -> Step:
    return Step(kind=StepKind.SHELL, command=command, risk=risk, line=1)


class Echo:
    name = "echo"

    def handles(self, rendered: RenderedStep) -> bool:
        return True

    async def execute(self, rendered, emit, timeout_s):  # type: ignore[no-untyped-def]
        emit(rendered.command)
        return StepResult(exit_code=0, duration_s=0.0, output=rendered.command + "\n")


def _pipeline(viewer: bool = False) -> StepPipeline:
    return StepPipeline([Echo()], FrozenClock(T), "dana@bastion", viewer=viewer)


async def test_pipeline_fills_from_the_alert_asks_by_risk_runs_and_records() -> None:
    pipeline = _pipeline()
    alert = make_alert("ServiceDown", "critical", T, service="api")
    step = _step("echo <service> <reason>", Risk.READ)
    labels = alert_values(alert)
    assert labels["alertname"] == "ServiceDown"
    assert pipeline.missing(step, labels) == ["reason"]
    rendered = pipeline.render(step, labels, {"reason": "oom"})
    assert pipeline.confirmation(rendered).ask is Ask.NOTHING
    lines: list[str] = []
    result = await pipeline.run(rendered, lines.append, confirmed=False, typed=None)
    assert result.ok and lines == [rendered.command]
    entry = pipeline.record("INC-1", rendered, result)
    assert entry.kind is EntryKind.STEP_RUN and entry.author == "dana@bastion"


def test_confirmation_follows_the_rendered_risk() -> None:
    pipeline = _pipeline()
    write = pipeline.render(_step("systemctl restart api", Risk.WRITE), {}, {})
    assert pipeline.confirmation(write).ask is Ask.YES
    assert "systemctl restart api" in pipeline.confirmation(write).detail


async def test_pipeline_refuses_in_viewer_mode_and_unconfirmed_writes() -> None:
    rendered = _pipeline().render(_step("echo hi", Risk.READ), {}, {})
    with pytest.raises(RunbookError, match="viewer"):
        await _pipeline(viewer=True).run(rendered, print, confirmed=False, typed=None)
    write = _pipeline().render(_step("systemctl restart api", Risk.WRITE), {}, {})
    with pytest.raises(RunbookError, match="confirm"):
        await _pipeline().run(write, print, confirmed=False, typed=None)
