"""Where a silence goes and lives, the second-look guard, and what the alerts pane says when
sources fail: pure rules, and the silence service and alert poller over in-memory sources
(the same ports as the live ones; the live behaviour is in tests/live/test_silence_clusters.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from msgspec.structs import replace

from tests.ui.fakes import FakeAlertSource, make_alert
from warroom.domain.alerts import Alert, Matcher, Silence, SilenceRequest, common_matchers
from warroom.domain.clock import FrozenClock
from warroom.domain.errors import SourceError, SourceUnavailable
from warroom.domain.placement import (
    clusters_holding,
    merge_listed,
    target_clusters,
    where_text,
)
from warroom.domain.silence_policy import SilencePolicy, second_look
from warroom.services.polling import AlertPoller
from warroom.services.silences import SilenceService
from warroom.ui.regions.alerts.title import alerts_title

T = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
CLUSTERS = {"am-eu1-a": "eu1", "am-eu1-b": "eu1", "am-us1-c": "us1"}


def _held(name: str, *origins: str, **labels: str) -> Alert:
    return replace(make_alert(name, "critical", T, **labels), origins=origins)


class Member(FakeAlertSource):
    """An in-memory Alertmanager in a cluster; `down` makes every call fail as a dead one."""

    def __init__(self, name: str, cluster: str, alerts: list[Alert] | None = None) -> None:
        super().__init__(alerts or [], name=name)
        self.cluster = cluster
        self.down = False
        self.hung = asyncio.Event()  # set: every call hangs until cancelled

    async def _check(self) -> None:
        if self.hung.is_set():
            await asyncio.Event().wait()
        if self.down:
            raise SourceUnavailable(f"{self.name}: connection refused")

    async def fetch_alerts(self) -> list[Alert]:
        await self._check()
        return await super().fetch_alerts()

    async def list_silences(self) -> list[Silence]:
        await self._check()
        return await super().list_silences()

    async def create_silence(self, request: SilenceRequest) -> str:
        await self._check()
        return await super().create_silence(request)

    async def expire_silence(self, silence_id: str) -> None:
        await self._check()
        await super().expire_silence(silence_id)


@pytest.mark.parametrize(
    ("alerts", "said"),
    [
        ([_held("A", "am-us1-c")], "1 alert in us1"),
        ([_held("A", "am-eu1-a", "am-eu1-b")], "1 alert in eu1"),  # HA peers count once
        (
            [_held("A", "am-eu1-a", i="1"), _held("A", "am-eu1-b", i="2"), _held("A", "am-us1-c")],
            "3 alerts: 2 in eu1, 1 in us1",
        ),
        ([_held("A", "am-eu1-a", "am-us1-c")], "1 alert: 1 in eu1, 1 in us1"),
        ([], "no firing alert: made in every cluster (eu1, us1)"),
        (
            [_held("A", "prometheus")],
            "1 alert in no Alertmanager: made in every cluster (eu1, us1)",
        ),
    ],
)
def test_where_a_silence_goes_is_said(alerts: list[Alert], said: str) -> None:
    assert where_text(alerts, CLUSTERS) == said


def test_targets_are_the_clusters_holding_a_match_else_all() -> None:
    assert target_clusters([_held("A", "am-us1-c")], CLUSTERS) == ["us1"]
    assert target_clusters([], CLUSTERS) == ["eu1", "us1"]
    assert clusters_holding([_held("A", "am-eu1-b", "am-eu1-a")], CLUSTERS) == {"eu1": 1}


def _silence(sid: str, comment: str = "deploy", **labels: str) -> Silence:
    matchers = tuple(Matcher(k, v) for k, v in (labels or {"alertname": "A"}).items())
    return Silence(sid, matchers, T, T + timedelta(hours=1), "alice", comment)


def test_listed_silences_merge_into_one_row_per_logical_silence() -> None:
    listed = {
        "am-eu1-a": [_silence("e1"), _silence("e2", "other")],
        "am-eu1-b": [_silence("e1")],  # the same silence, by gossip
        "am-us1-c": [_silence("u1"), _silence("u2")],  # two alike in one cluster: two rows
    }
    rows = merge_listed(listed, CLUSTERS)
    places = sorted(tuple((p.cluster, p.silence_id, p.members) for p in r.placements) for r in rows)
    assert places == [
        (("eu1", "e1", ("am-eu1-a", "am-eu1-b")), ("us1", "u1", ("am-us1-c",))),
        (("eu1", "e2", ("am-eu1-a",)),),
        (("us1", "u2", ("am-us1-c",)),),
    ]
    (both,) = [r for r in rows if len(r.placements) == 2]
    assert both.where == "eu1 (am-eu1-a, am-eu1-b), us1 (am-us1-c)"


def test_a_group_is_silenced_on_the_labels_its_members_share() -> None:
    members = [
        _held("DiskFull", "am", team="db", instance="db-1", env="prod"),
        _held("DiskFull", "am", team="db", instance="db-2", env="prod"),
        _held("DiskFull", "am", team="db", instance="db-3", env="prod", disk="sdb"),
    ]
    # alertname first, then every label all share; not instance (the group spans instances)
    assert [str(m) for m in common_matchers(members)] == [
        'alertname="DiskFull"',
        'env="prod"',
        'severity="critical"',
        'team="db"',
    ]
    assert common_matchers([]) == ()


@pytest.mark.parametrize(
    ("matchers", "count", "asks"),
    [
        ([Matcher("severity", "critical")], 3, "only broad labels"),
        ([Matcher("env", "prod"), Matcher("cluster", "eu1")], 0, "only broad labels"),
        ([Matcher("alertname", "DiskFull")], 21, "it matches 21 alerts, more than 20"),
        ([Matcher("alertname", "DiskFull")], 20, ""),
        ([Matcher("alertname", "DiskFull"), Matcher("severity", "critical")], 2, ""),
    ],
)
def test_second_look_names_the_count(matchers: list[Matcher], count: int, asks: str) -> None:
    alerts = [
        make_alert("DiskFull", "critical", T, env="prod", cluster="eu1", instance=f"db-{i}")
        for i in range(count)
    ]
    said = second_look(SilencePolicy(), matchers, alerts)
    assert (asks in said) if asks else said == ""
    if asks:
        assert f"{count} alert" in said


def test_a_configured_limit_changes_the_second_look() -> None:
    alerts = [make_alert("X", "warning", T, instance=str(i)) for i in range(6)]
    assert second_look(SilencePolicy(confirm_over_alerts=5), [Matcher("alertname", "X")], alerts)
    assert not second_look(
        SilencePolicy(confirm_over_alerts=None), [Matcher("alertname", "X")], alerts
    )


def _request(*matchers: Matcher) -> SilenceRequest:
    return SilenceRequest(matchers, T, T + timedelta(hours=1), "alice", "deploy")


async def test_a_member_down_falls_over_to_the_next_and_a_dead_cluster_is_named() -> None:
    a, b, c = Member("am-eu1-a", "eu1"), Member("am-eu1-b", "eu1"), Member("am-us1-c", "us1")
    service = SilenceService([a, b, c], FrozenClock(T))
    alert = _held("A", "am-eu1-a", "am-us1-c")
    a.down = True
    fact = await service.create(_request(Matcher("alertname", "A")), alert=alert, alerts=[alert])
    assert fact.ids.keys() == {"eu1", "us1"}
    assert len(b.silences) == 1 and a.silences == [] and len(c.silences) == 1
    assert fact.failures == ()

    b.down = True  # the whole of eu1 is down: made in us1, and the line says where it is not
    fact = await service.create(_request(Matcher("alertname", "A")), alert=alert, alerts=[alert])
    assert list(fact.ids) == ["us1"]
    assert fact.failures and fact.failures[0].startswith("eu1: ")
    assert "NOT in eu1: " in fact.describe()

    c.down = True
    with pytest.raises(SourceError, match="failed everywhere"):
        await service.create(_request(Matcher("alertname", "A")), alert=alert, alerts=[alert])


async def test_expire_and_update_reach_every_placement() -> None:
    a, c = Member("am-eu1-a", "eu1"), Member("am-us1-c", "us1")
    clock = FrozenClock(T)
    service = SilenceService([a, c], clock)
    alert = _held("A", "am-eu1-a", "am-us1-c")
    await service.create(_request(Matcher("alertname", "A")), alert=alert, alerts=[alert])
    (row,), errors = await service.list()
    assert errors == {} and {p.cluster for p in row.placements} == {"eu1", "us1"}

    longer = await service.update(row, ends_at=T + timedelta(hours=2))  # the end alone
    assert longer.action == "extended"
    assert longer.ids == {p.cluster: p.silence_id for p in row.placements}  # updated in place
    fact = await service.update(row, ends_at=T + timedelta(hours=4), comment="longer")
    assert fact.action == "edited" and len(fact.placements) == 2
    assert [s.ends_at for s in (*a.silences, *c.silences)] == [T + timedelta(hours=4)] * 2
    (row,), _ = await service.list()
    assert row.comment == "longer" and len(row.placements) == 2

    gone = await service.expire(row)
    assert a.silences == [] and c.silences == [] and len(gone.placements) == 2
    assert gone.describe().count(" in ") >= 2


async def test_title_says_unknown_when_nothing_could_be_read() -> None:
    a, c = Member("am-eu1-a", "eu1", [_held("A", "")]), Member("am-us1-c", "us1")
    poller = AlertPoller([a, c], FrozenClock(T))
    said = alerts_title(await poller.poll())
    assert said.title == "Firing alerts (1)" and said.problems == ""

    c.down = True  # one answers, one does not: the count is a floor
    said = alerts_title(await poller.poll())
    assert said.title == "Firing alerts (1+?)"
    assert "am-us1-c" in said.subtitle and "connection refused" in said.problems

    a.down = True  # nothing could be read: unknown, not zero, and every reason in full
    snapshot = await poller.poll()
    said = alerts_title(snapshot)
    assert said.title == "Firing alerts (?)"
    assert all(f"{n}: connection refused" in said.problems for n in ("am-eu1-a", "am-us1-c"))


def test_an_ack_living_in_two_clusters_marks_the_alert_by_either_id() -> None:
    from warroom.domain.alerts import Placement, ack_comment
    from warroom.services.acks import acks_by_fingerprint

    ack = Silence(
        "e1", (Matcher("alertname", "Gone"),), T, T + timedelta(minutes=15), "bob",
        ack_comment("bob", "INC-1"),
        placements=(Placement("eu1", "e1"), Placement("us1", "u1")),
    )  # fmt: skip
    # silenced in us1 by its own id there (its labels no longer match: only the id can tell)
    alert = replace(_held("Other", "am-us1-c"), silenced_by=("u1",))
    assert acks_by_fingerprint([alert], [ack]) == {alert.fingerprint: ("bob", T)}


async def test_a_hung_alertmanager_is_one_error_in_the_list_not_an_empty_view() -> None:
    a, c = Member("am-eu1-a", "eu1"), Member("am-us1-c", "us1")
    service = SilenceService([a, c], FrozenClock(T), timeout_s=0.2)
    alert = _held("A", "am-eu1-a", "am-us1-c")
    await service.create(_request(Matcher("alertname", "A")), alert=alert, alerts=[alert])
    c.hung.set()
    (row,), errors = await service.list()
    assert [p.cluster for p in row.placements] == ["eu1"]
    assert list(errors) == ["am-us1-c"] and "no answer" in errors["am-us1-c"]
