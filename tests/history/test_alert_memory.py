"""The console's alert-memory service without Textual: polls recorded into a real history store
(SQLite file and the session's PostgreSQL), a failed source recorded "unknown" and never
resolved, the "seen before" index built from the store, and maintenance windows made once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.history.conftest import running_alertmanager
from tests.servers.prometheus import Alertmanager
from warroom.config import ServerConfig
from warroom.domain.alert_history import EventKind
from warroom.domain.alerts import Alert
from warroom.domain.clock import FrozenClock
from warroom.domain.history_ports import AlertHistoryStore
from warroom.services.alert_memory import AlertMemory, MaintenancePlan
from warroom.services.polling import AlertSnapshot
from warroom.services.silences import SilenceService
from warroom.sources.alertmanager import AlertmanagerSource

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def _alert(fp: str, starts: datetime, origin: str = "am", **labels: str) -> Alert:
    return Alert(
        fp,
        "DBDown",
        {"alertname": "DBDown", "service": "db", "severity": "critical", **labels},
        {},
        starts,
        origins=(origin,),
    )


def _snapshot(alerts: list[Alert], errors: dict[str, str] | None = None) -> AlertSnapshot:
    return AlertSnapshot(alerts, [], [], errors or {}, T0, len(alerts))


def _memory(
    store: AlertHistoryStore | None, clock: FrozenClock, plan: MaintenancePlan | None = None
) -> AlertMemory:
    """Recording never asks a source: the snapshots are handed in (no sources needed)."""
    return AlertMemory(
        store, clock, SilenceService([], clock), source_names=["am"], maintenance=plan
    )


async def test_six_fires_and_resolves_read_back_as_flapping(
    history_store: AlertHistoryStore,
) -> None:
    clock = FrozenClock(T0)
    memory = _memory(history_store, clock)
    for _ in range(6):
        alert = _alert("fp1", clock.now())
        assert (await memory.after_poll(_snapshot([alert]))).recorded == 1
        clock.advance(300)
        assert (await memory.after_poll(_snapshot([]))).recorded == 1
        clock.advance(3600)
    index = await memory.load_index()
    assert index.for_fingerprint("fp1").text == "6× / 7d · flapping"
    assert index.for_group("DBDown", "db").fires_7d == 6
    assert memory.index is index


async def test_a_source_down_records_unknown_never_a_resolve(
    history_store: AlertHistoryStore,
) -> None:
    clock = FrozenClock(T0)
    memory = _memory(history_store, clock)
    await memory.after_poll(_snapshot([_alert("fp2", T0)]))
    clock.advance(60)
    await memory.after_poll(_snapshot([], {"am": "connection refused"}))
    clock.advance(60)
    await memory.after_poll(_snapshot([], {"am": "connection refused"}))
    kinds = [e.kind for e in await history_store.events(T0 - timedelta(days=1))]
    assert kinds == [EventKind.FIRED, EventKind.UNKNOWN]
    clock.advance(60)
    await memory.after_poll(_snapshot([]))  # the source answers again, without the alert
    kinds = [e.kind for e in await history_store.events(T0 - timedelta(days=1))]
    assert kinds == [EventKind.FIRED, EventKind.UNKNOWN, EventKind.RESOLVED]


async def test_without_a_store_nothing_is_recorded_and_the_index_stays_empty() -> None:
    memory = _memory(None, FrozenClock(T0))
    assert not memory.enabled
    assert (await memory.after_poll(_snapshot([_alert("fp3", T0)]))).recorded == 0
    assert (await memory.load_index()).by_fingerprint == {}


async def test_a_store_that_cannot_open_is_said_and_the_events_wait(tmp_path: Path) -> None:
    from warroom.stores.history_sqlite import SqliteHistoryStore

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    clock = FrozenClock(T0)
    memory = _memory(SqliteHistoryStore(blocker / "history.db"), clock)
    result = await memory.after_poll(_snapshot([_alert("fp4", T0)]))
    assert result.recorded == 0
    assert result.error.startswith("alert history:")


@pytest.fixture(scope="module")
def memory_am() -> Iterator[Alertmanager]:
    with running_alertmanager("am-memory") as am:
        yield am


async def test_maintenance_window_is_made_once_by_two_consoles(
    memory_am: Alertmanager, tmp_path: Path
) -> None:
    """Two consoles' memories tick with a file configured, five minutes before a window, on
    a real Alertmanager: exactly one silence with the schedule's matchers and end."""
    service = f"db{uuid.uuid4().hex[:6]}"
    schedules = tmp_path / "maintenance.toml"
    schedules.write_text(
        f'[[maintenance]]\nname = "vacuum-{service}"\nmatchers = "service={service}"\n'
        'at = "04:00"\nduration = "30m"\ncomment = "nightly vacuum"\n'
    )
    start = datetime.now(UTC).replace(hour=4, minute=0, second=0, microsecond=0)
    if start < datetime.now(UTC):
        start += timedelta(days=1)
    clock = FrozenClock(start - timedelta(minutes=5))
    memories = []
    for _ in range(2):
        source = AlertmanagerSource(ServerConfig(url=memory_am.url, name="am", timeout_s=5.0))
        plan = MaintenancePlan(schedules, timedelta(minutes=10))
        memories.append(
            AlertMemory(
                None, clock, SilenceService([source], clock), source_names=["am"], maintenance=plan
            )
        )
    try:
        for memory in memories * 2:
            result = await memory.maintenance_tick()
            assert result is not None and not result.errors
        live = [
            s
            for s in await memories[0].silences.sources[0].list_silences()
            if any(m.value == service for m in s.matchers) and s.state != "expired"
        ]
        assert len(live) == 1
        assert [str(m) for m in live[0].matchers] == [f'service="{service}"']
        assert live[0].ends_at == start + timedelta(minutes=30)
    finally:
        for memory in memories:
            for source in memory.silences.sources:
                await source.aclose()


async def test_an_unreadable_maintenance_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    plan = MaintenancePlan(tmp_path / "missing.toml", timedelta(minutes=10))
    memory = _memory(None, FrozenClock(T0), plan)
    result = await memory.maintenance_tick()
    assert result is not None and result.errors and "missing.toml" in result.errors[0]
    assert result.created == ()


async def test_a_big_index_is_reloaded_after_a_poll_at_most_every_gap(
    history_store: AlertHistoryStore,
) -> None:
    from warroom.services.alert_memory import BIG_INDEX, RELOAD_GAP

    clock = FrozenClock(T0)
    memory = _memory(history_store, clock)
    await memory.after_poll(_snapshot([_alert("small", T0)]))
    await memory.load_index()
    assert memory.reload_due()  # a small history: every poll that recorded something
    storm = [_alert(f"fp{i}", T0, instance=str(i)) for i in range(BIG_INDEX)]
    await memory.after_poll(_snapshot(storm))
    await memory.load_index()
    assert not memory.reload_due()
    clock.advance(RELOAD_GAP.total_seconds())
    assert memory.reload_due()


async def test_the_guard_still_refuses_when_no_alertmanager_answers() -> None:
    """An Alertmanager that refuses connections (a port nothing listens on): the dialog's
    similar silences are empty, and the policy's verdict still stands (it needs no silences)."""
    import socket

    from warroom.domain.alerts import Matcher, SilenceRequest
    from warroom.domain.silence_policy import SilencePolicy
    from warroom.services.silence_guard import SilenceGuard

    with socket.socket() as sock:  # a free port, closed again: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    source = AlertmanagerSource(ServerConfig(url=f"http://127.0.0.1:{port}", name="am"))
    clock = FrozenClock(T0)
    guard = SilenceGuard(SilenceService([source], clock), SilencePolicy(min_matchers=2), clock)
    request = SilenceRequest((Matcher("service", "db"),), T0, T0 + timedelta(hours=1), "ann", "x")
    try:
        assert await guard.known(timeout_s=2.0) == ()
        refused = await guard.verdict(request, [], timeout_s=2.0)
        assert not refused.allowed and "min_matchers = 2" in refused.message
        allowed = await guard.verdict(request, [], override_reason="db failover", timeout_s=2.0)
        assert allowed.allowed and allowed.override is not None
        assert allowed.override.reason == "db failover" and allowed.override.by == "ann"
    finally:
        await source.aclose()
