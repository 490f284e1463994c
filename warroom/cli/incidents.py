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
from warroom.domain.incident import Entry, EntryKind, Incident
from warroom.domain.milestones import incident_clock, incident_times
from warroom.domain.ports import IncidentStore, IncidentSummary
from warroom.domain.untrusted import one_line

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

    correct = inc_sub.add_parser(
        "correct", help="correct a milestone (a correction entry: history is kept)"
    )
    correct.add_argument("incident", metavar="ID", help="incident id (a unique prefix is enough)")
    correct.add_argument(
        "milestone",
        metavar="MILESTONE",
        help="impact_started, detected, declared, acknowledged, fix_applied, mitigated, resolved",
    )
    correct.add_argument(
        "at", metavar="TIME", help="ISO 8601 time, UTC unless it says (2026-03-14T13:52:00Z)"
    )
    correct.add_argument("--reason", default="", help="why (shown in the post-mortem)")
    correct.add_argument("--user", metavar="NAME", help="who corrects (default: USER @ host)")
    _store_arg(correct)
    correct.set_defaults(handler=run_correct)
    incidents.set_defaults(handler=lambda args: _usage(incidents))

    from warroom.cli import postmortem

    postmortem.register(sub, _store_arg)


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
    if getattr(args, "store", None):
        return str(args.store)
    if os.environ.get("WARROOM_STORE"):
        return os.environ["WARROOM_STORE"]
    from warroom.config import load_settings

    config = getattr(args, "config", None)
    return load_settings(Path(config) if config else None).store


def with_store(args: argparse.Namespace, work: Callable[[IncidentStore], Awaitable[T]]) -> T:
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


def times_dict(incident: Incident) -> dict[str, Any]:
    """The incident clock as the CLIs print it (the one `incident_times`)."""
    clock = incident_clock(incident)
    times = clock.times()
    return {
        "impact_started_at": times.started_at.isoformat(),
        **times.as_dict(),
        "milestones": {m.value: t.at.isoformat() for m, t in clock.milestones.items()},
    }


def _summary_dict(s: IncidentSummary, incident: Incident | None) -> dict[str, Any]:
    return {
        "id": s.id,
        "title": s.title,
        "severity": s.severity,
        "status": s.status,
        "declared_at": s.declared_at.isoformat(),
        "resolved_at": s.resolved_at.isoformat() if s.resolved_at else None,
        "entries": s.entries,
        "drill": s.drill,
        **(times_dict(incident) if incident is not None else {}),
    }


async def _with_incidents(store: IncidentStore) -> list[tuple[IncidentSummary, Incident | None]]:
    out: list[tuple[IncidentSummary, Incident | None]] = []
    for s in await store.incidents():
        try:
            out.append((s, Incident.from_entries(await store.entries(s.id))))
        except ValueError:
            out.append((s, None))
    return out


async def load_all(store: IncidentStore) -> list[Incident]:
    return [i for _, i in await _with_incidents(store) if i is not None]


def _d(seconds: float | None) -> str:
    return "-" if seconds is None else format_duration(seconds)


def run_list(args: argparse.Namespace) -> int:
    rows = with_store(args, _with_incidents)
    if args.json:
        print(json.dumps([_summary_dict(s, i) for s, i in rows], indent=2, ensure_ascii=True))
        return 0
    if not rows:
        print("no incidents")
        return 0
    now = datetime.now(UTC)
    for s, incident in rows:
        drill = " [drill]" if s.drill else ""
        if incident is not None:
            t = incident_times(incident)
            length = _d(((incident.resolved_at or now) - t.started_at).total_seconds())
            times = f"TTA {_d(t.to_acknowledge):>7}  TTM {_d(t.to_mitigate):>7}  TTR {_d(t.to_resolve):>7}"
        else:
            length, times = "-", "damaged"
        print(
            f"{one_line(s.id)}  {s.severity}  {s.status:<13}  {s.declared_at:%Y-%m-%d %H:%M}Z  "
            f"{length:>8}  {times}  {s.entries:>5} entries  {one_line(s.title)}{drill}"
        )
    return 0


async def load_incident(store: IncidentStore, wanted: str | None) -> Incident:
    summary = await _resolve_id(store, wanted)
    entries = await store.entries(summary.id)
    try:
        return Incident.from_entries(entries)
    except ValueError as exc:
        raise StoreError(f"incident {summary.id} is damaged: {exc}") from exc


def run_show(args: argparse.Namespace) -> int:
    from warroom.cli.live_wiring import configured_secrets
    from warroom.domain.redaction import redact

    incident = with_store(args, lambda store: load_incident(store, args.incident))
    try:
        secrets = configured_secrets(_settings(args))
    except WarroomError:
        secrets = ()

    def clean(text: object) -> str:
        return one_line(redact(str(text), secrets))

    if args.json:
        rows = [e.to_dict() for e in incident.entries]
        for row in rows:
            row["text"] = redact(row["text"], secrets)
        print(json.dumps(rows, indent=2, ensure_ascii=True))
        return 0
    print(
        f"{clean(incident.id)}  {incident.severity.value}  {incident.status.value}  {clean(incident.title)}"
    )
    print(
        f"services: {clean(', '.join(incident.services)) or '-'}   impact: {clean(incident.impact) or '-'}"
    )
    print(f"commander: {clean(incident.commander or '-')}")
    clock = incident_clock(incident)
    t = clock.times()
    print(
        f"time to detect {_d(t.to_detect)}, acknowledge {_d(t.to_acknowledge)}, "
        f"mitigate {_d(t.to_mitigate)}, resolve {_d(t.to_resolve)} "
        f"(from {t.started_at:%Y-%m-%d %H:%M:%S}Z, impact started)"
    )
    for m, mt in clock.milestones.items():
        fix = " (corrected)" if mt.corrected else ""
        print(f"  {m.label:<16} {mt.at:%Y-%m-%d %H:%M:%S}Z  {clean(mt.source)}{fix}")
    corrected = incident.corrected_ids()
    for e in incident.entries:
        if e.kind is EntryKind.SERIES:
            continue
        mark = " (corrected)" if e.id in corrected else ""
        back = f" [logged {e.recorded_at:%H:%M:%S}]" if e.backdated else ""
        print(
            f"{e.at:%Y-%m-%d %H:%M:%S}Z{back}  {e.kind.value:<14} {clean(e.author):<20} "
            f"{clean(e.text)}{mark}"
        )
    return 0


def _settings(args: argparse.Namespace) -> Any:
    from warroom.cli.console import resolve_settings

    return resolve_settings(args)


def run_correct(args: argparse.Namespace) -> int:
    from warroom.config import person_at_keyboard
    from warroom.domain.clock import utc
    from warroom.domain.milestones import Milestone, correct_milestone

    try:
        milestone = Milestone.parse(args.milestone)
        at = utc(datetime.fromisoformat(args.at.replace("Z", "+00:00")))
    except ValueError as exc:
        raise WarroomError(str(exc).splitlines()[0]) from None

    async def work(store: IncidentStore) -> Entry:
        incident = await load_incident(store, args.incident)
        entry = correct_milestone(
            incident,
            milestone,
            at,
            reason=args.reason,
            author=person_at_keyboard(args.user or ""),
            now=datetime.now(UTC),
        )
        await store.append(entry)
        return entry

    entry = with_store(args, work)
    print(one_line(entry.text))
    return 0
