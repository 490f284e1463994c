"""The alert-history store's protocol (its own module: ports.py is being changed elsewhere).

Implemented by `stores.history_sqlite` (default) and `stores.history_postgres` (shared). Both
keep one event per (fingerprint, startsAt, kind), so every observer can write what it saw and
one fire is still counted once; both drop events older than their retention and the oldest
beyond their row limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from warroom.domain.alert_history import AlertEvent

DEFAULT_RETENTION = timedelta(days=30)
DEFAULT_MAX_EVENTS = 500_000  # ~100 bytes a row: tens of MB at most


@runtime_checkable
class AlertHistoryStore(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def record(self, events: Sequence[AlertEvent]) -> int:
        """Store what is new (earliest `at` kept for a key already there); returns how many
        events were new. Raises StoreError when the store cannot be written."""
        ...

    async def events(self, since: datetime, until: datetime | None = None) -> list[AlertEvent]:
        """Events with `at` in [since, until], oldest first."""
        ...

    async def prune(self, now: datetime) -> int:
        """Drop events past retention and the oldest beyond the row limit; returns how many."""
        ...
