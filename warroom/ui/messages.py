"""Facts that workers post to the UI. Only `@on` handlers touch widgets."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from warroom.domain.alerts import Alert
from warroom.domain.incident import Entry
from warroom.domain.ports import RenderedStep, StepResult
from warroom.domain.service_context import Change
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


@dataclass
class AlertSelected(Message):
    """The alert under the cursor changed (None when the list is empty): the screen hands it
    to every region that shows something about the selected alert."""

    alert: Alert | None


class FirstAlertsDrawn(Message):
    """The first refresh's rows reached the screen (sent once): what may compete with drawing
    them (the other regions, golden signals, runbooks) can start now."""


@dataclass
class SignalPinned(Message):
    """The commander pinned a signal panel's value: the log records it."""

    name: str
    value: str
    spark: str


class RemediesLoaded(Message):
    """Past incidents are read (remedy memory): regions showing the selected alert show it
    again, now with what fixed it before."""


@dataclass
class ServiceChanges(Message):
    """The Service region's recent changes (newest first): the screen hands them to every
    region that marks them (the golden signals draw each at its time)."""

    changes: tuple[Change, ...]
