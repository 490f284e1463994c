"""What the CLI prints can be used as printed: the drill's quit summary names a post-mortem
command that works typed into a shell, and output piped into `head -1` ends quietly (no
BrokenPipeError traceback). Real subprocesses, a real sqlite store, a real shell."""

from __future__ import annotations

import asyncio
import shlex
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tests.incident.fixtures import fixed_entries
from warroom.domain.incident import EntryKind
from warroom.stores.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[1]
WARROOM = Path(sys.executable).parent / "warroom"
PIPE_BUFFER = 1 << 16  # Linux's pipe buffer: more than this, and the writer meets the closed pipe


def _store(path: Path, extra_notes: int = 0) -> str:
    """A store holding the fixture incident, with `extra_notes` more entries."""

    async def fill() -> str:
        store = SqliteStore(path)
        await store.open()
        entries = fixed_entries()
        for entry in entries:
            await store.append(entry)
        last = entries[-1]
        for i in range(extra_notes):
            at = last.at + timedelta(seconds=i + 1)
            await store.append(
                replace(
                    last,
                    id=f"00000000-0000-4000-9000-{i:012d}",
                    kind=EntryKind.NOTE,
                    text=f"note {i}: " + "x" * 80,
                    at=at,
                    recorded_at=at,
                    data={},
                )
            )
        await store.close()
        return entries[0].incident_id

    return asyncio.run(fill())


def _shell(command: str, cwd: Path, path_env: str) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash") or "/bin/sh"
    return subprocess.run(
        [bash, "-c", command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": path_env, "HOME": str(cwd), "XDG_CONFIG_HOME": str(cwd / "cfg")},
    )


def test_incidents_show_into_head_is_quiet(tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    incident = _store(db, extra_notes=2_000)
    show = f"{shlex.quote(str(WARROOM))} incidents show {incident} --store {shlex.quote(str(db))}"
    full = _shell(show, tmp_path, "/usr/bin:/bin")
    assert full.returncode == 0, full.stderr
    assert len(full.stdout.encode()) > 2 * PIPE_BUFFER  # so `head` closes the pipe mid-write
    piped = _shell(f"set -o pipefail; {show} 2>err.txt | head -1", tmp_path, "/usr/bin:/bin")
    assert piped.stdout == full.stdout.splitlines(keepends=True)[0]
    assert (tmp_path / "err.txt").read_text() == ""
    assert piped.returncode in (0, 141)  # 141: quiet, as a closed pipe's writer should be


def test_runbooks_check_json_into_head_is_quiet(tmp_path: Path) -> None:
    books = tmp_path / "books"
    books.mkdir()
    for source in sorted((ROOT / "runbooks").glob("*.md")):
        for i in range(20):
            (books / f"{source.stem}-{i}.md").write_text(source.read_text())
    check = f"{shlex.quote(str(WARROOM))} runbooks check --json {shlex.quote(str(books))}"
    full = _shell(check, tmp_path, "/usr/bin:/bin")
    assert full.stdout.startswith("{") and len(full.stdout.encode()) > 2 * PIPE_BUFFER
    piped = _shell(f"{check} 2>err.txt | head -1", tmp_path, "/usr/bin:/bin")
    assert piped.stdout == full.stdout.splitlines(keepends=True)[0]
    assert (tmp_path / "err.txt").read_text() == ""


@pytest.mark.parametrize("on_path", [False, True])
def test_the_quit_summary_command_works_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_path: bool
) -> None:
    """After `make drill` warroom is in .venv/bin and not on PATH: the printed command must
    still run, typed in the directory the drill ran from."""
    from warroom.cli.drill import postmortem_command

    db = tmp_path / "drill store.db"  # a space: the path must be quoted as printed
    _store(db)
    path_env = f"{WARROOM.parent}:/usr/bin:/bin" if on_path else "/usr/bin:/bin"
    monkeypatch.setattr("sys.argv", [str(WARROOM)])
    monkeypatch.setenv("PATH", path_env)
    monkeypatch.chdir(tmp_path)
    command = postmortem_command(str(db))
    assert command.startswith("warroom " if on_path else (".", "/"))
    result = _shell(command, tmp_path, path_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("#") and "INC-" in result.stdout
