"""`warroom receive`: Alertmanager's webhook into the alert history, beside the polls.

Point a `webhook_configs` receiver (send_resolved: true) at the listen address; each fire and
resolve lands in the same history the consoles' polls write, counted once. Listens on
127.0.0.1 by default: put a proxy with TLS in front to take it off the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from warroom.cli.incidents import _store_arg, _store_url
from warroom.domain.errors import WarroomError

PRUNE_EVERY_S = 3600.0


def add_history_arguments(parser: argparse.ArgumentParser) -> None:
    """--store, --retention-days, --max-events: shared by the commands that write history."""
    _store_arg(parser)
    parser.add_argument("--retention-days", type=float, default=30.0, metavar="DAYS",
                        help="keep alert history this long (default 30)")  # fmt: skip
    parser.add_argument("--max-events", type=int, default=500_000, metavar="N",
                        help="keep at most this many history events (default 500000)")  # fmt: skip


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "receive", help="receive Alertmanager webhooks into the alert history"
    )
    parser.add_argument("--listen", default="127.0.0.1:9099", metavar="HOST:PORT",
                        help="address to listen on (default 127.0.0.1:9099)")  # fmt: skip
    parser.add_argument("--token-file", metavar="FILE",
                        help="require 'Authorization: Bearer <token>' with the token in FILE")  # fmt: skip
    add_history_arguments(parser)
    parser.set_defaults(handler=run_receive)


def history_store_for(args: argparse.Namespace) -> Any:
    from warroom.stores.history import open_history_store

    return open_history_store(
        _store_url(args),
        retention=timedelta(days=args.retention_days),
        max_events=args.max_events,
    )


def run_receive(args: argparse.Namespace) -> int:
    from warroom.domain.clock import SystemClock
    from warroom.sources.alertmanager_webhook import WebhookReceiver, parse_listen

    try:
        host, port = parse_listen(args.listen)
    except ValueError as exc:
        raise WarroomError(f"--listen {args.listen!r}: {exc}") from None
    token = ""
    if args.token_file:
        try:
            token = Path(args.token_file).read_text().strip()
        except OSError as exc:
            raise WarroomError(f"cannot read --token-file: {exc}") from None
        if not token:
            raise WarroomError("--token-file is empty")

    async def main() -> None:
        store = history_store_for(args)
        await store.open()
        receiver = WebhookReceiver(store, host, port, token=token)
        try:
            await receiver.start()
        except OSError as exc:
            await store.close()
            raise WarroomError(f"cannot listen on {host}:{port}: {exc}") from None
        print(f"warroom receive: listening on http://{host}:{receiver.port}/", file=sys.stderr)
        clock = SystemClock()
        try:
            while True:
                await store.prune(clock.now())
                await asyncio.sleep(PRUNE_EVERY_S)
        finally:
            await receiver.stop()
            await store.close()

    asyncio.run(main())
    return 0
