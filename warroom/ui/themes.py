"""Themes are data: `themes/*.toml` files become Textual themes, checked before they are used.

A user theme is written by hand, often copied from another app: it may lack warroom's own
variables (the app then derives them from the theme's colours, `theme_variable_defaults`) or
hold a value Textual cannot read (the theme is skipped with a one-line problem, never a crash at
start-up when the stylesheet is built).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

_FIELDS = {
    "primary", "secondary", "warning", "error", "success", "accent", "foreground",
    "background", "surface", "panel", "boost", "dark", "luminosity_spread", "text_alpha",
}  # fmt: skip
_COLOUR_FIELDS = _FIELDS - {"dark", "luminosity_spread", "text_alpha"}
_ALPHA = re.compile(r"\d+(?:\.\d+)?%")
_STYLE = re.compile(r"[a-z]+(?: [a-z]+)*")

# warroom's own CSS variables, each derived from a colour every theme has
WARROOM_VARIABLES = {
    "drill-banner-background": "warning",
    "drill-banner-color": "background",
    "production-color": "error",
}


# a pane's border: the foreground this far over the background. A theme's own dark panel
# colour is black on black in 16 colours (`TERM=screen`); this stays a visible grey there
# (ANSI bright black on black, grey on white) and a quiet one in truecolour.
PANE_BORDER_MIX = 0.35


def theme_variable_defaults(theme: Theme) -> dict[str, str]:
    """warroom's variables for a theme that does not set them (Textual's
    `App.get_theme_variable_defaults`): the drill banner in the theme's warning colour,
    production marked in its error colour, pane borders a grey between background and text."""
    generated = theme.to_color_system().generate()
    defaults = {name: generated[source] for name, source in WARROOM_VARIABLES.items()}
    background, foreground = (
        Color.parse(generated["background"]),
        Color.parse(generated["foreground"]),
    )
    defaults["pane-border"] = background.blend(foreground, PANE_BORDER_MIX).hex
    return defaults


def _colour_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return f"expected a colour string, got {value!r}"
    head, _, alpha = value.strip().partition(" ")
    if alpha and not _ALPHA.fullmatch(alpha.strip()):
        return f"not a colour: {value!r}"
    if head == "auto" and alpha:
        return None
    try:
        Color.parse(head)
    except ColorParseError:
        return f"not a colour: {value!r} (try #5B9BD5 or ansi_red)"
    return None


def _check(path: Path, data: Mapping[str, object], variables: Mapping[str, object]) -> None:
    for key in sorted(_COLOUR_FIELDS & set(data)):
        if problem := _colour_problem(data[key]):
            raise ValueError(f"{path}: {key}: {problem}")
    if "dark" in data and not isinstance(data["dark"], bool):
        raise ValueError(f"{path}: dark: expected true/false, got {data['dark']!r}")
    for key in ("luminosity_spread", "text_alpha"):
        value = data.get(key, 0.5)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ValueError(f"{path}: {key}: expected a number from 0 to 1, got {value!r}")
    for name, value in variables.items():
        if name.endswith("style"):
            if not (isinstance(value, str) and _STYLE.fullmatch(value)):
                raise ValueError(f"{path}: variables.{name}: not a text style: {value!r}")
        elif problem := _colour_problem(value):
            raise ValueError(f"{path}: variables.{name}: {problem}")


def load_theme(path: Path) -> Theme:
    """Read one theme file; raises ValueError naming the file, the key and the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: {' '.join(str(exc).split())}") from None
    name = data.get("name") or path.stem
    if "primary" not in data:
        raise ValueError(f"{path}: primary: missing")
    unknown = set(data) - _FIELDS - {"name", "variables"}
    if unknown:
        raise ValueError(f"{path}: {sorted(unknown)[0]}: unknown key")
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        raise ValueError(f"{path}: variables: expected a table")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise ValueError(f"{path}: name: letters, digits, '-', '_' or '.', got {name!r}")
    _check(path, data, variables)
    kwargs = {k: v for k, v in data.items() if k in _FIELDS}
    theme = Theme(name=name, variables={str(k): str(v) for k, v in variables.items()}, **kwargs)
    try:
        theme.to_color_system().generate()
    except (ValueError, TypeError, ColorParseError) as exc:
        raise ValueError(f"{path}: {' '.join(str(exc).split())}") from None
    return theme


def load_themes(folders: Iterable[Path]) -> tuple[dict[str, Theme], list[str]]:
    """All themes in these folders (later folders override by name) and one-line problems."""
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = load_theme(path)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            themes[theme.name] = theme
    return themes, problems
