"""The thin app: registers themes, applies the keymap, installs the war-room screen."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.notifications import SeverityLevel
from textual.screen import Screen

from warroom.domain.untrusted import inert
from warroom.paths import theme_dirs
from warroom.services.polling import AlertPoller
from warroom.ui.context import SOURCE_TIMEOUT_S, ConsoleContext
from warroom.ui.themes import load_themes, theme_variable_defaults

DEFAULT_THEME = "warroom-dark"


class WarRoomApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "warroom"
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, ctx: ConsoleContext, *, boot: bool = True) -> None:
        super().__init__()
        self.ctx = ctx
        self.boot = boot
        # the first alert poll starts with the app, not once the war room is drawn
        self.alert_poller = AlertPoller(
            ctx.sources.alert_sources,
            ctx.clock,
            SOURCE_TIMEOUT_S,
            fallback=ctx.sources.fallback_alerts,
        )
        self.alert_poller.start_early()
        themes, self._theme_problems = load_themes(theme_dirs(ctx.settings.theme_paths))
        for theme in themes.values():
            self.register_theme(theme)
        wanted = ctx.settings.theme or DEFAULT_THEME
        if wanted not in themes:
            self._theme_problems.append(
                f"no theme named {wanted!r} (have: {', '.join(sorted(themes))}); using {DEFAULT_THEME}"
            )
            wanted = DEFAULT_THEME if DEFAULT_THEME in themes else "textual-dark"
        self.theme = wanted

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """warroom's own CSS variables for any theme that lacks them (a user's, Textual's)."""
        return theme_variable_defaults(self.current_theme)

    def _fatal_error(self) -> None:
        """An unhandled error ends the app without Textual's traceback (with locals, which may
        hold tokens) on a shared screen: the CLI prints one line and writes the trace to a file
        (`cli/crash.py`; Textual keeps the error for it)."""
        self.bell()
        self._close_messages_no_wait()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast, from any widget: plain text (never markup, whatever the caller said),
        control characters visible. Messages carry alert text, errors and typed input."""
        super().notify(
            inert(message), title=inert(title), severity=severity, timeout=timeout, markup=False
        )

    def get_default_screen(self) -> Screen[None]:
        """The boot frame first (the war room loads behind it), or the war room at once."""
        if self.boot:
            from warroom.ui.screens.boot import BootScreen

            return BootScreen(self.ctx, self.alert_poller)
        from warroom.ui.screens.war_room import war_room

        return war_room(self.ctx, self.alert_poller)

    def on_mount(self) -> None:
        if self.ctx.settings.keymap:
            self.set_keymap(dict(self.ctx.settings.keymap))
        for problem in self._theme_problems:
            self.notify(problem, severity="warning", timeout=10)

    async def on_unmount(self) -> None:
        """Close the incident store and the sources' clients; closing never blocks the exit."""
        sources = self.ctx.sources
        closers = [
            self.ctx.store.close(),
            *(h.close() for h in filter(None, [self.ctx.history])),
            *(
                s.aclose()
                for s in (*sources.alert_sources, *filter(None, [sources.fallback_alerts]))
            ),
            *(s.aclose() for s in {id(s): s for s in sources.signal_sources.values()}.values()),
            *(s.aclose() for s in sources.context_sources),
        ]
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*closers, return_exceptions=True), 5)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        from warroom.ui.screens.war_room import WarRoomScreen

        if not isinstance(screen, WarRoomScreen):
            return
        for binding in screen.BINDINGS:
            if getattr(binding, "description", "") and getattr(binding, "id", None):
                action = binding.action  # type: ignore[union-attr]
                yield SystemCommand(
                    binding.description,  # type: ignore[union-attr]
                    f"{binding.id} ({binding.key})",  # type: ignore[union-attr]
                    lambda action=action: screen.run_action(action),
                )


def build_app(ctx: ConsoleContext, *, boot: bool = True) -> WarRoomApp:
    """The one factory: the CLI, tests, snapshots and benchmarks all build the app here.

    `boot=False` skips the boot frame (tests that drive the war room from its first frame)."""
    return WarRoomApp(ctx, boot=boot)
