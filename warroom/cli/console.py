"""The live console: flags shared by every console mode, and wiring of live sources (being built)."""

from __future__ import annotations

import argparse


def add_console_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="PATH", help="config file (default: XDG config dir)")


def run_live(args: argparse.Namespace) -> int:
    return 2
