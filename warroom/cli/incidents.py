"""`warroom incidents ...` subcommands (being built)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("incidents", help="incidents (being built)")
    parser.set_defaults(handler=lambda args: 1)
