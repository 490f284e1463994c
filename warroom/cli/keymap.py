"""The bindings a user can remap, collected from the UI, so `[ui.keymap]` is checked at start.

Every non-modal widget and screen class of `warroom.ui` that is imported once the war room is
(its regions included, whatever they become) is active together with the App's own bindings;
a remap that lands on one of their keys is a clash. Modal dialogs are their own scope.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from warroom.config import Settings
from warroom.config.keymap import KeySpec, check_keymap


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _specs(cls: type) -> Iterator[KeySpec]:
    from textual.binding import Binding

    for raw in cls.__dict__.get("BINDINGS", ()):
        b: Any = raw if isinstance(raw, Binding) else Binding(*raw)
        yield KeySpec(b.id, b.key, b.action, b.description)


def war_room_bindings(layout: Any = None) -> list[KeySpec]:
    """Every binding live while the war room is up (app, screen, regions, their bases): the
    screen's keys are its own actions and every composed region's (`screen_class`)."""
    from textual.dom import DOMNode
    from textual.screen import ModalScreen

    from warroom.ui.app import WarRoomApp
    from warroom.ui.regions import chosen
    from warroom.ui.screens.war_room import screen_class

    screen = screen_class(tuple(chosen(layout)))

    ours = {
        c
        for c in _subclasses(DOMNode)
        if c.__module__.startswith("warroom.ui") and not issubclass(c, ModalScreen)
    }
    roots: set[type] = {*ours, screen, WarRoomApp}
    classes = {base for c in roots for base in c.__mro__}
    return [spec for cls in sorted(classes, key=lambda c: c.__qualname__) for spec in _specs(cls)]


def check_settings_keymap(settings: Settings) -> dict[str, str]:
    """The settings' keymap, or a one-line ConfigError naming the binding id and key."""
    if not settings.keymap:
        return {}
    from textual.keys import _normalize_key_list

    return check_keymap(
        settings.keymap,
        war_room_bindings(getattr(settings, "layout", None)),
        source=settings.source_path or "<config>",
        normalize=_normalize_key_list,
    )
