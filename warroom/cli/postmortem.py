"""`warroom postmortem export` and `warroom followups`: the review's documents from a shell.

The export writes Markdown (default), JSON (`warroom/export/postmortem.schema.json`) or the
action items as CSV; with a Prometheus configured it reads the incident's own signals for
its window (unless the log already holds recorded series). A file is never overwritten
silently: an existing `-o FILE` is refused unless `--force`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from warroom.domain.errors import WarroomError
from warroom.domain.incident import EntryKind, Incident
from warroom.domain.untrusted import one_line

FORMATS = ("md", "json", "csv")
DONE = frozenset({"done", "closed", "resolved", "won't do", "wontfix", "cancelled"})


def register(sub: Any, store_arg: Any) -> None:
    postmortem: argparse.ArgumentParser = sub.add_parser(
        "postmortem", help="export a post-mortem draft"
    )
    pm_sub = postmortem.add_subparsers(dest="postmortem_command", metavar="ACTION")
    export = pm_sub.add_parser("export", help="write the post-mortem (Markdown, JSON or CSV)")
    export.add_argument(
        "incident", nargs="?", metavar="INCIDENT", help="incident id (default: the newest)"
    )
    export.add_argument(
        "--format",
        choices=FORMATS,
        default="md",
        help="md: the review document; json: versioned schema; csv: action items for Jira",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    export.add_argument(
        "--prometheus", metavar="URL", help="read the incident's signals from this Prometheus"
    )
    export.add_argument(
        "--no-signals", action="store_true", help="do not query Prometheus for the signals"
    )
    store_arg(export)
    export.set_defaults(handler=run_export)
    postmortem.set_defaults(handler=lambda args: _usage(postmortem))

    followups = sub.add_parser(
        "followups", help="open action items across all incidents, overdue first"
    )
    followups.add_argument("--json", action="store_true", help="machine-readable output")
    store_arg(followups)
    followups.set_defaults(handler=run_followups)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _settings(args: argparse.Namespace) -> Any:
    from warroom.cli.console import resolve_settings

    return resolve_settings(args)


def render(
    incident: Incident,
    fmt: str,
    *,
    now: datetime,
    signals: dict[str, Any] | None = None,
    secrets: list[str] | tuple[str, ...] = (),
) -> str:
    """The export in one of FORMATS (the console's export and the CLI share this)."""
    from warroom.export.model import build_postmortem

    model = build_postmortem(incident, now=now, signals=signals, secrets=secrets)
    if fmt == "json":
        from warroom.export.json_export import write_json

        return write_json(model)
    if fmt == "csv":
        from warroom.export.csv_export import write_csv

        return write_csv(model)
    from warroom.export.postmortem import write_markdown

    return write_markdown(model)


def write_new(path: Path, text: str, *, force: bool) -> None:
    """Create `path`; an existing file is refused unless `force`."""
    try:
        with path.open("w" if force else "x", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except FileExistsError:
        raise WarroomError(f"{path} exists: choose another name or pass --force") from None
    except OSError as exc:
        raise WarroomError(f"cannot write {path}: {exc.strerror or exc}") from None


def run_export(args: argparse.Namespace) -> int:
    from warroom.cli.incident_signals import prometheus_tracks
    from warroom.cli.incidents import load_incident, with_store
    from warroom.cli.live_wiring import configured_secrets

    settings = _settings(args)
    incident = with_store(args, lambda store: load_incident(store, args.incident))
    now = datetime.now(UTC)
    warnings: list[str] = []
    signals: dict[str, Any] = {}
    recorded = any(e.kind is EntryKind.SERIES for e in incident.entries)
    if not args.no_signals and not recorded:
        signals = asyncio.run(prometheus_tracks(settings, incident, now, warnings))
    text = render(
        incident, args.format, now=now, signals=signals, secrets=configured_secrets(settings)
    )
    for line in warnings:
        print(f"warroom: signal not read: {one_line(line)}", file=sys.stderr)
    if args.output:
        write_new(Path(args.output), text, force=args.force)
        print(f"wrote {one_line(args.output)} ({one_line(incident.id)})", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def due_date(text: str, since: datetime) -> date | None:
    """`2026-03-21`, or `03-21` (the next such day after the incident); else None."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        month, day = (int(p) for p in text.split("-", 1))
        due = date(since.year, month, day)
    except ValueError:
        return None
    return due if due >= since.date() else date(since.year + 1, month, day)


def open_followups(incidents: list[Incident], today: date) -> list[dict[str, Any]]:
    """Open action items, overdue first, then by due date (undated last), then incident."""
    rows: list[dict[str, Any]] = []
    for incident in incidents:
        from warroom.export.model import build_postmortem

        model = build_postmortem(incident, now=incident.resolved_at or incident.declared_at)
        for item in model.action_items:
            if item.status.strip().lower() in DONE:
                continue
            due = due_date(item.due, incident.declared_at)
            rows.append(
                {
                    "incident": model.incident_id,
                    "title": model.title,
                    "action": item.action,
                    "type": item.type,
                    "owner": item.owner,
                    "due": due.isoformat() if due else item.due,
                    "overdue": bool(due and due < today),
                    "ticket": item.ticket,
                    "status": item.status,
                }
            )
    rows.sort(
        key=lambda r: (
            not r["overdue"],
            r["due"] == "" or r["due"][:1].isalpha(),
            r["due"],
            r["incident"],
        )
    )
    return rows


def run_followups(args: argparse.Namespace) -> int:
    from warroom.cli.incidents import load_all, with_store

    incidents = with_store(args, load_all)
    rows = open_followups(incidents, datetime.now(UTC).date())
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=True))
        return 0
    if not rows:
        print("no open action items")
        return 0
    for r in rows:
        flag = "OVERDUE" if r["overdue"] else "       "
        print(
            f"{flag}  {one_line(r['due'] or '-'):<10}  {one_line(r['owner'] or '(no owner)'):<16}  "
            f"{one_line(r['action'])}  [{one_line(r['incident'])}]"
        )
    return 0
