"""Alert history: the pure model, the recorder's diffs, and both stores (real SQLite, real
PostgreSQL): idempotent on fingerprint + startsAt, retention and a size bound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from msgspec.structs import replace

from tests.history.conftest import make_store
from warroom.domain.alert_history import (
    AlertEvent,
    EventKind,
    FlapRule,
    HistoryIndex,
    intervals,
    summarise,
)
from warroom.domain.alerts import Alert
from warroom.domain.clock import FrozenClock
from warroom.domain.errors import StoreError
from warroom.domain.history_ports import AlertHistoryStore
from warroom.services.alert_history import HistoryRecorder, per_source
from warroom.stores.history_sqlite import SqliteHistoryStore

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def fire(
    fp: str, start: datetime, end: datetime | None = None, name: str = "DBDown"
) -> list[AlertEvent]:
    events = [AlertEvent(fp, name, "db", EventKind.FIRED, start, start, "t")]
    if end is not None:
        events.append(AlertEvent(fp, name, "db", EventKind.RESOLVED, start, end, "t"))
    return events


def alert(fp: str, start: datetime, name: str = "DBDown", service: str = "db") -> Alert:
    return Alert(fp, name, {"service": service, "severity": "critical"}, {}, start)


def test_six_fires_in_a_week_read_as_flapping() -> None:
    events = [
        e
        for day in range(6)
        for e in fire(
            "f1", NOW - timedelta(days=day, hours=1), NOW - timedelta(days=day, minutes=50)
        )
    ]
    summary = summarise(events, NOW)
    assert summary.text == "6× / 7d · flapping"
    assert summary.fires_24h == 1 and summary.detail == "1× / 24h · 6× / 7d · flapping"


def test_few_fires_are_not_flapping_and_old_ones_do_not_count() -> None:
    events = fire("f1", NOW - timedelta(days=2), NOW - timedelta(days=2) + timedelta(minutes=5))
    events += fire("f1", NOW - timedelta(days=8), NOW - timedelta(days=8) + timedelta(minutes=5))
    summary = summarise(events, NOW)
    assert (summary.fires_24h, summary.fires_7d, summary.flapping) == (0, 1, False)
    assert summary.text == "1× / 7d"
    assert summarise([], NOW).text == ""


def test_three_changes_in_an_hour_is_flapping() -> None:
    events = fire("f1", NOW - timedelta(minutes=40), NOW - timedelta(minutes=30))
    events += fire("f1", NOW - timedelta(minutes=10))
    assert summarise(events, NOW).flapping
    assert not summarise(events, NOW, FlapRule(changes_per_hour=4)).flapping


def test_the_same_fire_seen_twice_counts_once_and_keeps_the_earliest_resolve() -> None:
    start = NOW - timedelta(minutes=30)
    late_start = start + timedelta(microseconds=123_456)  # the webhook's nanoseconds
    events = fire("f1", start, NOW - timedelta(minutes=5)) + fire(
        "f1", late_start, NOW - timedelta(minutes=9)
    )
    spans = intervals(events)
    assert len(spans) == 1 and spans[0].end == NOW - timedelta(minutes=9)
    assert summarise(events, NOW).fires_7d == 1


def test_index_counts_by_fingerprint_and_by_name_and_service() -> None:
    events = fire("a", NOW - timedelta(hours=2), NOW - timedelta(hours=1))
    events += fire("b", NOW - timedelta(hours=3), NOW - timedelta(hours=2))
    events += fire("c", NOW - timedelta(hours=3), name="Other")
    index = HistoryIndex.build(events, NOW)
    assert index.for_fingerprint("a").fires_24h == 1
    assert index.for_group("DBDown", "db").fires_24h == 2
    assert index.for_group("Other", "db").fires_24h == 1
    assert index.strip("c")[0].end is None


def test_recorder_fires_resolves_and_never_falsely_resolves_while_a_source_is_down() -> None:
    clock = FrozenClock(NOW)
    recorder = HistoryRecorder(store=None, clock=clock)  # type: ignore[arg-type]
    a = alert("fp1", NOW - timedelta(minutes=3))
    kinds = lambda evs: [(e.fingerprint, e.kind) for e in evs]  # noqa: E731
    assert kinds(recorder.observe({"am1": [a], "am2": [a]})) == [("fp1", EventKind.FIRED)]
    assert recorder.observe({"am1": [a], "am2": [a]}) == []
    clock.advance(30)
    # am1 down, am2 answers without it: am1 may still have it, so unknown, not resolved
    assert kinds(recorder.observe({"am1": None, "am2": []})) == [("fp1", EventKind.UNKNOWN)]
    assert recorder.observe({"am1": None, "am2": []}) == []  # marked once
    clock.advance(30)
    resolved = recorder.observe({"am1": [], "am2": []})
    assert kinds(resolved) == [("fp1", EventKind.RESOLVED)] and resolved[0].at == clock.now()


def test_recorder_new_starts_at_is_a_new_fire() -> None:
    clock = FrozenClock(NOW)
    recorder = HistoryRecorder(store=None, clock=clock)  # type: ignore[arg-type]
    recorder.observe({"am": [alert("fp1", NOW - timedelta(minutes=5))]})
    events = recorder.observe({"am": [alert("fp1", NOW)]})
    assert sorted(e.kind for e in events) == [EventKind.FIRED, EventKind.RESOLVED]


async def test_store_is_idempotent_and_two_recorders_count_one_fire(
    history_store: AlertHistoryStore,
) -> None:
    clock = FrozenClock(NOW)
    one = HistoryRecorder(history_store, clock, "console-1")
    two = HistoryRecorder(history_store, clock, "console-2")
    a = alert("fp1", NOW - timedelta(minutes=1))
    assert await one.record_poll({"am": [a]}) == 1
    assert await two.record_poll({"am": [a]}) == 0
    clock.advance(60)
    assert await two.record_poll({"am": []}) == 1
    clock.advance(30)
    assert await one.record_poll({"am": []}) == 0  # later resolve of the same firing: kept earliest
    events = await history_store.events(NOW - timedelta(days=7))
    assert [(e.kind, e.at) for e in events] == [
        (EventKind.FIRED, a.starts_at.replace(microsecond=0)),
        (EventKind.RESOLVED, NOW + timedelta(seconds=60)),
    ]
    assert summarise(events, clock.now()).fires_7d == 1


async def test_store_keeps_the_earliest_at_for_a_key(history_store: AlertHistoryStore) -> None:
    start = NOW - timedelta(minutes=10)
    await history_store.record(fire("f", start, NOW))
    assert await history_store.record(fire("f", start, NOW - timedelta(minutes=4))) == 0
    events = await history_store.events(NOW - timedelta(days=1), NOW)
    assert [e.at for e in events] == [start, NOW - timedelta(minutes=4)]


async def test_retention_and_size_bound(store_location: tuple[str, str]) -> None:
    store = make_store(*store_location, retention=timedelta(days=30), max_events=5)
    await store.open()
    try:
        old = fire("old", NOW - timedelta(days=31), NOW - timedelta(days=31) + timedelta(minutes=1))
        recent = [e for i in range(6) for e in fire(f"r{i}", NOW - timedelta(hours=6 - i))]
        await store.record(old + recent)
        assert await store.prune(NOW) == 3  # two past retention, then the oldest beyond 5
        left = await store.events(NOW - timedelta(days=60))
        assert [e.fingerprint for e in left] == ["r1", "r2", "r3", "r4", "r5"]
    finally:
        await store.close()


async def test_history_survives_reopening(store_location: tuple[str, str]) -> None:
    store = make_store(*store_location)
    await store.open()
    await store.record(fire("f", NOW - timedelta(hours=1), NOW))
    await store.close()
    again = make_store(*store_location)
    await again.open()
    try:
        assert len(await again.events(NOW - timedelta(days=1))) == 2
    finally:
        await again.close()


def test_a_firing_never_seen_ending_is_closed_as_unknown_by_the_next() -> None:
    events = fire("f1", NOW - timedelta(days=2)) + fire("f1", NOW - timedelta(days=1), NOW)
    first, second = intervals(events)
    assert first.unknown and first.unknown_at == NOW - timedelta(days=1)
    assert second.end == NOW and not second.unknown


async def test_recorder_keeps_events_while_the_store_is_away(tmp_path: Path) -> None:
    store = SqliteHistoryStore(tmp_path / "h.db")
    clock = FrozenClock(NOW)
    recorder = HistoryRecorder(store, clock)
    with pytest.raises(StoreError):  # not open yet: as good as unreachable
        await recorder.record_poll({"am": [alert("fp1", NOW - timedelta(minutes=1))]})
    await store.open()
    try:
        clock.advance(60)
        assert await recorder.record_poll({"am": []}) == 2  # the fire kept, and the resolve
        kinds = [e.kind for e in await store.events(NOW - timedelta(days=1))]
        assert kinds == [EventKind.FIRED, EventKind.RESOLVED]
    finally:
        await store.close()


async def test_recorder_prunes_the_store_on_its_first_poll(tmp_path: Path) -> None:
    store = SqliteHistoryStore(tmp_path / "h.db", retention=timedelta(days=1))
    await store.open()
    try:
        clock = FrozenClock(NOW)
        await store.record(fire("old", NOW - timedelta(days=3), NOW - timedelta(days=3)))
        recorder = HistoryRecorder(store, clock)
        await recorder.record_poll({"am": []})
        assert await store.events(NOW - timedelta(days=30)) == []
    finally:
        await store.close()


def test_per_source_splits_a_merged_snapshot_and_marks_failed_sources() -> None:
    a = replace(alert("fp1", NOW), origins=("am1", "am2"))
    b = replace(alert("fp2", NOW), origins=("am2",))
    split = per_source([a, b], {"am3": "timed out"}, ["am1", "am2", "am3"])
    assert split == {"am1": [a], "am2": [a, b], "am3": None}


async def test_a_storm_observed_in_a_thread_records_every_fire_and_the_resolve(
    tmp_path: Path,
) -> None:
    store = SqliteHistoryStore(tmp_path / "h.db")
    await store.open()
    try:
        storm = [alert(f"fp{i}", NOW - timedelta(minutes=1), name=f"A{i % 7}") for i in range(6000)]
        recorder = HistoryRecorder(store, FrozenClock(NOW))
        assert await recorder.record_poll({"am": storm}) == 6000
        assert await recorder.record_poll({"am": storm[1:]}) == 1  # one resolve
    finally:
        await store.close()
