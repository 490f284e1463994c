"""Themes are data: `themes/*.toml` files become Textual themes."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path

from textual.theme import Theme

_FIELDS = {
    "primary", "secondary", "warning", "error", "success", "accent", "foreground",
    "background", "surface", "panel", "boost", "dark", "luminosity_spread", "text_alpha",
}  # fmt: skip


def load_theme(path: Path) -> Theme:
    """Read one theme file; raises ValueError naming the file and the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    name = data.get("name") or path.stem
    if "primary" not in data:
        raise ValueError(f"{path}: primary: missing")
    unknown = set(data) - _FIELDS - {"name", "variables"}
    if unknown:
        raise ValueError(f"{path}: {sorted(unknown)[0]}: unknown key")
    kwargs = {k: v for k, v in data.items() if k in _FIELDS}
    variables = {str(k): str(v) for k, v in (data.get("variables") or {}).items()}
    return Theme(name=str(name), variables=variables, **kwargs)


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
