"""`warroom maintenance list|sync`: recurring maintenance windows from a TOML file in git.

`list` shows each schedule with its next (or current) window. `sync` materialises the windows
due within `--lead` minutes as Alertmanager silences, once (safe to run from several consoles
or a cron job at once; see services/maintenance.py), then exits.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from warroom.domain.errors import WarroomError
from warroom.domain.untrusted import one_line


def default_file() -> Path:
    from warroom.paths import user_config_dir

    return user_config_dir() / "maintenance.toml"


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "maintenance", help="recurring maintenance windows as Alertmanager silences"
    )
    actions = parser.add_subparsers(dest="maintenance_command", metavar="ACTION")
    listing = actions.add_parser("list", help="schedules and their next window")
    sync = actions.add_parser("sync", help="create the silences for windows about to start")
    for p in (listing, sync):
        p.add_argument("--file", metavar="PATH", help="schedules (default: maintenance.toml in the config dir)")  # fmt: skip
    sync.add_argument("--lead", type=float, default=10.0, metavar="MINUTES",
                      help="create a window's silence this long before it starts (default 10)")  # fmt: skip
    sync.add_argument("--config", metavar="PATH", help="config file (default: the XDG config dir)")
    sync.add_argument("--env", dest="environment", metavar="NAME", help="which [environments.NAME]")
    sync.add_argument("--alertmanager", metavar="URL", action="append", help="Alertmanager base URL (repeatable)")  # fmt: skip
    sync.add_argument(
        "--user", metavar="NAME", help="createdBy of the silences (default: warroom maintenance)"
    )
    listing.set_defaults(handler=run_list)
    sync.set_defaults(handler=run_sync)
    parser.set_defaults(handler=lambda args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def load(args: argparse.Namespace) -> list[Any]:
    from warroom.domain.maintenance import ScheduleError, parse_schedules

    path = Path(args.file).expanduser() if args.file else default_file()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WarroomError(f"cannot read maintenance schedules {path}: {exc.strerror}") from None
    try:
        return parse_schedules(text)
    except ScheduleError as exc:
        raise WarroomError(f"{path}: {exc}") from None


def run_list(args: argparse.Namespace) -> int:
    from warroom.domain.clock import SystemClock
    from warroom.domain.maintenance import next_occurrences

    now = SystemClock().now()
    for schedule, window in next_occurrences(load(args), now):
        matchers = ", ".join(str(m) for m in schedule.matchers)
        if window is None:
            when = "never (no date matches)"
        else:
            start, end = window
            state = "now" if start <= now else "next"
            when = f"{state} {start:%a %Y-%m-%d %H:%M}–{end:%H:%M} UTC"
        line = f"{schedule.name}  {when}  [{schedule.schedule_text}]  {{{matchers}}}"
        if schedule.comment:
            line += f"  {schedule.comment}"
        print(one_line(line))
    return 0


def run_sync(args: argparse.Namespace) -> int:
    from warroom.cli.console import resolve_settings
    from warroom.cli.live_wiring import build_live_sources
    from warroom.domain.clock import SystemClock
    from warroom.services.maintenance import MaintenanceMaterialiser

    schedules = load(args)
    settings = resolve_settings(args)
    sources = build_live_sources(settings).alert_sources

    async def main() -> int:
        materialiser = MaintenanceMaterialiser(
            sources,
            schedules,
            SystemClock(),
            lead=timedelta(minutes=args.lead),
            created_by=(getattr(args, "user", None) or "").strip() or "warroom maintenance",
        )
        try:
            result = await materialiser.tick()
        finally:
            for source in sources:
                await source.aclose()
        for silence_id in result.created:
            print(f"created silence {silence_id}")
        for error in result.errors:
            print(one_line(f"warroom: {error}"), file=sys.stderr)
        return 1 if result.errors else 0

    return asyncio.run(main())
