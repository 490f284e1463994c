"""The console: flags every console mode shares, settings resolution, and running the app.

Imports of Textual, the UI and the sources happen inside the functions that need them, so
`warroom --help` is instant and the first frame waits only for what it draws.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from warroom.config import Settings, load_settings, with_overrides

NO_CONFIG_HELP = """\
warroom: nothing to watch yet.

  Point it at your servers:   warroom --prometheus http://prometheus:9090 --alertmanager http://alertmanager:9093
  or write a config file:     {config}   (see README: "Live mode")
  or try the built-in drill:  warroom drill
"""


def add_console_arguments(parser: argparse.ArgumentParser, *, subcommand: bool = False) -> None:
    """The flags every console mode takes. On a subcommand (`warroom drill --user bob`) they
    default to absent, so the same flag given before it (`warroom --user bob drill`) counts:
    argparse would otherwise let the subcommand's defaults overwrite it."""

    def add(*names: str, **options: Any) -> None:
        options["default"] = argparse.SUPPRESS if subcommand else options.get("default")
        parser.add_argument(*names, **options)

    _add_console_arguments(add)


def _add_console_arguments(add: Any) -> None:
    add("--config", metavar="PATH", help="config file (default: the XDG config dir)")
    add("--env", dest="environment", metavar="NAME", help="which [environments.NAME] to watch")
    add("--theme", metavar="NAME", help="colour theme (warroom-dark, warroom-light, ...)")
    add(
        "--viewer",
        action="store_true",
        default=None,
        help="shared-screen mode: shows everything, runs nothing",
    )
    add(
        "--refresh",
        dest="refresh_s",
        type=float,
        metavar="SECONDS",
        help="poll interval (default 5)",
    )
    add("--user", metavar="NAME", help="who is at the keyboard (default: SUDO_USER or USER @ host)")
    add("--store", metavar="URL", help="incident store: a SQLite path or postgresql://...")
    add("--prometheus", metavar="URL", help="Prometheus base URL (no config file needed)")
    add("--alertmanager", metavar="URL", action="append", help="Alertmanager base URL (repeatable)")
    add(
        "--runbooks",
        metavar="PATH",
        action="append",
        help="extra runbook file or folder (repeatable)",
    )


def resolve_settings(args: argparse.Namespace) -> Settings:
    """File, then WARROOM_* environment, then flags, validated together."""
    config = getattr(args, "config", None) or os.environ.get("WARROOM_CONFIG")
    prometheus = getattr(args, "prometheus", None)
    alertmanagers = getattr(args, "alertmanager", None) or ()
    # with server URLs, --env may name a new environment that the URLs make
    environment = getattr(args, "environment", None)
    urls = bool(prometheus or alertmanagers)
    flags = {
        "environment": ("--env", None if urls else environment),
        "ui.theme": ("--theme", getattr(args, "theme", None)),
        "ui.viewer": ("--viewer", getattr(args, "viewer", None)),
        "ui.refresh_s": ("--refresh", getattr(args, "refresh_s", None)),
        "ui.user": ("--user", getattr(args, "user", None)),
        "incident.store": ("--store", getattr(args, "store", None)),
    }
    settings = load_settings(
        Path(config).expanduser() if config else None, environ=os.environ, flags=flags
    )
    extra = tuple(getattr(args, "runbooks", None) or ())
    if extra:
        settings = with_overrides(settings, runbook_paths=(*settings.runbook_paths, *extra))
    from warroom.cli.live_wiring import settings_from_urls

    return settings_from_urls(settings, prometheus, alertmanagers, environment)


def run_live(args: argparse.Namespace) -> int:
    settings = resolve_settings(args)
    if settings.active_environment is None:
        from warroom.config import default_config_path

        print(NO_CONFIG_HELP.format(config=default_config_path()), file=sys.stderr, end="")
        return 2
    from warroom.cli.live_wiring import build_live_sources
    from warroom.domain.clock import SystemClock

    clock = SystemClock()
    # the first answers are on their way while the rest and the UI are imported
    sources = build_live_sources(settings, clock, prefetch=True)
    return run_console(settings, sources, clock)


def run_console(
    settings: Settings,
    sources: Any,
    clock: Any,
    *,
    scenario: str = "",
    store_url: str | None = None,
) -> int:
    """Wire the store and runbooks, build the app, run it, close what was opened."""
    from warroom.cli.crash import raise_if_crashed
    from warroom.cli.keymap import check_settings_keymap
    from warroom.cli.live_wiring import configured_secrets
    from warroom.config import person_at_keyboard
    from warroom.paths import console_ids_dir, runbook_dirs
    from warroom.stores import open_store
    from warroom.stores.console_id import claim_console_id
    from warroom.ui.app import build_app
    from warroom.ui.context import ConsoleContext

    check_settings_keymap(settings)  # before anything opens: a bad keymap is one line, exit 2
    url = settings.store if store_url is None else store_url
    identity = claim_console_id(console_ids_dir())  # held (locked) until this process ends
    store = open_store(url, start_offline_ok=True, console_id=identity.id)
    history = open_history(settings, url)
    ctx = ConsoleContext(
        settings=settings,
        sources=sources,
        clock=clock,
        library=None,  # parsed after the first frame
        runbook_paths=tuple(p for p in runbook_dirs(settings.runbook_paths) if p.exists()),
        store=store,
        author=person_at_keyboard(settings.user),
        viewer=settings.viewer,
        scenario=scenario,
        secrets=configured_secrets(settings),
        history=history,
        console_id=identity.id,
    )
    app = build_app(ctx)
    try:
        app.run()
    finally:
        identity.release()  # the next console started here may take this id (and its queue)
    raise_if_crashed(app)
    return app.return_code or 0


def open_history(settings: Settings, store_url: str) -> Any:
    """The alert history beside the incident store (opened by the console in a worker, closed
    with the store on exit); None, with a warning, when the store URL names none."""
    from datetime import timedelta

    from warroom.domain.errors import StoreError
    from warroom.stores.history import open_history_store

    try:
        return open_history_store(
            store_url,
            retention=timedelta(days=settings.history_retention_days),
            max_events=settings.history_max_events,
        )
    except StoreError as exc:
        print(f"warroom: no alert history: {exc}", file=sys.stderr)
        return None
