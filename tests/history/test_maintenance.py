"""Maintenance windows: schedule parsing and next occurrences (pure, injected times), and
materialising them as silences in a real Alertmanager with two materialisers running."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.history.conftest import running_alertmanager
from tests.servers.prometheus import Alertmanager, http_json
from warroom.config import ServerConfig
from warroom.domain.clock import FrozenClock
from warroom.domain.maintenance import Cron, ScheduleError, next_occurrences, parse_schedules
from warroom.services.maintenance import MaintenanceMaterialiser
from warroom.sources.alertmanager import AlertmanagerSource, parse_time

WEEKLY = """
[[maintenance]]
name = "db-backup"
matchers = ['service="db"', 'alertname=~"Backup.*"']
weekdays = ["sat", "sun"]
at = "02:00"
duration = "2h"
comment = "weekly backup"

[[maintenance]]
matchers = "cluster=eu1"
cron = "30 1 1 * *"
timezone = "Europe/Berlin"
duration = "1h30m"
"""


def test_weekday_schedule_next_occurrence_and_current_window() -> None:
    backup, monthly = parse_schedules(WEEKLY)
    friday = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # a Friday
    assert backup.next_start(friday) == datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    during = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # Sunday, inside the window
    assert backup.window_at(during, timedelta(minutes=10)) == (
        datetime(2026, 12, 6, 2, 0, tzinfo=UTC),
        datetime(2026, 12, 6, 4, 0, tzinfo=UTC),
    )
    assert backup.window_at(friday, timedelta(minutes=10)) is None
    assert [str(m) for m in backup.matchers] == ['service="db"', 'alertname=~"Backup.*"']
    # 01:30 Berlin on the 1st: 00:30 UTC in winter, 23:30 UTC the day before in summer
    assert monthly.next_start(friday) == datetime(2027, 1, 1, 0, 30, tzinfo=UTC)
    assert monthly.next_start(datetime(2027, 6, 15, tzinfo=UTC)) == datetime(
        2027, 6, 30, 23, 30, tzinfo=UTC
    )
    assert len(monthly.name) == 10  # derived, stable
    assert parse_schedules(WEEKLY)[1].name == monthly.name


def test_listing_orders_by_next_window() -> None:
    rows = next_occurrences(parse_schedules(WEEKLY), datetime(2026, 12, 31, 12, 0, tzinfo=UTC))
    assert rows[0][0].name != "db-backup"  # Jan 1st 00:30 before Sat Jan 2nd


@pytest.mark.parametrize(
    ("cron", "at", "expected"),
    [
        (
            "*/15 * * * *",
            datetime(2026, 12, 1, 3, 7, tzinfo=UTC),
            datetime(2026, 12, 1, 3, 15, tzinfo=UTC),
        ),
        (
            "0 9-17/4 * * mon-fri",
            datetime(2026, 12, 5, 0, 0, tzinfo=UTC),
            datetime(2026, 12, 7, 9, 0, tzinfo=UTC),
        ),
        (
            "0 0 13 * 5",
            datetime(2026, 12, 1, tzinfo=UTC),
            datetime(2026, 12, 4, 0, 0, tzinfo=UTC),
        ),  # 13th or Friday
        (
            "0 0 * * 7",
            datetime(2026, 12, 1, tzinfo=UTC),
            datetime(2026, 12, 6, 0, 0, tzinfo=UTC),
        ),  # 7 = Sunday
    ],
)
def test_cron_subset(cron: str, at: datetime, expected: datetime) -> None:
    text = f'[[maintenance]]\nname = "x"\nmatchers = ["a=b"]\ncron = "{cron}"\nduration = "1m"\n'
    assert parse_schedules(text)[0].next_start(at) == expected


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('matchers = ["a=b"]\nat = "25:00"\nduration = "1h"', "hour"),
        ('matchers = ["a=b"]\nat = "02:00"\nduration = "soon"', "duration"),
        ('at = "02:00"\nduration = "1h"', "no matchers"),
        ('matchers = ["a=b"]\ncron = "0 2 * *"\nduration = "1h"', "5 fields"),
        ('matchers = ["a=b"]\nat = "02:00"\nweekdays = "funday"\nduration = "1h"', "weekday"),
        (
            'matchers = ["a=b"]\nat = "02:00"\nduration = "1h"\ntimezone = "Mars/Olympus"',
            "timezone",
        ),
    ],
)
def test_bad_schedules_name_the_field(body: str, says: str) -> None:
    with pytest.raises(ScheduleError, match=says):
        parse_schedules(f'[[maintenance]]\nname = "bad"\n{body}\n')


def test_never_firing_cron_has_no_next() -> None:
    cron = Cron.parse("0 0 30 2 *")
    assert not any(cron.day_matches(datetime(2026, 2, d, tzinfo=UTC).date()) for d in range(1, 29))
    text = '[[maintenance]]\nname = "x"\nmatchers = ["a=b"]\ncron = "0 0 30 2 *"\nduration = "1m"\n'
    assert parse_schedules(text)[0].next_start(datetime(2026, 1, 1, tzinfo=UTC)) is None


@pytest.fixture(scope="module")
def plain_am() -> Iterator[Alertmanager]:
    with running_alertmanager("am-maint") as am:
        yield am


def marked_silences(am: Alertmanager) -> list[dict[str, Any]]:
    """The live silences of the test's schedule, as Alertmanager itself lists them."""
    return [
        s
        for s in http_json(f"{am.url}/api/v2/silences")
        if s["status"]["state"] != "expired" and "[warroom-maintenance nightly-db" in s["comment"]
    ]


async def test_two_materialisers_make_exactly_one_silence(plain_am: Alertmanager) -> None:
    start = (datetime.now(UTC) + timedelta(minutes=30)).replace(second=0, microsecond=0)
    text = (
        '[[maintenance]]\nname = "nightly-db"\nmatchers = [\'service="db"\', "env=prod"]\n'
        f'at = "{start:%H:%M}"\nduration = "45m"\ncomment = "nightly vacuum"\n'
    )
    schedules = parse_schedules(text)
    clock = FrozenClock(start - timedelta(minutes=5))
    consoles = [
        MaintenanceMaterialiser(
            [AlertmanagerSource(ServerConfig(url=plain_am.url, name="am", timeout_s=5.0))],
            schedules,
            clock,
        )
        for _ in range(2)
    ]
    try:
        early = FrozenClock(start - timedelta(minutes=15))
        for console in consoles:
            console.clock = early
            assert (await console.tick()).created == ()  # outside the 10-minute lead
            console.clock = clock
        for _ in range(3):  # together, several ticks
            results = await asyncio.gather(*(c.tick() for c in consoles))
            assert all(not r.errors for r in results)
        live = marked_silences(plain_am)
        assert len(live) == 1
        (silence,) = live
        assert {(m["name"], m["value"], m["isRegex"]) for m in silence["matchers"]} == {
            ("service", "db", False),
            ("env", "prod", False),
        }
        assert parse_time(silence["startsAt"]) == start
        assert parse_time(silence["endsAt"]) == start + timedelta(minutes=45)
        assert silence["comment"].startswith("nightly vacuum")
        # the work finished early: someone expires it; no console makes it again
        await consoles[0].sources[0].expire_silence(silence["id"])
        clock.advance(6 * 60)  # inside the window now
        results = await asyncio.gather(*(c.tick() for c in consoles))
        assert [r.created for r in results] == [(), ()]
        assert marked_silences(plain_am) == []
    finally:
        for console in consoles:
            for source in console.sources:
                await source.aclose()


def test_cli_lists_schedules_with_their_next_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from warroom.cli import main

    path = tmp_path / "maintenance.toml"
    path.write_text(
        WEEKLY.replace('comment = "weekly backup"', 'comment = "weekly \\u001b[2J backup"')
    )
    assert main(["maintenance", "list", "--file", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    backup = next(line for line in out if line.startswith("db-backup"))
    assert "[sat,sun 02:00]" in backup and 'service="db"' in backup and "\x1b" not in backup
    assert " 02:00–04:00 UTC" in backup
    path.write_text('[[maintenance]]\nname = "x"\n')
    assert main(["maintenance", "list", "--file", str(path)]) == 2
    assert "x: no matchers" in capsys.readouterr().err
