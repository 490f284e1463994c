"""Where things live: packaged defaults (themes, runbooks) and the user's own folders.

The one module that asks platformdirs (XDG on Linux), so every place the console reads or
writes agrees: config in the config dir, the incident store and outboxes in the data dir, crash
traces and each console's id in the state dir. The user's folders extend the defaults: a user theme or runbook with
the same name wins.
"""

from __future__ import annotations

from pathlib import Path

APP = "warroom"
_PACKAGE = Path(__file__).resolve().parent


def _packaged(name: str) -> Path:
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name  # a source checkout / editable install


def default_themes_dir() -> Path:
    return _packaged("themes")


def default_runbooks_dir() -> Path:
    return _packaged("runbooks")


def user_config_dir() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP)


def user_data_dir() -> Path:
    """The incident store (SQLite) and PostgreSQL outboxes."""
    from platformdirs import user_data_path

    return user_data_path(APP)


def user_state_dir() -> Path:
    """Crash traces: kept, but not data anyone backs up."""
    from platformdirs import user_state_path

    return user_state_path(APP)


def console_ids_dir() -> Path:
    """Each console's own id file (held locked while it runs): never shared by two consoles."""
    return user_state_dir() / "consoles"


def config_file() -> Path:
    """The default config file (`--config` or WARROOM_CONFIG name another)."""
    return user_config_dir() / "config.toml"


def theme_dirs(extra: tuple[str, ...] = ()) -> list[Path]:
    """Defaults first, then the user's; later ones override earlier ones by theme name."""
    return [default_themes_dir(), user_config_dir() / "themes", *(Path(p) for p in extra)]


def runbook_dirs(extra: tuple[str, ...] = ()) -> list[Path]:
    """Where runbooks are read, the user's first: when two files cover one alert, the team's own
    (configured folders, then the config dir) wins over the ones shipped with warroom."""
    return [*(Path(p) for p in extra), user_config_dir() / "runbooks", default_runbooks_dir()]
