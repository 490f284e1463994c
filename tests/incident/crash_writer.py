"""Child process for the crash test: declares an incident, then logs notes forever, printing
each entry id only after `IncidentLog.note` returned (i.e. after the store said durable)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from warroom.domain.clock import SystemClock
from warroom.services.incident_log import IncidentLog
from warroom.stores.sqlite import SqliteStore


async def main(path: Path) -> None:
    store = SqliteStore(path)
    await store.open()
    log = IncidentLog(store, SystemClock(), "crash@test")
    if await log.resume() is None:
        first = await log.declare("Crash test", "P2")
        print(first.id, flush=True)
    n = 0
    while True:
        n += 1
        entry = await log.note(f"note {n}")
        sys.stdout.write(entry.id + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
