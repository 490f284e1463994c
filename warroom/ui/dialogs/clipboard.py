"""Copying text: OSC 52 through the terminal (works over SSH and through tmux), and the local
desktop clipboard too when there is one (pyperclip, in a thread: it may run xclip)."""

from __future__ import annotations

import os
import sys

from textual.dom import DOMNode


def has_local_clipboard() -> bool:
    """A desktop session on this machine (not an SSH session to a headless bastion)."""
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return False
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def copy_text(node: DOMNode, text: str) -> None:
    """`text` to the clipboard: OSC 52 at once, pyperclip off the event loop when local."""
    node.app.copy_to_clipboard(text)
    if has_local_clipboard():
        node.run_worker(
            lambda: _pyperclip_copy(text), thread=True, group="clipboard", exit_on_error=False
        )


def _pyperclip_copy(text: str) -> None:
    try:
        import pyperclip

        pyperclip.copy(text)
    except Exception:  # no usable clipboard program after all: OSC 52 has it covered
        pass
