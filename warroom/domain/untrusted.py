"""Text from outside (alert labels, annotations, step output, silence comments, log text) made inert.

Anyone who can post to Alertmanager or write a scrape target chooses these bytes, and the
console shows them on a terminal that a whole war room watches. A raw ESC can rewrite the
clipboard (OSC 52), the window title or the screen; a bidi override can make `rm` read as
something else. So every surface (screen, CLI output, exports) shows such text through
`inert`: control characters become visible glyphs, nothing is dropped silently, and the text
stays readable. Rich markup is a separate matter: the UI never parses untrusted text as markup
(it builds `rich.text.Text` from it), whatever characters it holds.
"""

from __future__ import annotations

# C0 controls (except tab and newline) as the Unicode "control pictures" (U+2400 + code),
# ESC as ␛, DEL as ␡; C1 controls (0x80-0x9f, e.g. the one-byte CSI 0x9b) as `\x9b`;
# bidi embeddings, overrides and isolates as `<U+202E>`.
_VISIBLE: dict[int, str] = {c: chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A)}
_VISIBLE[0x7F] = "\u2421"
_VISIBLE.update({c: f"\\x{c:02x}" for c in range(0x80, 0xA0)})
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_VISIBLE.update({c: f"<U+{c:04X}>" for c in _BIDI})
_ONE_LINE = {**_VISIBLE, 0x0A: " ⏎ ", 0x09: " "}

_SUSPECT = frozenset(chr(c) for c in _VISIBLE)


def inert(text: str) -> str:
    """`text` with every control character visible (tab and newline kept)."""
    if text.isprintable() or not _SUSPECT.intersection(text):
        return text
    return text.translate(_VISIBLE)


def one_line(text: str) -> str:
    """`inert`, and on one line: newlines shown as ⏎, tabs as a space."""
    if text.isprintable():
        return text
    return text.translate(_ONE_LINE)


def clip(text: str, width: int) -> str:
    """At most `width` characters, an ellipsis marking a cut (the full value stays elsewhere)."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"
