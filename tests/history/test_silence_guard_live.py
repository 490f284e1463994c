"""The silence guard against a real Alertmanager (through SilenceService): min_matchers = 2
refuses service=db alone naming the rule, similar silences include a narrower active one and,
once expired there, the same one as recently expired; a typed override is logged in the
incident log (real SQLite store) and read back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.history.conftest import running_alertmanager
from tests.servers.prometheus import Alertmanager
from warroom.config import ServerConfig
from warroom.domain.alerts import Matcher, SilenceRequest
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import EntryKind
from warroom.domain.silence_policy import PolicyRule, SilencePolicy, Similarity
from warroom.services.incident_log import IncidentLog
from warroom.services.silence_guard import SilenceGuard, log_override
from warroom.services.silences import SilenceService
from warroom.sources.alertmanager import AlertmanagerSource
from warroom.stores.sqlite import SqliteStore


@pytest.fixture(scope="module")
def guard_am() -> Iterator[Alertmanager]:
    with running_alertmanager("am-guard") as am:
        yield am


async def test_policy_similar_and_logged_override(guard_am: Alertmanager, tmp_path: Path) -> None:
    service = f"db{uuid.uuid4().hex[:6]}"
    clock = FrozenClock(datetime.now(UTC))
    source = AlertmanagerSource(ServerConfig(url=guard_am.url, name="am", timeout_s=5.0))
    silences = SilenceService([source], clock)
    guard = SilenceGuard(silences, SilencePolicy(min_matchers=2), clock)
    store = SqliteStore(tmp_path / "incidents.db")
    await store.open()
    try:
        now = clock.now()
        narrow = SilenceRequest(
            (Matcher("service", service), Matcher("alertname", "DBDown")),
            now,
            now + timedelta(hours=1),
            "bob",
            "db",
        )
        existing = await silences.create(narrow)
        broad = SilenceRequest(
            (Matcher("service", service),), now, now + timedelta(hours=1), "alice", "all of db"
        )

        refused = await guard.check(broad)
        assert not refused.decision.allowed
        assert refused.decision.message.startswith("refused by silence policy min_matchers = 2")
        assert [r.rule for r in refused.decision.refusals] == [PolicyRule.MIN_MATCHERS]
        assert [(s.silence.id, s.similarity, s.expired) for s in refused.similar] == [
            (existing.silence_id, Similarity.NARROWER, False)
        ]

        (listed,) = [s for s in (await silences.list())[0] if s.id == existing.silence_id]
        await silences.expire(listed)
        clock.advance(60)
        lapsed = await guard.check(broad)
        assert [(s.silence.id, s.expired) for s in lapsed.similar] == [(existing.silence_id, True)]

        log = IncidentLog(store, clock, "alice")
        await log.declare("DB down", "P1")
        passed = await guard.check(broad, override_reason="whole db tier is being migrated")
        assert passed.decision.allowed and passed.decision.override is not None
        await log_override(log, passed.decision.override, broad)
        assert log.incident is not None
        (entry,) = [e for e in await store.entries(log.incident.id) if e.kind is EntryKind.SILENCE]
        assert entry.data["rules"] == ["min_matchers"]
        assert entry.data["reason"] == "whole db tier is being migrated"
        assert "alice" in entry.text and "min_matchers" in entry.text
    finally:
        await source.aclose()
        await store.close()
