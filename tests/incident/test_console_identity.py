"""Each console's own identity: two consoles started with one data dir get two ids (and so two
outboxes); a restarted console finds its id (and its queue) again; a crashed one frees it.
The PostgreSQL outbox every console shared before ids is taken over once, by one console."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.incident.fixtures import fixed_entries
from warroom.stores.console_id import claim_console_id
from warroom.stores.legacy_outbox import adopt_legacy_outbox
from warroom.stores.postgres_schema import default_outbox_path
from warroom.stores.sqlite_log import SqliteLog

DSN = "postgresql://alice:secret@127.0.0.1:5432/warroom"


def test_two_consoles_never_share_an_id_and_a_restart_finds_its_own(tmp_path: Path) -> None:
    first = claim_console_id(tmp_path)
    second = claim_console_id(tmp_path)  # the first still runs: its id is held
    assert first.id != second.id
    assert default_outbox_path(DSN, tmp_path, first.id) != default_outbox_path(
        DSN, tmp_path, second.id
    )
    assert "secret" not in str(default_outbox_path(DSN, tmp_path, first.id))
    first.release()  # the first console quits
    again = claim_console_id(tmp_path)
    assert again.id == first.id  # the restart is the same console, with its queue
    third = claim_console_id(tmp_path)
    assert third.id not in (first.id, second.id)
    for identity in (second, again, third):
        identity.release()


def test_a_crashed_console_frees_its_id(tmp_path: Path) -> None:
    """The lock goes with the process: one killed while running leaves its id to the next."""
    code = (
        "import os, sys; from pathlib import Path;"
        "from warroom.stores.console_id import claim_console_id;"
        f"i = claim_console_id(Path({str(tmp_path)!r})); print(i.id, flush=True); os._exit(9)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert out.returncode == 9, out.stderr
    crashed = out.stdout.strip()
    assert claim_console_id(tmp_path).id == crashed


def test_a_damaged_id_file_is_left_and_a_new_id_made(tmp_path: Path) -> None:
    (tmp_path / "console-zzz.id").write_text("not an id\n")
    identity = claim_console_id(tmp_path)
    assert len(identity.id) == 32 and identity.id in identity.path.name
    identity.release()


def test_the_shared_outbox_of_old_is_taken_over_once(tmp_path: Path) -> None:
    legacy = default_outbox_path(DSN, tmp_path)
    old = SqliteLog(legacy)
    old.open()
    old.append_many(fixed_entries()[:4])
    old.close()
    mine = SqliteLog(default_outbox_path(DSN, tmp_path, "a" * 32))
    mine.open()
    try:
        assert adopt_legacy_outbox(legacy, mine) == 4
        assert [e.id for e in mine.all_entries()] == [e.id for e in fixed_entries()[:4]]
        assert not legacy.exists()
        assert adopt_legacy_outbox(legacy, mine) == 0  # gone: nothing is taken twice
        assert mine.count() == 4
    finally:
        mine.close()
