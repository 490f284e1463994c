"""Who is at the keyboard, and getting the open incident back once the store answers.

A console started while the shared store is down must not stay without its incident: it waits
for the store (its `status`, never a busy loop against the database) and then reads the newest
open incident once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from warroom.domain.errors import WarroomError
from warroom.domain.incident import Entry
from warroom.domain.ports import IncidentStore


async def entries_once_back(
    store: IncidentStore, poll_s: float, wanted: Callable[[], bool]
) -> list[Entry]:
    """The open incident's entries as soon as the store is online again ([] when there is
    none, or once `wanted()` turns false: an incident was declared or loaded meanwhile)."""
    while wanted():
        await asyncio.sleep(poll_s)
        if not wanted() or not store.status.online:
            continue
        try:
            incident_id = await store.open_incident_id()
            return await store.entries(incident_id) if incident_id else []
        except WarroomError:
            continue
    return []
