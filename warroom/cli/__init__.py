"""The composition root: parse arguments, load settings, wire sources, run.

Subcommands live in sibling modules, each with `register(subparsers)` and a handler that
imports what it needs when it runs, so `warroom --help` and the first frame stay fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from warroom import __version__
from warroom.domain.errors import WarroomError
from warroom.domain.untrusted import one_line


def build_parser() -> argparse.ArgumentParser:
    from warroom.cli import console, drill, incidents, maintenance, receive, runbooks, serve

    parser = argparse.ArgumentParser(
        prog="warroom",
        description="A terminal war-room console for incident commanders.",
    )
    parser.add_argument("--version", action="version", version=f"warroom {__version__}")
    console.add_console_arguments(parser)
    parser.set_defaults(handler=console.run_live)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    drill.register(sub)
    runbooks.register(sub)
    incidents.register(sub)
    receive.register(sub)
    maintenance.register(sub)
    serve.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Every way out is one line: a known error (exit 2), Ctrl-C (130), a
    closed pipe (141, silent) or a crash (70, with where the full trace was written)."""
    from warroom.cli.crash import quiet_broken_pipe, report_crash
    from warroom.cli.interpreter import collector_tuned

    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        with collector_tuned():
            code = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows up here, not in the interpreter's exit
        return code
    except WarroomError as exc:
        print(f"warroom: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return quiet_broken_pipe()
    except SystemExit:
        raise  # argparse's --help / usage errors
    except Exception as exc:
        return report_crash(exc)
