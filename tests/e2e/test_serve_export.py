"""Export (`e`, a read) from a served console: the browser that asked gets the post-mortem as a
download through textual-serve, and nothing is written on the server's disk. A real `warroom
serve` of a drill on a store holding an open incident, opened in headless Chromium; the
download URL textual-serve's page opens is caught in the page and fetched."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.browser import Browser
from tests.e2e.test_serve_browser import _free_port, _rows, _serve
from warroom.domain.clock import SystemClock
from warroom.services.incident_log import IncidentLog
from warroom.stores.sqlite import SqliteStore

CATCH_DOWNLOADS = """
window.__warroomOpened = [];
window.open = function (url) { window.__warroomOpened.push(String(url)); return null; };
"""


def _seed(path: Path) -> None:
    """An open incident with a note, in the store the served console opens."""

    async def seed() -> None:
        store = SqliteStore(path)
        await store.open()
        try:
            log = IncidentLog(store, SystemClock(), "alice@one")
            await log.declare("Checkout is down", "P1", ["checkout"])
            await log.note("rolled back deploy 42")
        finally:
            await store.close()

    asyncio.run(seed())


@pytest.fixture
def served_incident(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    store = tmp_path / "incidents.db"
    _seed(store)
    port = _free_port()
    proc = _serve(tmp_path, "--drill", "--seed", "1", "--port", str(port), "--store", str(store))
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "warroom serve never answered"
            time.sleep(0.2)
        yield url, store
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except Exception:
            proc.kill()
            proc.wait()


async def test_export_in_a_served_console_is_a_download_not_a_file_on_the_server(
    served_incident: tuple[str, Path], tmp_path: Path
) -> None:
    url, store = served_incident
    before = _rows(store)
    browser = Browser(tmp_path / "chromium")
    try:
        await browser.start()
        await browser.call("Page.enable")
        await browser.call("Page.addScriptToEvaluateOnNewDocument", source=CATCH_DOWNLOADS)
        await browser.open(url)
        await browser.wait_for(lambda s: "Checkout is down" in s and "VIEWER" in s.upper(), 60)

        await browser.press("e")

        screen = await browser.wait_for(lambda s: "offered as a download" in s, 20)
        name = next(n for n in screen.split() if n.startswith("postmortem-"))
        (link,) = await browser.evaluate("window.__warroomOpened")
        assert link.startswith(url.rstrip("/") + "/download/")
        answer = httpx.get(link, timeout=10)
        assert answer.status_code == 200
        assert answer.headers["content-disposition"] == f"attachment; filename={name}"
        assert "Checkout is down" in answer.text and "rolled back deploy 42" in answer.text
    finally:
        await browser.close()
    written = [p for p in tmp_path.rglob("postmortem-*") if "chromium" not in p.parts]
    assert written == []  # nothing landed in the server's working directory, or anywhere
    after = _rows(store)
    after.pop("consoles", None)  # the console's presence heartbeat: not an incident's record
    before.pop("consoles", None)
    assert after == before
