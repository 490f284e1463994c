"""What the composition root hands the UI: settings, sources, clock, runbooks, store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from warroom.config import Settings
from warroom.domain.clock import Clock
from warroom.domain.history_ports import AlertHistoryStore
from warroom.domain.ports import IncidentStore, Sources
from warroom.domain.runbooks import RunbookLibrary

SOURCE_TIMEOUT_S = 5.0  # the longest any one call to a source may take


@dataclass(slots=True)
class ConsoleContext:
    """`library` may be given ready-made (tests), or left None with `runbook_paths` to read:
    the console then parses the runbooks in a thread after its first frame."""

    settings: Settings
    sources: Sources
    clock: Clock
    library: RunbookLibrary | None
    store: IncidentStore
    author: str
    viewer: bool = False
    scenario: str = ""  # the drill scenario's name, shown in the banner
    runbook_paths: tuple[Path, ...] = ()
    secrets: tuple[str, ...] = ()  # every configured secret (`cli.live_wiring.configured_secrets`)
    # the alert history beside the store (`stores.history.open_history_store`, not yet open:
    # the console opens it in a worker); None keeps no history ("seen before" stays blank)
    history: AlertHistoryStore | None = None
    console_id: str = ""  # this console's own id (`stores.console_id`): on every entry it writes
