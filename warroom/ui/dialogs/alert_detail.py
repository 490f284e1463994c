"""One alert in full: every label and annotation, uncut (the list cuts long values to its
columns), shown as plain text with control characters made visible."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from warroom.domain.alerts import Alert
from warroom.domain.clock import format_age
from warroom.domain.untrusted import inert
from warroom.ui.dialogs.prompts import DIALOG_CSS, plain


def detail_text(alert: Alert, now: datetime) -> Text:
    text = Text()
    text.append(f"{alert.severity.symbol} {alert.severity.word}", "bold")
    text.append(f"  firing for {format_age(alert.age_seconds(now))}  ")
    text.append(inert(alert.state.value), "dim")
    if alert.origins:
        text.append("  from " + inert(", ".join(alert.origins)), "dim")
    if alert.acked_by:
        text.append(f"\nacked by {inert(alert.acked_by)}", "bold")
    for title, values in (("labels", alert.labels), ("annotations", alert.annotations)):
        text.append(f"\n\n{title}\n", "bold")
        for key in sorted(values):
            text.append(f"  {inert(key)}", "dim")
            text.append(f" = {inert(values[key])}\n")
    return text


class AlertDetail(ModalScreen[None]):
    DEFAULT_CSS = (
        DIALOG_CSS + "AlertDetail > VerticalScroll { width: 100; max-width: 95%; height: auto; "
        "max-height: 85%; border: thick $accent; background: $surface; padding: 1 2; }"
    )
    BINDINGS = [Binding("escape,q,i", "close", "Close")]

    def __init__(self, alert: Alert, now: datetime) -> None:
        super().__init__()
        self.alert = alert
        self.now = now

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(plain(self.alert.name), classes="title")
            yield Static(detail_text(self.alert, self.now), id="alert-detail")
            yield Static("esc closes", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
