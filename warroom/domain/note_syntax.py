"""What a commander types into the note box (`n`), read into a timeline entry.

- `text`                              a note
- `@14:02 text`                       backdated to 14:02 local time (both times are kept)
- `decision: text`                    a decision
- `action: text owner=bob due=12-01`  an action item (owner and due optional)
- `correct 3f2a9c: text`              a correction pointing at the entry whose id starts so
- `re 3f2a9c: text`                   a reply: a note, kept as typed (the id says to what)

A backdated time is the latest such time not in the future: `@23:59` typed at 00:10 is
yesterday, which `lands_on_another_day` says so the console can show the date and ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from warroom.domain.incident import EntryKind

_CORRECT = re.compile(r"correct\s+([0-9a-f-]{4,36})\s*:\s*(.+)", re.S | re.I)
_FIELD = re.compile(r"\b(owner|due)=(\S+)")


@dataclass(frozen=True, slots=True)
class NoteInput:
    kind: EntryKind
    text: str
    at: datetime | None = None
    owner: str = ""
    due: str = ""
    corrects: str = ""

    def lands_on_another_day(self, now: datetime) -> date | None:
        """The local day a backdated note falls on, when that is not today's."""
        if self.at is None:
            return None
        day = self.at.astimezone().date()
        return day if day != now.astimezone().date() else None


def parse_note(raw: str, now: datetime) -> NoteInput:
    """Raises ValueError with a one-line reason for a malformed time or empty text."""
    text = raw.strip()
    at = None
    if text.startswith("@"):
        stamp, _, text = text[1:].partition(" ")
        at = _clock_time(stamp, now)
        text = text.strip()
    if not text:
        raise ValueError("the note is empty")
    lowered = text.lower()
    if lowered.startswith("decision:"):
        return NoteInput(EntryKind.DECISION, _required(text[9:]), at)
    if lowered.startswith("action:"):
        body = text[7:]
        fields: dict[str, str] = {m.group(1): m.group(2) for m in _FIELD.finditer(body)}
        body = _FIELD.sub("", body)
        return NoteInput(
            EntryKind.ACTION_ITEM,
            _required(body),
            at,
            fields.get("owner", ""),
            fields.get("due", ""),
        )
    m = _CORRECT.fullmatch(text)
    if m:
        return NoteInput(
            EntryKind.CORRECTION, _required(m.group(2)), at, corrects=m.group(1).lower()
        )
    return NoteInput(EntryKind.NOTE, text, at)


def _required(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ValueError("nothing after the keyword")
    return text


def _clock_time(stamp: str, now: datetime) -> datetime:
    """`14:02` today in local time, as UTC; yesterday if that would be in the future."""
    try:
        hour, minute = (int(p) for p in stamp.split(":", 1))
        local = now.astimezone().replace(hour=hour, minute=minute, second=0, microsecond=0)
    except ValueError:
        raise ValueError(f"not a time: {stamp!r} (write @14:02 then the note)") from None
    if local > now.astimezone():
        from datetime import timedelta

        local -= timedelta(days=1)
    return local.astimezone(now.tzinfo)
