"""Incident stores: SQLite (embedded default) and PostgreSQL (shared across consoles).

`open_store` is the one entry point the composition root uses; the PostgreSQL module (and so
asyncpg) is imported only when a postgresql:// URL is given.
"""

from __future__ import annotations

from pathlib import Path

from warroom.domain.errors import StoreError
from warroom.domain.ports import IncidentStore
from warroom.paths import user_data_dir


def default_data_dir() -> Path:
    return user_data_dir()


def open_store(
    url_or_empty: str,
    data_dir: Path | None = None,
    *,
    start_offline_ok: bool = False,
    console_id: str = "",
) -> IncidentStore:
    """Build (not yet open) the store for `--store`/config: "" -> SQLite in the XDG data dir,
    `sqlite:///path` or a plain path -> that SQLite file, `postgresql://...` -> PostgreSQL with
    this console's own outbox (named by `console_id`) in the data dir; without one (the short
    CLI commands) the shared outbox name of old. Call `await store.open()` next."""
    url = (url_or_empty or "").strip()
    base = Path(data_dir) if data_dir is not None else None
    if url.startswith(("postgresql://", "postgres://")):
        from warroom.stores.postgres import PostgresStore
        from warroom.stores.postgres_schema import default_outbox_path

        return PostgresStore(
            url,
            default_outbox_path(url, base, console_id),
            start_offline_ok=start_offline_ok,
            console_id=console_id,
            legacy_outbox=default_outbox_path(url, base) if console_id else None,
        )
    from warroom.stores.sqlite import SqliteStore

    if not url:
        return SqliteStore((base or default_data_dir()) / "incidents.db")
    if url.startswith("sqlite://"):
        path = url.removeprefix("sqlite://")
        if not path or path == "/":
            raise StoreError(f"store URL {url!r} names no file")
        return SqliteStore(Path(path))
    if "://" in url:
        raise StoreError(
            f"unknown store URL {url!r}: use a file path, sqlite:///path or postgresql://"
        )
    return SqliteStore(Path(url).expanduser())
