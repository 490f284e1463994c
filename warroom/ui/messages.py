"""Facts that workers post to the UI. Only `@on` handlers touch widgets."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from warroom.domain.incident import Entry
from warroom.domain.ports import RenderedStep, StepResult
from warroom.services.polling import AlertSnapshot


@dataclass
class AlertsRefreshed(Message):
    snapshot: AlertSnapshot


@dataclass
class SignalsRefreshed(Message):
    ok: bool


@dataclass
class EntryCommitted(Message):
    """An entry is durable in the store (ours or another console's): now it may be shown."""

    entry: Entry


@dataclass
class StepOutput(Message):
    line: str


@dataclass
class StepFinished(Message):
    rendered: RenderedStep
    result: StepResult
