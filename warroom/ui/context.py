"""What the composition root hands the UI: settings, sources, clock, runbooks, store."""

from __future__ import annotations

from dataclasses import dataclass

from warroom.config import Settings
from warroom.domain.clock import Clock
from warroom.domain.ports import IncidentStore, Sources
from warroom.domain.runbooks import RunbookLibrary


@dataclass(slots=True)
class ConsoleContext:
    settings: Settings
    sources: Sources
    clock: Clock
    library: RunbookLibrary
    store: IncidentStore
    author: str
    viewer: bool = False
    scenario: str = ""  # the drill scenario's name, shown in the banner
