"""`warroom incidents list|show` and `warroom postmortem export`: the incident store from a shell.

The store is `--store URL`, else `WARROOM_STORE`, else the config file's `store`, else the SQLite
file in the XDG data dir. Errors are one line (WarroomError subclasses, exit 2 via cli.main).
Store modules are imported when a command runs, never at parser build time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from warroom.domain.clock import format_duration
from warroom.domain.errors import StoreError, WarroomError
from warroom.domain.incident import Incident
from warroom.domain.ports import IncidentStore, IncidentSummary

T = TypeVar("T")


def register(sub: Any) -> None:
    incidents: argparse.ArgumentParser = sub.add_parser(
        "incidents", help="list and show incidents in the store"
    )
    inc_sub = incidents.add_subparsers(dest="incidents_command", metavar="ACTION")
    listing = inc_sub.add_parser("list", help="list incidents, newest first")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    _store_arg(listing)
    listing.set_defaults(handler=run_list)
    show = inc_sub.add_parser("show", help="show one incident's timeline")
    show.add_argument("incident", metavar="ID", help="incident id (a unique prefix is enough)")
    show.add_argument("--json", action="store_true", help="entries as JSON")
    _store_arg(show)
    show.set_defaults(handler=run_show)
    incidents.set_defaults(handler=lambda args: _usage(incidents))

    postmortem: argparse.ArgumentParser = sub.add_parser(
        "postmortem", help="export a post-mortem draft"
    )
    pm_sub = postmortem.add_subparsers(dest="postmortem_command", metavar="ACTION")
    export = pm_sub.add_parser("export", help="write the post-mortem Markdown")
    export.add_argument(
        "incident", nargs="?", metavar="INCIDENT", help="incident id (default: the newest)"
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    _store_arg(export)
    export.set_defaults(handler=run_export)
    postmortem.set_defaults(handler=lambda args: _usage(postmortem))


def _store_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="URL",
        help="incident store: a SQLite path or postgresql://... (default: config, then XDG data dir)",
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _store_url(args: argparse.Namespace) -> str:
    """--store, else the environment (WARROOM_STORE, WARROOM_INCIDENT__STORE), else the file."""
    from warroom.config import load_settings

    config = getattr(args, "config", None) or os.environ.get("WARROOM_CONFIG")
    flags = {"incident.store": ("--store", getattr(args, "store", None) or None)}
    return load_settings(Path(config) if config else None, environ=os.environ, flags=flags).store


def _secrets(args: argparse.Namespace) -> tuple[str, ...]:
    """The configured secrets (`configured_secrets`), the store DSN given here included."""
    from dataclasses import replace

    from warroom.cli.live_wiring import configured_secrets
    from warroom.config import load_settings

    config = getattr(args, "config", None) or os.environ.get("WARROOM_CONFIG")
    settings = load_settings(Path(config) if config else None, environ=os.environ)
    return configured_secrets(replace(settings, store=_store_url(args)))


def _with_store(args: argparse.Namespace, work: Callable[[IncidentStore], Awaitable[T]]) -> T:
    from warroom.stores import open_store

    async def main() -> T:
        store = open_store(_store_url(args))
        await store.open()
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(main())


async def _resolve_id(store: IncidentStore, wanted: str | None) -> IncidentSummary:
    summaries = await store.incidents()
    if not summaries:
        raise StoreError("the store holds no incidents")
    if not wanted:
        return summaries[0]
    exact = [s for s in summaries if s.id == wanted]
    matches = exact or [s for s in summaries if s.id.startswith(wanted)]
    if not matches:
        raise WarroomError(f"no incident {wanted!r} in the store")
    if len(matches) > 1:
        raise WarroomError(
            f"{wanted!r} matches {len(matches)} incidents: {', '.join(s.id for s in matches[:5])}"
        )
    return matches[0]


def _summary_dict(s: IncidentSummary) -> dict[str, Any]:
    return {
        "id": s.id,
        "title": s.title,
        "severity": s.severity,
        "status": s.status,
        "declared_at": s.declared_at.isoformat(),
        "resolved_at": s.resolved_at.isoformat() if s.resolved_at else None,
        "entries": s.entries,
        "drill": s.drill,
    }


def run_list(args: argparse.Namespace) -> int:
    summaries = _with_store(args, lambda store: store.incidents())
    if args.json:
        print(json.dumps([_summary_dict(s) for s in summaries], indent=2))
        return 0
    if not summaries:
        print("no incidents")
        return 0
    now = datetime.now(UTC)
    for s in summaries:
        length = format_duration(((s.resolved_at or now) - s.declared_at).total_seconds())
        drill = " [drill]" if s.drill else ""
        print(
            f"{s.id}  {s.severity}  {s.status:<13}  {s.declared_at:%Y-%m-%d %H:%M}Z  "
            f"{length:>8}  {s.entries:>5} entries  {s.title}{drill}"
        )
    return 0


async def _load(store: IncidentStore, wanted: str | None) -> Incident:
    summary = await _resolve_id(store, wanted)
    entries = await store.entries(summary.id)
    try:
        return Incident.from_entries(entries)
    except ValueError as exc:
        raise StoreError(f"incident {summary.id} is damaged: {exc}") from exc


def run_show(args: argparse.Namespace) -> int:
    incident = _with_store(args, lambda store: _load(store, args.incident))
    if args.json:
        print(json.dumps([e.to_dict() for e in incident.entries], indent=2, ensure_ascii=False))
        return 0
    from warroom.domain.redaction import redact

    secrets = _secrets(args)
    print(f"{incident.id}  {incident.severity.value}  {incident.status.value}  {incident.title}")
    print(f"services: {', '.join(incident.services) or '-'}   impact: {incident.impact or '-'}")
    print(f"commander: {incident.commander or '-'}")
    corrected = incident.corrected_ids()
    for e in incident.entries:
        mark = " (corrected)" if e.id in corrected else ""
        back = f" [logged {e.recorded_at:%H:%M:%S}]" if e.backdated else ""
        text = redact(e.text, secrets).replace("\n", " ⏎ ")
        print(f"{e.at:%Y-%m-%d %H:%M:%S}Z{back}  {e.kind.value:<14} {e.author:<20} {text}{mark}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from warroom.export.postmortem import render_postmortem

    incident = _with_store(args, lambda store: _load(store, args.incident))
    text = render_postmortem(incident, now=datetime.now(UTC), secrets=_secrets(args))
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise WarroomError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        print(f"wrote {args.output} ({incident.id})", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
