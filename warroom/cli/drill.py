"""`warroom drill`: the console on a built-in simulated incident, for newcomers and rehearsals."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    from warroom.cli.console import add_console_arguments

    parser: argparse.ArgumentParser = sub.add_parser(
        "drill",
        help="run the console on a simulated incident (nothing real is touched)",
        description="Run the console on a built-in simulated incident. No command really runs.",
    )
    parser.add_argument(
        "--scenario", metavar="NAME", help="scenario name or TOML file (see --list)"
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        metavar="X",
        help="time compression (10 = ten drill seconds per second)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, metavar="N", help="random seed (same seed, same drill)"
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    add_console_arguments(parser, subcommand=True)
    parser.set_defaults(handler=run_drill)


def run_drill(args: argparse.Namespace) -> int:
    from warroom.drill import DEFAULT_SCENARIO, DrillWorld, list_scenarios, load_scenario

    if args.list:
        for info in list_scenarios():
            marker = "*" if info.name == DEFAULT_SCENARIO else " "
            print(f"{marker} {info.name:<16} {info.title}")
            if info.description:
                print(f"  {'':<16} {info.description}")
        return 0
    import time
    from dataclasses import replace

    from warroom.cli.console import resolve_settings, run_console
    from warroom.paths import user_data_dir

    settings = resolve_settings(args)
    scenario = load_scenario(args.scenario or DEFAULT_SCENARIO)
    world = DrillWorld(scenario, seed=args.seed, speed=args.speed)
    sources = world.sources()
    # Each drill keeps its own incident store: rehearsals never mix with real incidents, and a
    # new drill never resumes the last one's incident.
    store = settings.store or str(
        user_data_dir() / "drills" / f"{time.strftime('%Y%m%d-%H%M%S')}-{scenario.name}.db"
    )
    if not settings.store:
        Path(store).parent.mkdir(parents=True, exist_ok=True)
    settings = replace(settings, store=store)
    code = run_console(settings, sources, world.clock, scenario=scenario.name)
    for line in quit_summary(world, store, settings):
        print(line)
    print(f"  incident log        {store}")
    print(f"  post-mortem         {postmortem_command(store)}")
    return code


def postmortem_command(store: str) -> str:
    """The quit summary's command, to be typed as printed (in the directory it ran from)."""
    return f"{_warroom_command()} postmortem export --store {shlex.quote(store)}"


def _warroom_command() -> str:
    """`warroom` as the person can type it: the bare name when it is on PATH, else the path of
    this very program (e.g. `.venv/bin/warroom` after `make drill`)."""
    here = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    found = shutil.which("warroom")
    if found and (here is None or Path(found).resolve() == here.resolve()):
        return "warroom"
    if here is not None and here.name == "warroom" and here.exists():
        try:
            return shlex.quote(os.path.relpath(here))
        except ValueError:
            return shlex.quote(str(here))
    return "warroom" if found else f"{shlex.quote(sys.executable)} -m warroom"


def quit_summary(world: Any, store_url: str, settings: Any) -> list[str]:
    """Record the drill's signals in its store, then time it from the incident log."""
    import asyncio

    from warroom.domain.errors import WarroomError
    from warroom.domain.milestones import incident_times
    from warroom.drill.record import finish_drill, summary_lines
    from warroom.stores import open_store

    async def finish() -> Any:
        store = open_store(store_url)
        await store.open()
        try:
            return await finish_drill(store, world, settings.signals)
        finally:
            await store.close()

    try:
        incident = asyncio.run(finish())
    except WarroomError as exc:
        return [f"warroom: drill summary: {exc}", *summary_lines(world.summary(), None)]
    times = incident_times(incident) if incident is not None else None
    return summary_lines(world.summary(), times)
