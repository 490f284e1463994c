"""`redact_dsn`: the one DSN redaction (incident store status and errors, PostgreSQL signals)."""

from __future__ import annotations

import pytest

from warroom.domain.redaction import MASK, redact_dsn
from warroom.sources.postgres_signals import _scrub_error
from warroom.stores.postgres import PostgresStore


@pytest.mark.parametrize(
    ("dsn", "shown"),
    [
        ("postgresql://u:hunter22@db:5432/app", f"postgresql://u:{MASK}@db:5432/app"),
        (
            "postgresql://u@db/app?sslmode=require&password=hunter22",
            f"postgresql://u@db/app?sslmode=require&password={MASK}",
        ),
        ("postgres://db?PASSWORD=hunter22&x=1", f"postgres://db?PASSWORD={MASK}&x=1"),
        ("postgresql://u:p%40ss@db/app", f"postgresql://u:{MASK}@db/app"),
        (
            "host=db user=u password=hunter22 dbname=app",
            f"host=db user=u password={MASK} dbname=app",
        ),
        ("host=db password='hun ter22' dbname=app", f"host=db password={MASK} dbname=app"),
        ("postgresql://u@db/app", "postgresql://u@db/app"),
        ("", ""),
    ],
)
def test_passwords_are_hidden_and_the_server_still_named(dsn: str, shown: str) -> None:
    assert redact_dsn(dsn) == shown


def test_store_status_and_signal_errors_use_it() -> None:
    dsn = "postgresql://u:hunter22@127.0.0.1:1/app?password=hunter33"
    store = PostgresStore(dsn, None)
    assert "hunter" not in store.status.detail and "127.0.0.1:1" in store.status.detail
    message = _scrub_error(f"cannot connect to {dsn}: password hunter22 refused", dsn)
    assert "hunter" not in message and "127.0.0.1:1" in message
