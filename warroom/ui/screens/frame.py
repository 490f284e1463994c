"""The war room's frame, shared by the boot frame and the war room: which regions, in which
layout (2×2, three columns, or one at a time with tabs), and moving between them."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.screen import Screen
from textual.types import NoActiveAppError
from textual.widgets import Static

from warroom.ui.context import ConsoleContext
from warroom.ui.regions import RegionSpec, chosen
from warroom.ui.regions.layout import LAYOUTS, layout_for


class FrameScreen(Screen[None]):
    specs: ClassVar[tuple[RegionSpec, ...]] = ()  # set per war-room class; else the layout's

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.region_index = 0
        self.shown_specs = self.specs or tuple(
            chosen(getattr(ctx.settings, "layout", None), ctx.sources)
        )
        # the layout for the terminal as it is, in the styles of the first frame: set after
        # mount, the class change would restyle and lay out the whole screen once more
        try:
            width, height = self.app.size
        except NoActiveAppError:  # (made outside a running app: the first resize sets it)
            return
        self.add_class(layout_for(width, height), update=False)

    def on_mount(self) -> None:
        self.show_region(self.region_index, focus=False)

    def on_resize(self) -> None:
        self.set_layout(layout_for(self.size.width, self.size.height))

    def set_layout(self, layout: str) -> None:
        if self.has_class(layout):  # a class change restyles the whole screen: only on change
            return
        for name in LAYOUTS:
            self.set_class(name == layout, name)
        self.show_region(self.region_index, focus=False)

    def show_region(self, index: int, focus: bool = True) -> None:
        """Make region `index` the current one (the only one shown in the compact layout)."""
        self.region_index = index % len(self.shown_specs)
        current = f"{self.shown_specs[self.region_index].name}-region"
        for frame in self.query("#regions > .region"):
            if frame.has_class("-current") != (frame.id == current):
                frame.set_class(frame.id == current, "-current")
        tabs = self._tabs(tight=False)
        if tabs.cell_len > self.size.width:  # five regions at 80 columns: short labels
            tabs = self._tabs(tight=True)
        self.query_one("#region-tabs", Static).update(tabs)

    def _tabs(self, tight: bool) -> Text:
        tabs = Text()
        for i, spec in enumerate(self.shown_specs):
            title = (spec.short or spec.title) if tight else spec.title
            tabs.append(f" {i + 1} {title} ", "reverse bold" if i == self.region_index else "")
            tabs.append("" if tight else " ")
        tabs.append("  tab: next" if tight else "  tab: next pane", "dim")
        return tabs

    def action_next_region(self) -> None:
        self.show_region(self.region_index + 1)

    def action_previous_region(self) -> None:
        self.show_region(self.region_index - 1)

    def action_jump(self, number: int) -> None:
        """`1`-`5`: pane `number` in any layout (the tabbed one shows its tab); none: nothing."""
        if 1 <= number <= len(self.shown_specs):
            self.show_region(number - 1)

    # each key is one named action (`do('jump_3')`), so each jump has its own
    def action_jump_1(self) -> None:
        self.action_jump(1)

    def action_jump_2(self) -> None:
        self.action_jump(2)

    def action_jump_3(self) -> None:
        self.action_jump(3)

    def action_jump_4(self) -> None:
        self.action_jump(4)

    def action_jump_5(self) -> None:
        self.action_jump(5)
