"""`warroom drill`: the console on a built-in simulated incident (being built)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("drill", help="run a simulated incident")
    parser.set_defaults(handler=lambda args: 1)
