"""Polling: concurrent, bounded, failures as data; the Prometheus fallback while AM is away."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tests.ui.fakes import FakeAlertSource, make_alert
from warroom.domain.clock import FrozenClock
from warroom.domain.errors import SourceUnavailable
from warroom.services.polling import AlertPoller

T = datetime(2026, 11, 24, 3, tzinfo=UTC)


class Flaky(FakeAlertSource):
    down = False

    async def fetch_alerts(self):  # type: ignore[no-untyped-def]
        if self.down:
            raise SourceUnavailable(f"{self.name}: cannot connect")
        return await super().fetch_alerts()


async def test_fired_and_resolved_between_polls() -> None:
    a, b = make_alert("A", "critical", T), make_alert("B", "warning", T)
    source = FakeAlertSource([a])
    poller = AlertPoller([source], FrozenClock(T))
    first = await poller.poll()
    assert [x.name for x in first.fired] == ["A"]
    source.alerts = [b]
    second = await poller.poll()
    assert [x.name for x in second.fired] == ["B"] and [x.name for x in second.resolved] == ["A"]


async def test_all_sources_down_keeps_what_was_known() -> None:
    source = Flaky([make_alert("A", "critical", T)])
    poller = AlertPoller([source], FrozenClock(T))
    await poller.poll()
    source.down = True
    snap = await poller.poll()
    assert [x.name for x in snap.alerts] == ["A"] and not snap.resolved
    assert "cannot connect" in snap.errors["fake-am"]


async def test_hanging_source_times_out_and_the_other_answers() -> None:
    slow = FakeAlertSource([make_alert("Slow", "critical", T)], hang_s=30, name="slow")
    fast = FakeAlertSource([make_alert("Fast", "critical", T)], name="fast")
    poller = AlertPoller([slow, fast], FrozenClock(T), timeout_s=0.2)
    snap = await asyncio.wait_for(poller.poll(), 5)
    assert [x.name for x in snap.alerts] == ["Fast"] and "no answer within 0.2 s" in snap.errors[
        "slow"
    ]


async def test_prometheus_fallback_while_alertmanager_is_away() -> None:
    am = Flaky([make_alert("HighErrorRate", "critical", T, service="api")], name="am")
    prom = FakeAlertSource(
        [make_alert("HighErrorRate", "critical", T, service="api", via="prom")], name="prometheus"
    )
    prom.can_silence = False
    poller = AlertPoller([am], FrozenClock(T), fallback=prom)
    assert [x.name for x in (await poller.poll()).fired] == ["HighErrorRate"]
    am.down = True
    snap = await poller.poll()
    assert poller.using_fallback and [x.labels.get("via") for x in snap.alerts] == ["prom"]
    assert "read-only" in snap.errors["prometheus"] and not snap.fired and not snap.resolved
    am.down = False
    back = await poller.poll()
    assert not poller.using_fallback and not back.fired and not back.resolved


async def test_storm_path_in_a_thread_gives_the_same_answer(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import warroom.services.polling as polling

    alerts = [make_alert("Storm", "warning", T, instance=str(i)) for i in range(50)]
    results = []
    for threshold in (10_000, 10):
        monkeypatch.setattr(polling, "THREAD_AT", threshold)
        source = FakeAlertSource(list(alerts))
        poller = AlertPoller([source], FrozenClock(T))
        first = await poller.poll()
        source.alerts = alerts[10:]
        second = await poller.poll()
        results.append(
            (len(first.fired), sorted(a.fingerprint for a in second.resolved), len(second.alerts))
        )
    assert results[0] == results[1] == (50, sorted(a.fingerprint for a in alerts[:10]), 40)


async def test_the_early_first_poll_is_the_first_answer_and_asks_once() -> None:
    source = FakeAlertSource([make_alert("A", "critical", T), make_alert("B", "warning", T)])
    poller = AlertPoller([source], FrozenClock(T))
    poller.start_early()  # a thread with its own event loop: no loop is running here yet
    first = await poller.poll()
    assert sorted(a.name for a in first.fired) == ["A", "B"] and first.firing == 2
    assert source.calls == 1
    source.alerts = source.alerts[:1]
    second = await poller.poll()
    assert source.calls == 2 and [a.name for a in second.resolved] == ["B"]


async def test_a_cancelled_first_poll_leaves_the_early_answer_for_the_next() -> None:
    source = FakeAlertSource([make_alert("A", "critical", T)], hang_s=0.3)
    poller = AlertPoller([source], FrozenClock(T))
    poller.start_early()
    waiting = asyncio.ensure_future(poller.poll())
    await asyncio.sleep(0.05)
    waiting.cancel()
    snap = await asyncio.wait_for(poller.poll(), 5)
    assert [a.name for a in snap.fired] == ["A"] and source.calls == 1


async def test_an_early_poll_that_fails_says_why_like_any_poll() -> None:
    source = Flaky([make_alert("A", "critical", T)])
    source.down = True
    poller = AlertPoller([source], FrozenClock(T))
    poller.start_early()
    snap = await poller.poll()
    assert "cannot connect" in snap.errors["fake-am"] and not snap.alerts


async def test_firing_counts_neither_silenced_nor_inhibited() -> None:
    from msgspec.structs import replace

    from warroom.domain.alerts import AlertState

    loud = make_alert("A", "critical", T)
    hushed = replace(
        make_alert("B", "warning", T), state=AlertState.SUPPRESSED, silenced_by=("s1",)
    )
    held = replace(make_alert("C", "warning", T), state=AlertState.SUPPRESSED, inhibited_by=("x",))
    snap = await AlertPoller([FakeAlertSource([loud, hushed, held])], FrozenClock(T)).poll()
    assert snap.firing == 1 and len(snap.alerts) == 3


async def test_a_source_warning_is_reported_beside_its_alerts() -> None:
    """A source that skipped malformed alerts says so; its good alerts are still shown."""
    source = FakeAlertSource([make_alert("A", "critical", T)])
    source.warning = "2 malformed alerts skipped"  # type: ignore[attr-defined]
    snap = await AlertPoller([source], FrozenClock(T)).poll()
    assert [a.name for a in snap.alerts] == ["A"]
    assert snap.errors == {source.name: f"{source.name}: 2 malformed alerts skipped"}


async def test_an_unreachable_source_is_unknown_not_resolved() -> None:
    """Two Alertmanagers; one stops answering for a while and comes back: the alerts only it
    held are neither resolved while it is away nor fired again when it returns."""
    clock = FrozenClock(T)
    mine = make_alert("OnlyInEu", "critical", T, instance="eu-db-1:9100")
    other = make_alert("OnlyInUs", "warning", T, instance="us-db-1:9100")
    eu, us = Flaky([mine], name="am-eu"), Flaky([other], name="am-us")
    poller = AlertPoller([eu, us], clock)
    first = await poller.poll()
    assert {a.name for a in first.fired} == {"OnlyInEu", "OnlyInUs"}
    eu.down = True
    for _ in range(6):  # 30 s away, one poll every 5 s
        clock.advance(5)
        away = await poller.poll()
        assert away.resolved == [] and away.fired == []
        assert {a.name for a in away.alerts} == {"OnlyInEu", "OnlyInUs"}
        assert "stale" in away.errors["am-eu"] and "am-us" not in away.errors
    assert "30s ago" in away.errors["am-eu"]
    eu.down = False
    clock.advance(5)
    back = await poller.poll()
    assert back.fired == [] and back.resolved == [] and not back.errors
    eu.alerts = []  # now it really resolved: the source answered without it
    clock.advance(5)
    gone = await poller.poll()
    assert [a.name for a in gone.resolved] == ["OnlyInEu"]
