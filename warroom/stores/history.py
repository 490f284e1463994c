"""Which alert-history store a `--store` URL means: the one entry point for the CLI.

The history sits beside the incidents: in the same PostgreSQL database when the store is
shared, else in its own SQLite file next to the incident file (`incidents.db` ->
`incidents.history.db`; the default store's -> `history.db` in the XDG data dir), so the
console and `warroom receive` given the same `--store` write the same history.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from warroom.domain.errors import StoreError
from warroom.domain.history_ports import DEFAULT_MAX_EVENTS, DEFAULT_RETENTION, AlertHistoryStore


def history_path(url_or_empty: str, data_dir: Path | None = None) -> Path | None:
    """The SQLite file for this store URL, or None when the store is PostgreSQL."""
    url = (url_or_empty or "").strip()
    if url.startswith(("postgresql://", "postgres://")):
        return None
    if not url:
        from warroom.stores import default_data_dir

        return (data_dir or default_data_dir()) / "history.db"
    if url.startswith("sqlite://"):
        url = url.removeprefix("sqlite://")
        if not url or url == "/":
            raise StoreError("store URL names no file")
    elif "://" in url:
        raise StoreError(
            f"unknown store URL {url!r}: use a file path, sqlite:///path or postgresql://"
        )
    path = Path(url).expanduser()
    return path.with_name(f"{path.stem}.history.db")


def open_history_store(
    url_or_empty: str,
    data_dir: Path | None = None,
    *,
    retention: timedelta = DEFAULT_RETENTION,
    max_events: int = DEFAULT_MAX_EVENTS,
) -> AlertHistoryStore:
    """Build (not yet open) the history store for this `--store`; `await store.open()` next."""
    path = history_path(url_or_empty, data_dir)
    if path is None:
        from warroom.stores.history_postgres import PostgresHistoryStore

        return PostgresHistoryStore(
            url_or_empty.strip(), retention=retention, max_events=max_events
        )
    from warroom.stores.history_sqlite import SqliteHistoryStore

    return SqliteHistoryStore(path, retention=retention, max_events=max_events)
