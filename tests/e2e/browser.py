"""Headless Chromium driven over the DevTools protocol (CDP), for `warroom serve`'s tests.

textual-serve draws the console with xterm.js on a canvas, so the page's DOM holds no text. The
page's own terminal object is caught as textual-serve creates it (`this.terminal = new
Terminal(...)` finds a setter planted on Object.prototype before any script runs), and its
buffer, the text xterm.js holds on screen, is read through `Runtime.evaluate`. Keys are typed
into the page as key events, as a person at the wall screen's keyboard would.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import aiohttp

CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    window.__warroomTerminal = value;
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true});
  },
});
"""
READ_SCREEN = """
(() => {
  const t = window.__warroomTerminal;
  if (!t || !t.buffer) return null;
  const b = t.buffer.active, lines = [];
  for (let y = 0; y < t.rows; y++) {
    const line = b.getLine(b.viewportY + y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
})()
"""
# key name -> (key, code, Windows virtual key code, text typed, CDP modifiers)
KEYS = {
    "enter": ("Enter", "Enter", 13, "\r", 0),
    "escape": ("Escape", "Escape", 27, "", 0),
    "tab": ("Tab", "Tab", 9, "", 0),
}


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "chromium is required (.ci/install-servers installs the Debian package)"
    return found


class Browser:
    """One headless Chromium with one page, closed with `close()`."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        self.proc: subprocess.Popen[str] | None = None
        self.session: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)

    async def start(self, width: int = 1600, height: int = 1000) -> None:
        self.proc = subprocess.Popen(
            [
                chromium(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}", "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        endpoint = await asyncio.wait_for(asyncio.to_thread(self._devtools_url), 30)
        port = re.search(r":(\d+)/", endpoint).group(1)  # type: ignore[union-attr]
        self.session = aiohttp.ClientSession()
        async with self.session.get(f"http://127.0.0.1:{port}/json/list") as answer:
            pages = [t for t in await answer.json() if t["type"] == "page"]
        self.ws = await self.session.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0)

    def _devtools_url(self) -> str:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            if m := re.search(r"DevTools listening on (ws://\S+)", line):
                return m.group(1)
        raise AssertionError("chromium exited before it listened for DevTools")

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        assert self.ws is not None
        ident = next(self._ids)
        await self.ws.send_str(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads((await asyncio.wait_for(self.ws.receive(), 30)).data)
            if message.get("id") == ident:
                assert "error" not in message, message
                return dict(message.get("result", {}))

    async def open(self, url: str) -> None:
        await self.call("Page.enable")
        await self.call("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINAL)
        await self.call("Page.navigate", url=url)

    async def evaluate(self, expression: str) -> Any:
        answer = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return answer.get("result", {}).get("value")

    async def screen(self) -> str:
        """The terminal's text as xterm.js holds it now ("" before it exists)."""
        return str(await self.evaluate(READ_SCREEN) or "")

    async def wait_for(self, predicate: Any, timeout_s: float = 30.0) -> str:
        text = ""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            text = await self.screen()
            if predicate(text):
                return text
            await asyncio.sleep(0.25)
        raise AssertionError(f"the page never showed it within {timeout_s} s:\n{text}")

    async def press(self, key: str) -> None:
        """One key as the page gets it: a character, a named key, or ctrl+letter."""
        await self.evaluate("window.__warroomTerminal && window.__warroomTerminal.focus()")
        if key in KEYS:
            name, code, vk, text, modifiers = KEYS[key]
        elif key.startswith("ctrl+") and len(key) == 6:
            letter = key[-1]
            name, code, vk, text, modifiers = (
                letter,
                f"Key{letter.upper()}",
                ord(letter.upper()),
                "",
                2,
            )
        else:
            assert len(key) == 1, key
            code = f"Key{key.upper()}" if key.isalpha() else ""
            name, vk, text, modifiers = key, ord(key.upper()), key, 0
        event = {"key": name, "code": code, "windowsVirtualKeyCode": vk, "modifiers": modifiers}
        await self.call("Input.dispatchKeyEvent", type="keyDown", text=text, **event)
        await self.call("Input.dispatchKeyEvent", type="keyUp", **event)

    async def screenshot(self) -> bytes:
        return base64.b64decode((await self.call("Page.captureScreenshot"))["data"])

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.session is not None:
            await self.session.close()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
