"""Entries as they may be stored and shown: text and every string in `data` redacted.

One place applies `domain.redaction.redact` (with the configured secrets) to what the console
writes: step commands and output, pasted notes, error texts. Done before the store sees it, so
the store, other consoles and exports never hold a secret this console knew about.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from warroom.domain.incident import Entry
from warroom.domain.redaction import redact

_OFF_LOOP_CHARS = 16_384
# values the timeline folds on or matches by (enums, ids): never secrets, must stay exact
_STRUCTURAL = frozenset({"status", "role", "severity", "fingerprint", "silence_id", "kind", "risk"})


def redact_entry(entry: Entry, secrets: tuple[str, ...] = ()) -> Entry:
    text = redact(entry.text, secrets)
    data = _redact_data(entry.data, secrets)
    if text == entry.text and data == entry.data:
        return entry
    return replace(entry, text=text, data=data)


async def redacted_off_loop(entry: Entry, secrets: tuple[str, ...] = ()) -> Entry:
    """Big entries (a step's kept output) are redacted in a thread: the rules cost about
    15 ms per 64 KB and the console's keys must not wait for them."""
    if len(entry.text) + len(str(entry.data.get("output", ""))) > _OFF_LOOP_CHARS:
        return await asyncio.to_thread(redact_entry, entry, secrets)
    return redact_entry(entry, secrets)


def _redact_data(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, Mapping):
        return {
            k: v if k in _STRUCTURAL and isinstance(v, str) else _redact_data(v, secrets)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_redact_data(v, secrets) for v in value)
    return value
