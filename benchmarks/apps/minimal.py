"""The baseline for time to first frame: the smallest Textual app a console could be.

Header, one Static and Footer, nothing else imported. The console's first frame is compared
with this one, started the same way in the same pty, so the ratio shows what warroom itself costs.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

MARKER = "Minimal baseline app ready"


class MinimalApp(App[None]):
    """Header, Static and Footer: Textual's own floor for startup and idle cost."""

    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(MARKER)
        yield Footer()


def main() -> None:
    MinimalApp().run()


if __name__ == "__main__":
    main()
