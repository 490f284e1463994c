"""`warroom serve`: the console in a browser, for the room's projector or TV where no terminal is
at hand. Published through textual-serve, always read-only (viewer mode is forced: every write is
refused whatever is pressed in the page), in the high-contrast theme unless another is named.

textual-serve has no authentication: anyone who reaches the port sees the console. It listens on
127.0.0.1 by default; any other address needs `--allow-remote`, and is said out loud.
Each browser tab starts its own console (textual-serve runs the command once per session).
Export (`e`, a read) there hands the post-mortem to that browser as a download (the console
sees `App.is_web`); nothing is written in the server's working directory.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys
from typing import Any

from warroom.domain.errors import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_THEME = "warroom-high-contrast"  # a wall screen is read from across the room
NO_AUTH_WARNING = (
    "warroom serve: listening on {where}: textual-serve has no authentication, anyone who "
    "can reach this address sees the console (read-only)"
)
# console flags passed on to each session's console as they were given
_FORWARD = {
    "config": "--config",
    "environment": "--env",
    "refresh_s": "--refresh",
    "user": "--user",
    "store": "--store",
    "prometheus": "--prometheus",
    "alertmanager": "--alertmanager",
    "runbooks": "--runbooks",
}
_DRILL = {"scenario": "--scenario", "speed": "--speed", "seed": "--seed"}


def register(sub: Any) -> None:
    from warroom.cli.console import add_console_arguments

    parser: argparse.ArgumentParser = sub.add_parser(
        "serve",
        help="publish the console read-only in a browser (wall screens, projectors)",
        description=(
            "Publish the console read-only (viewer mode) in a browser through textual-serve. "
            "textual-serve has no authentication: it listens on 127.0.0.1 unless "
            "--allow-remote is given."
        ),
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (no authentication: anyone who reaches it can see)",
    )
    parser.add_argument(
        "--public-url", metavar="URL", help="the URL browsers use, when behind a proxy"
    )
    parser.add_argument("--drill", action="store_true", help="serve a drill, not the live console")
    parser.add_argument("--scenario", metavar="NAME", help="drill scenario (with --drill)")
    parser.add_argument("--speed", type=float, metavar="X", help="drill time compression")
    parser.add_argument("--seed", type=int, metavar="N", help="drill random seed")
    add_console_arguments(parser, subcommand=True)
    parser.set_defaults(handler=run_serve)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve anywhere


def console_command(args: argparse.Namespace) -> list[str]:
    """The console each browser session runs: this interpreter's warroom, the drill or the live
    console with the flags given, viewer mode forced, the high-contrast theme by default."""
    argv = [sys.executable, "-m", "warroom"]
    if args.drill:
        argv.append("drill")
        for name, flag in _DRILL.items():
            if getattr(args, name, None) is not None:
                argv += [flag, str(getattr(args, name))]
    elif any(getattr(args, name, None) is not None for name in _DRILL):
        raise ConfigError("--scenario, --speed and --seed need --drill")
    for name, flag in _FORWARD.items():
        value = getattr(args, name, None)
        for item in value if isinstance(value, list) else [] if value is None else [value]:
            argv += [flag, str(item)]
    return [*argv, "--theme", getattr(args, "theme", None) or DEFAULT_THEME, "--viewer"]


def run_serve(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise ConfigError(f"--port: expected 1-65535, got {args.port}")
    if not is_loopback(args.host) and not args.allow_remote:
        raise ConfigError(
            f"--host {args.host} is not a loopback address; textual-serve has no "
            "authentication: add --allow-remote to publish the console there"
        )
    command = shlex.join(console_command(args))
    where = f"{args.host}:{args.port}"
    if not is_loopback(args.host):
        print(NO_AUTH_WARNING.format(where=where), file=sys.stderr)
    try:
        _server(command, args).serve()
    except OSError as exc:  # the address is not this host's, or the port is taken
        raise ConfigError(f"cannot listen on {where}: {exc.strerror or exc}") from None
    return 0


def _server(command: str, args: argparse.Namespace) -> Any:
    """textual-serve's server, saying where it listens but never the command it runs (whose
    flags may carry a store DSN with its password)."""
    from textual_serve.server import Server

    class WallScreenServer(Server):
        async def on_startup(self, app: object) -> None:
            self.console.print(
                f"warroom serve: the console, read-only, on {self.public_url} (ctrl+c stops)",
                highlight=False,
                markup=False,
            )

    return WallScreenServer(
        command,
        host=args.host,
        port=args.port,
        title="warroom (read-only)",
        public_url=args.public_url,
    )
