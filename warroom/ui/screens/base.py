"""What the war-room screen's parts share: the injected context and the services built on it.

The screen is assembled from small parts (incident, steps, silences), each a Screen subclass
in its own module; they reach each other only through what is declared here.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

from warroom.domain.alerts import Alert
from warroom.domain.incident import EntryKind
from warroom.services.incident_log import IncidentLog
from warroom.services.polling import SignalPoller
from warroom.ui.context import ConsoleContext
from warroom.ui.widgets.war_header import HeaderState

SOURCE_TIMEOUT_S = 5.0
REGIONS = ("alerts-region", "signals-region", "runbook-region", "log-region")
REGION_TITLES = {
    "alerts-region": "Firing alerts",
    "signals-region": "Golden signals",
    "runbook-region": "Runbook",
    "log-region": "Incident log",
}


class WarRoomBase(Screen[None]):
    ctx: ConsoleContext
    alerts: list[Alert]
    selected: Alert | None
    incident_log: IncidentLog
    signal_poller: SignalPoller
    region_index: int

    def _log(self, kind: EntryKind, text: str, data: dict[str, Any] | None = None) -> None:
        """Write an entry to the incident log in a worker (the incident part implements it)."""
        raise NotImplementedError

    def poll_alerts(self) -> Any:
        raise NotImplementedError

    def _show_region(self, region_id: str, focus: bool = True) -> None:
        raise NotImplementedError

    def _header_state(self) -> HeaderState:
        raise NotImplementedError
