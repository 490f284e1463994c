"""`[ui.keymap]` checked like the rest of the config: at load time, in one line naming the key.

Textual applies a keymap silently: an unknown id is ignored, and mapping ack to `q` takes Quit
away. At 3 a.m. that is a console that cannot be left. So the composition root hands this module
the bindings that are active together (`KeySpec`s, collected from the UI) and gets back the
keymap unchanged or a `ConfigError`. Pure: no Textual here; the caller passes Textual's key-name
normaliser so `?` and `question_mark` are one key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from warroom.domain.errors import ConfigError

QUIT_ACTIONS = frozenset({"quit", "app.quit"})
_KEY = re.compile(r"[A-Za-z0-9_+\-]+|[^\s,]")  # `ctrl+a`, `question_mark`, `A`, `?`


@dataclass(frozen=True, slots=True)
class KeySpec:
    """One binding as declared: its id (None: not remappable), default keys, action, label."""

    id: str | None
    keys: str
    action: str
    description: str = ""

    @property
    def label(self) -> str:
        name = self.description or self.action
        return f"{name} ({self.id})" if self.id else name


def _keys(text: str, normalize: Callable[[str], str]) -> list[str]:
    return [normalize(k.strip()) for k in text.split(",") if k.strip()]


def check_keymap(
    keymap: Mapping[str, str],
    bindings: Iterable[KeySpec],
    *,
    source: str = "<config>",
    normalize: Callable[[str], str] = lambda key: key,
) -> dict[str, str]:
    """The keymap if every id is known, every key well formed, no key carries two actions and
    Quit keeps a key; else a ConfigError `source: ui.keymap.ID: problem`."""
    specs = list(dict.fromkeys(bindings))
    known = {s.id: s for s in specs if s.id}

    def fail(binding_id: str, problem: str) -> ConfigError:
        return ConfigError(f"{source}: ui.keymap.{binding_id}: {problem}")

    for binding_id, value in keymap.items():
        if binding_id not in known:
            near = difflib.get_close_matches(binding_id, list(known), n=1)
            hint = f" (did you mean {near[0]}?)" if near else " (the ids are listed by ?)"
            raise fail(binding_id, f"unknown binding id{hint}")
        parts = [p.strip() for p in value.split(",")]
        if not value.strip() or not all(_KEY.fullmatch(p) for p in parts):
            raise fail(binding_id, f'not a key name: {value!r} (e.g. "A", "ctrl+a", "f2")')
    effective = {
        s: _keys(keymap.get(s.id or "", s.keys) if s.id else s.keys, normalize) for s in specs
    }
    for binding_id in keymap:
        spec = known[binding_id]
        for key in effective[spec]:
            other = next(
                (o for o in specs if o.action != spec.action and key in effective[o]), None
            )
            if other is not None:
                raise fail(
                    binding_id,
                    f"key {keymap[binding_id]!r} is already {other.label}; "
                    "pick another key (or remap that one too)",
                )
    if not any(effective[s] for s in specs if s.action in QUIT_ACTIONS) and any(
        s.action in QUIT_ACTIONS for s in specs
    ):
        quit_id = next((s.id for s in specs if s.action in QUIT_ACTIONS and s.id), "quit")
        raise fail(quit_id, "this would leave no key to quit")
    return dict(keymap)


def display_key(binding_id: str | None, default: str, keymap: Mapping[str, str]) -> str:
    """The key(s) to show for a binding: the remapped ones if the keymap names it."""
    return keymap.get(binding_id, default) if binding_id else default
