"""When each region shows and when its `start()` runs: the war room's start-up choreography.

The first full frame a commander waits for is the alerts listed and every signal showing a
value. So the regions whose start is part of it (`Region.FIRST_FRAME`: the signals) start once
the first alerts are drawn; the other regions show in the frame that draws the signals' first
values (`Region.Drawn`: one restyle and layout, not one for the regions and another for the
values), and start after that frame (runbook parsing, alert memory, the Service poll, the log's
notices): started with the signals, they held the interpreter while those waited to be drawn.
A first-wave region that does not answer within `wait_s` holds none of this up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.dom import DOMNode

from warroom.ui.regions.base import Region


class StartOrder:
    """Starts `regions` in two waves on `node`'s timers (the screen's); `show()` shows the
    regions that wait (the screen drops its `-alerts-first` class)."""

    def __init__(
        self, regions: Sequence[Region], node: DOMNode, wait_s: float, show: Callable[[], object]
    ) -> None:
        self.regions = regions
        self.node = node
        self.wait_s = wait_s
        self.show = show  # (its answer is ignored)
        self.first_started = False
        self.rest_started = False
        self._waiting: set[str] = set()

    def start_first(self) -> None:
        """The first alerts are drawn (or the wait for them is over): the first wave starts."""
        if self.first_started:
            return
        self.first_started = True
        first = [r for r in self.regions if r.FIRST_FRAME]
        self._waiting = {r.NAME for r in first}
        for region in first:
            region.start()
        if self._waiting:
            self.node.set_timer(self.wait_s, self.start_rest)
        else:
            self.start_rest()

    def drawn(self, region: Region) -> None:
        """`region` has its first content: once every first-wave region has, the regions show
        (in the frame about to be drawn) and the rest start after that frame."""
        self._waiting.discard(region.NAME)
        if self.first_started and not self._waiting and not self.rest_started:
            self.show()
            self.node.call_after_refresh(self.start_rest)

    def start_rest(self) -> None:
        if self.rest_started:
            return
        self.rest_started = True
        self.show()
        for region in self.regions:
            if not region.FIRST_FRAME:
                region.start()
