"""A viewer changes nothing: the real `warroom --viewer` in tmux, on a store holding an open
incident and a real Alertmanager with a firing alert and its runbook. Every key in the help
table is pressed and every war-room entry of the command palette run (ctrl+p, its name,
enter); each write says on screen that it was refused, and the store holds the same entries
afterwards (read back from the database file)."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.test_tmux_drill import Tmux, tmux
from tests.servers.prometheus import Alertmanager
from warroom.domain.clock import SystemClock
from warroom.services.incident_log import IncidentLog
from warroom.stores.sqlite import SqliteStore
from warroom.ui.regions import chosen
from warroom.ui.screens.war_room import FIRST_ACTIONS, LAST_ACTIONS, WarRoomScreen, screen_class

__all__ = ["tmux"]

TMUX_KEYS = {  # Textual's key names as tmux sends them
    "question_mark": "?",
    "slash": "/",
    "tab": "Tab",
    "shift+tab": "BTab",
    "enter": "Enter",
    "escape": "Escape",
    "ctrl+c": "C-c",
}


def _seed(store_path: Path) -> tuple[str, list[str]]:
    async def seed() -> tuple[str, list[str]]:
        store = SqliteStore(store_path)
        await store.open()
        try:
            log = IncidentLog(store, SystemClock(), "alice@one")
            first = await log.declare("Checkout is down", "P1", ["checkout"])
            await log.note("rolled back deploy 42")
            return first.incident_id, await _ids(store, first.incident_id)
        finally:
            await store.close()

    return asyncio.run(seed())


async def _ids(store: SqliteStore, incident_id: str) -> list[str]:
    return [e.id for e in await store.entries(incident_id)]


def _stored(store_path: Path, incident_id: str) -> list[str]:
    async def read() -> list[str]:
        store = SqliteStore(store_path)
        await store.open()
        try:
            return await _ids(store, incident_id)
        finally:
            await store.close()

    return asyncio.run(read())


def _settle(tmux: Tmux) -> str:
    """The screen once it stops changing (a dialog opened, a toast drawn)."""
    last = tmux.screen()
    for _ in range(20):
        time.sleep(0.25)
        now = tmux.screen()
        if now == last:
            return now
        last = now
    return last


def _refused(tmux: Tmux, what: str) -> None:
    tmux.wait_for(lambda s: f"viewer mode: {what}" in s, 10)


def _start(tmux: Tmux, alertmanager: Alertmanager, runbooks: Path, store: Path) -> None:
    tmux.start(
        [
            sys.executable, "-m", "warroom", "--alertmanager", alertmanager.url,
            "--runbooks", str(runbooks), "--store", str(store), "--user", "watcher",
            "--refresh", "1", "--viewer",
        ],
        width=200,
        height=50,
    )  # fmt: skip
    tmux.wait_for(lambda s: "ViewerProbe" in s and "VIEWER" in s and "INVESTIGATING" in s, 40)
    tmux.wait_for(lambda s: "rolled back deploy 42" in s and "docker" in s, 20)


def _gone(tmux: Tmux) -> None:
    deadline = time.monotonic() + 20
    while tmux.run("display", "-p", "-t", "t", "#{pane_dead}").strip() != "1":
        assert time.monotonic() < deadline, "the console did not exit"
        time.sleep(0.2)


def _stage(alertmanager: Alertmanager, tmp_path: Path) -> tuple[Path, Path, str, list[str]]:
    """A firing alert, its runbook (one step), and a store with an open incident."""
    runbooks = tmp_path / "runbooks"
    runbooks.mkdir()
    (runbooks / "viewer-probe.md").write_text(
        "# ViewerProbe\n\n## Mitigation\n\nRestart it:\n\n```bash\ndocker restart checkout\n```\n",
        encoding="utf-8",
    )
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    alertmanager.post_alerts(
        [
            {
                "labels": {
                    "alertname": "ViewerProbe",
                    "severity": "critical",
                    "service": "checkout",
                },
                "annotations": {"summary": "a viewer watches this"},
                "startsAt": now,
            }
        ]
    )
    store = tmp_path / "incidents.db"
    incident_id, before = _seed(store)
    return runbooks, store, incident_id, before


def test_a_viewer_is_refused_every_write_from_keys_and_the_palette(
    alertmanager: Alertmanager, tmux: Tmux, tmp_path: Path
) -> None:
    runbooks, store, incident_id, before = _stage(alertmanager, tmp_path)
    specs = tuple(chosen(None))
    room: type[WarRoomScreen] = screen_class(specs)
    actions = {a.name: a for a in (*FIRST_ACTIONS, *LAST_ACTIONS)}
    for spec in specs:
        actions |= {a.name: a for a in (*spec.load().ACTIONS, *spec.load().DIALOG_ACTIONS)}
    table = [b for b in room.BINDINGS if getattr(b, "description", "")]  # the help table's rows
    assert len(table) >= 20

    _start(tmux, alertmanager, runbooks, store)
    writes = 0
    for binding in table:
        name = binding.action.removeprefix("do('").removesuffix("')")  # type: ignore[union-attr]
        action = actions[name]
        if name == "quit":
            continue  # last: it ends the console
        tmux.keys(TMUX_KEYS.get(binding.key, binding.key))  # type: ignore[union-attr]
        if action.access == "write":
            _refused(tmux, action.description)
            writes += 1
        else:
            _settle(tmux)
            tmux.keys("Escape")  # close what a read opened (help, a prompt, a view)
        _settle(tmux)
        if name == "run_step":  # enter went to the runbook; enter again runs its step
            tmux.keys("Enter")
            _refused(tmux, "Run a step")
            writes += 1
            tmux.keys("BTab")
            _settle(tmux)

    keyed = writes
    # the keys' refusals gone from the screen, so each palette refusal is its own
    tmux.wait_for(lambda s: "viewer mode:" not in s, 20)
    palette = [b for b in table if "quit" not in str(b.action)]
    for binding in palette:
        name = binding.action.removeprefix("do('").removesuffix("')")  # type: ignore[union-attr]
        tmux.keys("C-p")
        tmux.wait_for(lambda s: "Search for commands" in s, 10)
        tmux.run("send-keys", "-t", "t", "-l", binding.description)  # type: ignore[union-attr]
        _settle(tmux)
        tmux.keys("Enter")
        if actions[name].access == "write":
            _refused(tmux, actions[name].description)
            writes += 1
        else:
            _settle(tmux)
            tmux.keys("Escape")
        _settle(tmux)
    # every write refused, each one said: from its key, and from its palette entry
    assert keyed >= 12 and writes == 2 * keyed - 1  # (the second enter has no palette entry)

    tmux.keys("q")  # a viewer quits without the "still open" question
    _gone(tmux)
    assert _stored(store, incident_id) == before  # the store holds exactly what it held


def test_the_palette_quit_entry_ends_a_viewer_console(
    alertmanager: Alertmanager, tmux: Tmux, tmp_path: Path
) -> None:
    runbooks, store, incident_id, before = _stage(alertmanager, tmp_path)
    _start(tmux, alertmanager, runbooks, store)
    tmux.keys("C-p")
    tmux.wait_for(lambda s: "Search for commands" in s, 10)
    tmux.run("send-keys", "-t", "t", "-l", "Quit")
    _settle(tmux)
    tmux.keys("Enter")
    _gone(tmux)
    assert _stored(store, incident_id) == before
