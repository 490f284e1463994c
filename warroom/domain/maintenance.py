"""Maintenance windows: recurring schedules from a TOML file kept in git.

```toml
[[maintenance]]
name = "db-backup"                       # optional; the marker that makes creation idempotent
matchers = ['service="db"', 'alertname=~"Backup.*"']
weekdays = ["sat", "sun"]                # or "mon-fri"; with `at`
at = "02:00"
# cron = "0 2 * * 6,0"                   # instead of weekdays/at: minute hour day month weekday
timezone = "Europe/Berlin"               # default UTC
duration = "2h"                          # 90m, 1h30m, 45s
comment = "weekly backup"
```

The cron subset: `*`, numbers, lists, ranges and `*/step` / `a-b/step` in each of the five
fields; weekday 0 or 7 is Sunday; names (mon, jan) are accepted. When both day-of-month and
weekday are restricted, either matching is enough (as cron does). Times are wall-clock in the
schedule's time zone, so a 02:00 window stays at 02:00 across daylight-saving changes.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warroom.domain.alerts import Matcher

MARKER_PREFIX = "[warroom-maintenance "
_DAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_HORIZON_DAYS = 4 * 366  # a schedule that never fires in four years (Feb 30th) has no next


class ScheduleError(ValueError):
    """A schedule that cannot be understood; the message names the schedule and the field."""


def _field(text: str, low: int, high: int, names: Mapping[str, int], what: str) -> frozenset[int]:
    values: set[int] = set()
    for part in text.lower().split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ScheduleError(f"bad step in {what} {text!r}")
        if body == "*":
            start, end = low, high
        else:
            first, dash, last = body.partition("-")
            try:
                start = names[first] if first in names else int(first)
                end = (names[last] if last in names else int(last)) if dash else start
            except ValueError:
                raise ScheduleError(f"bad {what} {text!r}") from None
            if dash == "" and step is not None:
                end = high
        if not (low <= start <= high and low <= end <= high and start <= end):
            raise ScheduleError(f"{what} {text!r} out of range {low}-{high}")
        values.update(range(start, end + 1, step or 1))
    return frozenset(values)


@dataclass(frozen=True, slots=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool = True
    any_weekday: bool = True

    @classmethod
    def parse(cls, text: str) -> Cron:
        parts = text.split()
        if len(parts) != 5:
            raise ScheduleError(f"cron {text!r} needs 5 fields: minute hour day month weekday")
        minute, hour, day, month, weekday = parts
        weekdays = _field(weekday, 0, 7, _DAYS, "weekday")
        return cls(
            _field(minute, 0, 59, {}, "minute"),
            _field(hour, 0, 23, {}, "hour"),
            _field(day, 1, 31, {}, "day"),
            _field(month, 1, 12, _MONTHS, "month"),
            frozenset(d % 7 for d in weekdays),
            any_day=day == "*",
            any_weekday=weekday == "*",
        )

    def day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow


def parse_duration(text: str) -> timedelta:
    m = _DURATION.fullmatch(text.strip().lower())
    if not text.strip() or m is None:
        raise ScheduleError(f"bad duration {text!r} (e.g. 2h, 90m, 1h30m)")
    d, h, mi, s = (int(g or 0) for g in m.groups())
    return timedelta(days=d, hours=h, minutes=mi, seconds=s)


def _weekdays(value: Any) -> str:
    items = [value] if isinstance(value, str) else list(value or [])
    days: list[str] = []
    for item in items:
        for part in str(item).lower().replace(" ", "").split(","):
            if part == "*":
                return "*"
            first, dash, last = part.partition("-")
            if first[:3] not in _DAYS or (dash and last[:3] not in _DAYS):
                raise ScheduleError(f"bad weekday {item!r}")
            days.append(first[:3] + (f"-{last[:3]}" if dash else ""))
    return ",".join(days) or "*"


@dataclass(frozen=True, slots=True)
class Maintenance:
    name: str
    matchers: tuple[Matcher, ...]
    cron: Cron
    duration: timedelta
    zone: ZoneInfo
    comment: str = ""
    schedule_text: str = ""  # as written, for listing

    def starts_after(self, after: datetime) -> Iterable[datetime]:
        """Window starts strictly after `after`, in order (UTC)."""
        local = after.astimezone(self.zone)
        for offset in range(_HORIZON_DAYS):
            day = local.date() + timedelta(days=offset)
            if not self.cron.day_matches(day):
                continue
            for hour in sorted(self.cron.hours):
                for minute in sorted(self.cron.minutes):
                    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)
                    if start > after:
                        yield start.astimezone(after.tzinfo)

    def next_start(self, after: datetime) -> datetime | None:
        return next(iter(self.starts_after(after)), None)

    def window_at(self, now: datetime, lead: timedelta) -> tuple[datetime, datetime] | None:
        """The window running now or starting within `lead`, as (start, end); else None."""
        start = self.next_start(now - self.duration)
        if start is None or start > now + lead:
            return None
        return start, start + self.duration

    def marker(self, start: datetime) -> str:
        """What a materialised silence's comment carries: the schedule and this window."""
        return f"{MARKER_PREFIX}{self.name} {start.strftime('%Y-%m-%dT%H:%MZ')}]"


def _schedule(raw: Mapping[str, Any], index: int) -> Maintenance:
    label = str(raw.get("name") or f"maintenance #{index + 1}")
    try:
        texts = raw.get("matchers")
        if isinstance(texts, str):
            texts = [texts]
        if not texts:
            raise ScheduleError("no matchers")
        matchers = tuple(Matcher.parse(str(t)) for t in texts)
        if "cron" in raw:
            schedule_text = str(raw["cron"])
            cron = Cron.parse(schedule_text)
        else:
            at = str(raw.get("at") or "")
            hm = re.fullmatch(r"(\d{1,2}):(\d{2})", at)
            if hm is None:
                raise ScheduleError(f"'at' must be HH:MM, not {at!r}")
            days = _weekdays(raw.get("weekdays", "*"))
            schedule_text = f"{days} {at}"
            cron = Cron.parse(f"{int(hm[2])} {int(hm[1])} * * {days}")
        duration = parse_duration(str(raw.get("duration") or ""))
        if duration <= timedelta(0):
            raise ScheduleError("duration must be positive")
        try:
            zone = ZoneInfo(str(raw.get("timezone") or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            raise ScheduleError(f"unknown timezone {raw.get('timezone')!r}") from None
    except ValueError as exc:
        raise ScheduleError(f"{label}: {exc}") from None
    name = str(raw.get("name") or "")
    if not name:  # stable across consoles reading the same file: from what defines the window
        digest = hashlib.sha1(f"{sorted(map(str, matchers))}|{schedule_text}|{duration}".encode())
        name = digest.hexdigest()[:10]
    if not re.fullmatch(r"[\w.-]{1,64}", name):
        raise ScheduleError(f"{label}: name may hold letters, digits, '.', '_' and '-' only")
    return Maintenance(
        name, matchers, cron, duration, zone, str(raw.get("comment") or ""), schedule_text
    )


def parse_schedules(text: str) -> list[Maintenance]:
    """Every `[[maintenance]]` table in a TOML document; ScheduleError on the first bad one."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleError(f"not TOML: {exc}") from None
    tables = doc.get("maintenance", [])
    if not isinstance(tables, list):
        raise ScheduleError("'maintenance' must be an array of tables ([[maintenance]])")
    schedules = [_schedule(t, i) for i, t in enumerate(tables)]
    names = [s.name for s in schedules]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ScheduleError(f"two schedules named {dupes[0]!r}")
    return schedules


def next_occurrences(
    schedules: Sequence[Maintenance], now: datetime
) -> list[tuple[Maintenance, tuple[datetime, datetime] | None]]:
    """Each schedule with its current or next window (None if it never comes), soonest first."""
    rows = [(s, s.window_at(now, timedelta(days=_HORIZON_DAYS))) for s in schedules]
    return sorted(rows, key=lambda r: (r[1] is None, r[1][0] if r[1] else now, r[0].name))
