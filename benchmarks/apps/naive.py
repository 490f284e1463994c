"""The "for scale" app: four panels refreshed the naive way, every second by default.

Four Sparklines get a whole new series each tick (every bar recoloured) and all 50 cells of a
DataTable are rewritten whether or not they changed. This is what the issue measured at about
4% of a core and 19.5 KB/s; warroom's idle cost is reported next to it from the same run.
"""

from __future__ import annotations

import argparse
import random

from textual.app import App, ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import DataTable, Footer, Header, Label, Sparkline, Static

MARKER = "NAIVE four-panel app"
SIGNALS = ("error rate", "p95 latency", "connections", "queue depth")
ROWS, COLS = 10, 5  # 50 cells
POINTS = 60


class NaiveApp(App[None]):
    """Redraws everything every tick: the cost a careful console should avoid."""

    CSS = """
    Grid { grid-size: 2 2; }
    Grid > * { border: round $primary; }
    #signals Sparkline { height: 1fr; }
    """
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, refresh_s: float = 1.0, seed: int = 7) -> None:
        super().__init__()
        self.refresh_s = refresh_s
        self.rng = random.Random(seed)
        self.series = {name: [self.rng.random() for _ in range(POINTS)] for name in SIGNALS}

    def compose(self) -> ComposeResult:
        yield Header()
        with Grid():
            yield DataTable(id="alerts", cursor_type="row")
            with Vertical(id="signals"):
                for i, name in enumerate(SIGNALS):
                    yield Label(name)
                    yield Sparkline(self.series[name], id=f"spark{i}")
            yield Static(f"{MARKER}\n\nrunbook panel", id="runbook")
            yield Static("incident log panel", id="log")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for c in range(COLS):
            table.add_column(f"col{c}", key=f"c{c}")
        for r in range(ROWS):
            table.add_row(*(self._cell() for _ in range(COLS)), key=f"r{r}")
        table.focus()
        self.set_interval(self.refresh_s, self.tick)

    def _cell(self) -> str:
        return f"{self.rng.random() * 100:6.2f}"

    def tick(self) -> None:
        """Replace every series and rewrite every cell, changed or not."""
        for i, name in enumerate(SIGNALS):
            values = self.series[name]
            values.append(self.rng.random())
            del values[0]
            self.query_one(f"#spark{i}", Sparkline).data = list(values)
        table = self.query_one(DataTable)
        for r in range(ROWS):
            for c in range(COLS):
                table.update_cell(f"r{r}", f"c{c}", self._cell())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--refresh", type=float, default=1.0, help="seconds between redraws")
    args = parser.parse_args()
    NaiveApp(refresh_s=args.refresh).run()


if __name__ == "__main__":
    main()
