"""The service-context poller as a plain async service, without Textual: every source asked
for the scope with its own timeout and backoff, the last good answer kept with its age, the
changes merged newest first, and the incident window's new changes handed out once (also
across a restart, from the log's `change` entries)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.services.test_orchestration import Ticks
from tests.ui.fakes import FakeContextSource
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import EntryKind, IncidentSeverity
from warroom.domain.scope import ServiceScope
from warroom.domain.service_context import Change, ChangeKind, Container, Pod
from warroom.services.incident_log import IncidentLog
from warroom.services.service_context import (
    ServiceContextPoller,
    change_entry,
    recorded_keys,
    window_start,
)
from warroom.stores import open_store

T = datetime(2026, 11, 24, 3, tzinfo=UTC)


def _change(minutes_ago: float, key: str, kind: ChangeKind = ChangeKind.DEPLOY) -> Change:
    return Change(T - timedelta(minutes=minutes_ago), kind, f"change {key}", "fake", key, "api")


def _sources(clock: FrozenClock) -> tuple[FakeContextSource, FakeContextSource]:
    docker = FakeContextSource(
        clock,
        "docker",
        api={
            "containers": [Container("api-1", "running", "ops/api", "1.8", restarts=2)],
            "changes": [_change(5, "d-die", ChangeKind.DIE), _change(30, "d-start")],
        },
        worker={"containers": [Container("worker-1", "restarting", "ops/worker", "3")]},
    )
    kube = FakeContextSource(
        clock,
        "kubernetes",
        api={
            "pods": [Pod("api-7f-x", "prod", "Running", 1, 1)],
            "changes": [_change(8, "k-deploy"), _change(5, "d-die", ChangeKind.DIE)],
        },
    )
    return docker, kube


async def test_every_source_is_asked_for_the_scope_and_changes_merge_newest_first() -> None:
    clock = FrozenClock(T)
    docker, kube = _sources(clock)
    poller = ServiceContextPoller([docker, kube], clock, monotonic=Ticks())
    scope = ServiceScope([("service", "api"), ("job", "api-job")])
    poller.set_scope(scope)
    view = await poller.poll()
    assert docker.asked == [scope] and kube.asked == [scope]
    assert [a.name for a in view.answers] == ["docker", "kubernetes"]
    assert [c.name for a in view.answers if a.context for c in a.context.containers] == ["api-1"]
    assert [c.key for c in view.changes] == ["d-die", "k-deploy", "d-start"]  # once each
    assert not view.failing


async def test_a_failing_source_keeps_its_last_good_answer_with_its_age() -> None:
    clock = FrozenClock(T)
    docker, kube = _sources(clock)
    ticks = Ticks()
    poller = ServiceContextPoller([docker, kube], clock, monotonic=ticks)
    poller.set_scope("api")
    await poller.poll()
    clock.advance(125)
    ticks.t += 125
    docker.fail = "docker daemon: connection refused"
    view = await poller.poll()
    (failing,) = view.failing
    assert failing.name == "docker" and "connection refused" in (failing.error or "")
    assert failing.age_s == 125
    assert failing.context is not None and failing.context.containers[0].name == "api-1"
    assert "d-start" in [c.key for c in view.changes]  # its changes stay listed too
    kube_answer = next(a for a in view.answers if a.name == "kubernetes")
    assert kube_answer.error is None and kube_answer.age_s is None


async def test_a_hanging_source_times_out_alone_and_backs_off() -> None:
    clock = FrozenClock(T)
    docker, kube = _sources(clock)
    docker.hang_s = 5
    ticks = Ticks()
    poller = ServiceContextPoller([docker, kube], clock, timeout_s=0.05, monotonic=ticks)
    poller.set_scope("api")
    view = await poller.poll()
    assert "no answer within" in (view.failing[0].error or "")
    assert [a.name for a in view.answers if a.context] == ["kubernetes"]
    await poller.poll()  # the next refresh asks it again...
    assert len(docker.asked) == 2
    await poller.poll()  # ...then it backs off while it keeps failing; the other is asked
    assert len(docker.asked) == 2 and len(kube.asked) == 3
    ticks.t += 61
    docker.hang_s = 0
    view = await poller.poll()
    assert len(docker.asked) == 3 and not view.failing


async def test_a_new_scope_forgets_the_old_answers() -> None:
    clock = FrozenClock(T)
    docker, kube = _sources(clock)
    poller = ServiceContextPoller([docker, kube], clock, monotonic=Ticks())
    poller.set_scope("api")
    await poller.poll()
    assert poller.set_scope("worker")
    assert not poller.view().changes and all(a.context is None for a in poller.view().answers)
    view = await poller.poll()
    assert [c.name for a in view.answers if a.context for c in a.context.containers] == ["worker-1"]
    assert not poller.set_scope("worker")


async def test_changes_are_asked_back_to_the_open_incidents_window(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = FrozenClock(T)
    store = open_store(str(tmp_path / "i.db"))
    await store.open()
    log = IncidentLog(store, clock, "dana")
    docker, kube = _sources(clock)
    poller = ServiceContextPoller([docker, kube], clock, lookback_s=600, monotonic=Ticks())
    assert poller.since(None) == T - timedelta(seconds=600)
    await log.declare("api errors", IncidentSeverity.P2)
    assert poller.since(log.incident) == T - timedelta(hours=1)
    assert window_start(log.incident) == T - timedelta(hours=1)
    await store.close()


async def test_new_changes_in_the_window_are_handed_out_once_even_after_a_restart(  # type: ignore[no-untyped-def]
    tmp_path,
) -> None:
    clock = FrozenClock(T)
    store = open_store(str(tmp_path / "i.db"))
    await store.open()
    log = IncidentLog(store, clock, "dana")
    docker, kube = _sources(clock)
    old = _change(90, "long-ago")  # before the window (an hour before the declaration)
    kube.by_service["api"]["changes"] = [*kube.by_service["api"]["changes"], old]
    poller = ServiceContextPoller([docker, kube], clock, lookback_s=7200, monotonic=Ticks())
    poller.set_scope("api")
    view = await poller.poll()
    assert poller.unrecorded(view.changes, log.incident) == []  # no incident: nothing
    await log.declare("api errors", IncidentSeverity.P2)
    view = await poller.poll(log.incident)
    fresh = poller.unrecorded(view.changes, log.incident)
    assert [c.key for c in fresh] == ["d-start", "k-deploy", "d-die"]  # oldest first
    assert poller.unrecorded(view.changes, log.incident) == []  # handed out once
    for change in fresh[:2]:
        text, data = change_entry(change)
        await log.record(EntryKind.CHANGE, text, data, at=change.at)
    assert log.incident is not None
    written = [e for e in log.incident.entries if e.kind is EntryKind.CHANGE]
    assert [(e.at, e.data["key"]) for e in written] == [(c.at, c.key) for c in fresh[:2]]

    # a restarted console: a new poller, the incident read back from the store
    log2 = IncidentLog(store, clock, "dana")
    await log2.resume()
    assert recorded_keys(log2.incident.entries if log2.incident else []) == {
        "d-start",
        "k-deploy",
    }
    poller2 = ServiceContextPoller([docker, kube], clock, lookback_s=7200, monotonic=Ticks())
    poller2.set_scope("api")
    view = await poller2.poll(log2.incident)
    assert [c.key for c in poller2.unrecorded(view.changes, log2.incident)] == ["d-die"]
    await store.close()


def test_a_change_entry_is_one_inert_line_naming_its_subject() -> None:
    change = Change(T, ChangeKind.DIE, "exited\x1b[2J with code 1\nnow", "docker", "k1", "api-1")
    text, data = change_entry(change)
    assert text.startswith("api-1: exited") and "\x1b" not in text and "\n" not in text
    assert data == {"key": "k1", "change": "die", "source": "docker", "subject": "api-1"}
