"""Decoding a list of alerts out of a server's answer: each item on its own, in slices.

An answer is first split into its items as raw JSON (`msgspec.Raw`, in C passes of about a
megabyte each: `raw_chunks`), then each item is decoded into a typed `gc=False` Struct and
turned into an Alert. So:
- one malformed alert (a label that is not a string, a missing `labels`, a broken timestamp)
  is skipped and counted, and the other 99,999 are still shown;
- between two slices of `SLICE` items the thread checks its `Cancel`: a cancelled poll stops
  within a few milliseconds, and the next poll's parse never runs beside it;
- nothing built here is tracked by the cyclic garbage collector (Structs with `gc=False`,
  string-only dicts, shared tuples), so a storm needs no pausing or freezing of it.

Measured on benchmarks.bench_alert_storm's 100,000-alert answer (72 MB), alerts built: 0.2-0.3 s
with 7 ms of collections in all (the GIL held at most ~2 ms at a time); the former
`json.loads` plus dict walking took 631 ms with 215 ms of collections.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import msgspec

from warroom.domain.errors import SourceBadResponse
from warroom.sources.http_body import Cancel, Cancelled

W = TypeVar("W")
T = TypeVar("T")
SLICE = 2_000  # items decoded between two looks at the cancel flag (~3 ms)
CHUNK_BYTES = 1 << 20  # of an answer split into raw items in one call (~1 ms of GIL)
_ITEM_BREAK = b'},{"'  # between two objects of an array (or inside one: see raw_chunks)
_RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Decoded(Generic[T]):
    """The items decoded from one answer, and how many were skipped as malformed."""

    items: list[T]
    skipped: int = 0

    def warning(self, what: str) -> str:
        """A one-line note for the source's status, empty when nothing was skipped."""
        if not self.skipped:
            return ""
        return f"{self.skipped:,} malformed {what} skipped"


def decode_answer(
    decoder: msgspec.json.Decoder[W], body: bytes | msgspec.Raw, label: str, what: str, shape: str
) -> W:
    """`body` decoded; a one-line SourceBadResponse naming malformed JSON, or else `shape`
    (what the JSON should have been), when it does not decode."""
    try:
        return decoder.decode(body)
    except msgspec.ValidationError:
        pass  # the wrong shape, or broken JSON seen only after the shape went wrong
    except msgspec.DecodeError:
        raise SourceBadResponse(f"{label}: malformed JSON from {what}") from None
    try:
        msgspec.json.decode(body, type=msgspec.Raw)
    except msgspec.DecodeError:
        raise SourceBadResponse(f"{label}: malformed JSON from {what}") from None
    raise SourceBadResponse(f"{label}: {shape}")


def decode_items(
    body: bytes | msgspec.Raw,
    decoder: msgspec.json.Decoder[W],
    convert: Callable[[W], T | None],
    *,
    label: str,
    what: str,
    cancel: Cancel | None = None,
) -> Decoded[T]:
    """Every item of the array in `body` decoded by `decoder` and passed through `convert`
    (None: not wanted, e.g. a pending Prometheus alert). An item that does not decode, or
    that `convert` rejects with ValueError/TypeError/KeyError, is skipped and counted."""
    items: list[T] = []
    skipped = 0
    decode = decoder.decode
    for raws in raw_chunks(bytes(body), label, what):
        for start in range(0, len(raws), SLICE):
            if cancel is not None and cancel.is_set():
                raise Cancelled(f"{label}: cancelled")
            for raw in raws[start : start + SLICE]:
                try:
                    item = convert(decode(raw))
                except (msgspec.DecodeError, ValueError, TypeError, KeyError):
                    skipped += 1
                    continue
                if item is not None:
                    items.append(item)
    return Decoded(items, skipped)


def raw_chunks(body: bytes, label: str, what: str) -> Iterator[list[msgspec.Raw]]:
    """The items of a JSON array as raw JSON, split about CHUNK_BYTES at a time.

    msgspec never lets go of the GIL, and splitting a 100,000-alert answer (72 MB) in one
    call holds it ~60 ms: a key press would wait that long. So the array is split at a
    `},{"` between two items, about every CHUNK_BYTES: a cut that falls inside an item (in a
    nested object or a string) leaves that chunk unbalanced, so it does not decode and the
    cut moves to the next `},{"`; a chunk that decodes was cut between items. After a few
    misses the rest is split at once. The items are always those of the whole array."""
    text = body.strip()
    whole = len(text) < 2 * CHUNK_BYTES or not (text[:1] == b"[" and text[-1:] == b"]")
    if whole:
        yield decode_answer(_RAW_LIST, body, label, what, f"{what} did not return a list")
        return
    start, end = 1, len(text) - 1
    while start < end:
        cut = text.find(_ITEM_BREAK, start + CHUNK_BYTES, end)
        for _attempt in range(8):
            if cut < 0:
                break
            try:
                part = _RAW_LIST.decode(b"[" + text[start : cut + 1] + b"]")
            except msgspec.DecodeError:  # cut inside an item: try the next `},{"`
                cut = text.find(_ITEM_BREAK, cut + 1, end)
                continue
            yield part
            start = cut + 2  # past the comma between the two items
            break
        else:
            cut = -1
        if cut < 0:
            rest = b"[" + text[start:end] + b"]"
            yield decode_answer(_RAW_LIST, rest, label, what, f"{what} did not return a list")
            return


def parse_time(text: Any) -> datetime:
    """An RFC 3339 timestamp (maybe with nanoseconds) as an aware UTC datetime; the epoch for
    anything else (silences keep their times this way, however odd)."""
    if not isinstance(text, str) or not text:
        return _EPOCH
    try:
        dt = msgspec.json.decode(msgspec.json.encode(text), type=datetime)
    except msgspec.DecodeError:
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            return _EPOCH
    return as_utc(dt)


def as_utc(dt: datetime | None) -> datetime:
    """Aware and in UTC (a naive time is taken as UTC; None is the epoch)."""
    if dt is None:
        return _EPOCH
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt if dt.tzinfo is UTC else dt.astimezone(UTC)
