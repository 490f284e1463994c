"""The post-mortem draft: Markdown from the incident's timeline, ready for the review meeting.

Pure: the same incident, signals and `now` give the same bytes (a golden test holds that).
Everything a person typed is redacted, then escaped for Markdown: table cells escape `|` and
fold newlines, so a pasted log line cannot break the table; bare URLs become autolinks. The
output passes pymarkdown (line length aside: tables are as wide as their content).
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from warroom.domain.clock import format_duration
from warroom.domain.incident import (
    DEFAULT_POLICIES,
    EntryKind,
    Incident,
    IncidentSeverity,
    Role,
    SeverityPolicy,
    incident_metrics,
)
from warroom.domain.signals import Sample, Series, format_value, sparkline_text
from warroom.domain.redaction import redact

SignalData = Sequence[float] | Sequence[Sample] | Series

EVENT_NAMES = {
    EntryKind.DECLARED: "Incident declared",
    EntryKind.NOTE: "Note",
    EntryKind.DECISION: "Decision",
    EntryKind.ACTION_ITEM: "Action item",
    EntryKind.STATUS: "Status change",
    EntryKind.ROLE: "Role change",
    EntryKind.SEVERITY: "Severity change",
    EntryKind.ALERT_FIRED: "Alert fired",
    EntryKind.ALERT_RESOLVED: "Alert resolved",
    EntryKind.ALERT_ACKED: "Alert acknowledged",
    EntryKind.SILENCE: "Silence",
    EntryKind.STEP_RUN: "Runbook step run",
    EntryKind.STATUS_UPDATE: "Status update sent",
    EntryKind.SNAPSHOT: "Signal snapshot",
    EntryKind.CORRECTION: "Correction",
}

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")
_URL = re.compile(r"https?://[^\s<>|\"'`]+[^\s<>|\"'`.,;:!?)\]]")


class _Md:
    """Redact-then-escape, with the incident's explicit secrets."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = tuple(secrets)
        self._cache: dict[str, str] = {}

    def text(self, raw: object) -> str:
        """Inline text: escaped, URLs as autolinks, newlines folded (memoised: authors and
        alert names repeat thousands of times in a long timeline)."""
        key = str(raw)
        done = self._cache.get(key)
        if done is None:
            done = self._cache[key] = self._text(key)
        return done

    def _text(self, raw: str) -> str:
        value = redact(raw, self.secrets)
        out: list[str] = []
        pos = 0
        for m in _URL.finditer(value):
            out.append(_SPECIAL.sub(r"\\\1", value[pos : m.start()]))
            out.append(f"<{m.group(0)}>")
            pos = m.end()
        out.append(_SPECIAL.sub(r"\\\1", value[pos:]))
        return _fold("".join(out))

    def code(self, raw: object) -> str:
        """A code span inside a table cell (`|` still escaped: GFM splits cells first)."""
        value = _fold(redact(str(raw), self.secrets)).replace("|", "\\|")
        if not value:
            return ""
        ticks = "`" * (max((len(t) for t in re.findall(r"`+", value)), default=0) + 1)
        pad = " " if value.startswith("`") or value.endswith("`") else ""
        return f"{ticks}{pad}{value}{pad}{ticks}"


def _fold(value: str) -> str:
    """One line: newlines become ' ⏎ ', runs of spaces collapse (tables stay tables)."""
    if "\n" not in value and "\r" not in value and "  " not in value and "\t" not in value:
        return value.strip()
    parts = [p.strip() for p in value.replace("\r\n", "\n").split("\n")]
    return re.sub(r"[ \t]{2,}", " ", " ⏎ ".join(p for p in parts if p)).strip()


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(cell.strip() or "—" for cell in row) + " |")
    return lines


def _item(text: str) -> str:
    """A list item wrapped at 80 columns (continuation lines indented, as lists need)."""
    return "\n".join(
        textwrap.wrap(
            text,
            width=80,
            initial_indent="- ",
            subsequent_indent="  ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    )


def _prompt(text: str) -> str:
    return f"_{text}_"


def _utc(at: datetime, with_date: bool) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}" if with_date else f"{at:%H:%M:%S}"


def _duration(seconds: float | None) -> str:
    return "—" if seconds is None else format_duration(seconds)


def _values(data: Any) -> tuple[list[float], str]:
    """Numbers (and the unit when known) from a Series, samples or plain floats."""
    if isinstance(data, Series):
        return [v for v in data.values() if not math.isnan(v)], data.spec.unit
    out: list[float] = []
    for item in data:
        value = item.value if isinstance(item, Sample) else float(item)
        if not math.isnan(value):
            out.append(value)
    return out, ""


def render_postmortem(
    incident: Incident,
    *,
    signals: Mapping[str, SignalData] | None = None,
    now: datetime,
    policies: Mapping[IncidentSeverity, SeverityPolicy] = DEFAULT_POLICIES,
    secrets: Iterable[str] = (),
) -> str:
    """The whole draft as Markdown (ends with one newline)."""
    md = _Md(secrets)
    policy = policies.get(incident.severity, DEFAULT_POLICIES[incident.severity])
    entries = sorted(incident.entries, key=lambda e: (e.at, e.recorded_at, e.id))
    corrections = {e.corrects: e for e in entries if e.corrects}
    by_id = {e.id: e for e in entries}
    end = incident.resolved_at
    start_day = incident.declared_at.date()
    multi_day = any(e.at.date() != start_day for e in entries) or (
        end is not None and end.date() != start_day
    )
    metrics = incident_metrics(incident)

    out: list[str] = [f"# Post-mortem: {md.text(incident.title)}", ""]
    out += [
        f"Incident {md.text(incident.id)}, drafted by warroom at {now:%Y-%m-%d %H:%M} UTC",
        "from the incident log. The prompts in italics are for the review meeting.",
        "",
    ]
    if incident.drill:
        out += ["**This was a drill.**", ""]

    # ---------------------------------------------------------------- summary
    severity = incident.severity.value
    initial = next((e.data.get("severity") for e in entries if e.kind is EntryKind.DECLARED), None)
    if initial and initial != severity:
        severity += f" (declared as {initial})"
    roles = [
        f"{role.label}: {md.text(', '.join(incident.roles[role]))}"
        for role in (Role.TECH_LEAD, Role.COMMS_LEAD, Role.SCRIBE, Role.OBSERVER)
        if incident.roles.get(role)
    ]
    first_alert = incident.first_at(EntryKind.ALERT_FIRED)
    start_text = f"{incident.declared_at:%H:%M:%S} UTC (declared)"
    if first_alert is not None and first_alert < incident.declared_at:
        start_text = f"{first_alert:%H:%M:%S} UTC (first alert); declared {incident.declared_at:%H:%M:%S} UTC"
    summary = [
        f"**Date:** {incident.declared_at:%Y-%m-%d}",
        f"**Start:** {start_text}",
        "**End:** "
        + (f"{end:%Y-%m-%d %H:%M:%S} UTC" if end else "not resolved at the time of export"),
        f"**Duration:** {format_duration(((end or now) - metrics.started_at).total_seconds())}"
        + ("" if end else " so far"),
        f"**Severity:** {severity}",
        f"**Services affected:** {md.text(', '.join(incident.services)) or _prompt('which services?')}",
        f"**Impact:** {md.text(incident.impact) or _prompt('who was affected, how, how many?')}",
        f"**Incident commander:** {md.text(incident.commander or '') or _prompt('who?')}",
    ]
    if roles:
        summary.append(f"**Roles:** {'; '.join(roles)}")
    out += ["## Summary", "", *(_item(line) for line in summary), ""]

    # ---------------------------------------------------------------- timeline
    rows = []
    for e in entries:
        when = _utc(e.at, multi_day)
        if e.backdated:
            when += f" (logged {_utc(e.recorded_at, multi_day)})"
        action = md.text(e.text)
        if e.id in corrections:
            action += " (corrected below)"
        if e.kind is EntryKind.CORRECTION and e.corrects in by_id:
            action = f"Corrects {_utc(by_id[e.corrects].at, multi_day)}: {action}"
        rows.append([when, EVENT_NAMES.get(e.kind, e.kind.value), action, md.text(e.author)])
    out += ["## Timeline", "", "All times UTC.", ""]
    out += _table(["Time (UTC)", "Event", "Action", "Who"], rows)
    out.append("")

    # ---------------------------------------------------------------- metrics
    due = incident.status_updates_due(policy, end or now)
    out += ["## Key metrics", ""]
    out += _table(
        ["Metric", "Value"],
        [
            ["Time to acknowledge", _duration(metrics.to_acknowledge)],
            ["Time to mitigate", _duration(metrics.to_mitigate)],
            ["Time to resolve", _duration(metrics.to_resolve)],
            [
                "Status updates sent / due",
                f"{incident.status_updates_sent} / {due} "
                f"(every {format_duration(policy.update_every_s)} at {incident.severity.value})",
            ],
            ["Timeline entries", str(len(entries))],
        ],
    )
    out += [
        "",
        f"Measured from {metrics.started_at:%H:%M:%S} UTC "
        + ("(the first alert)." if first_alert == metrics.started_at else "(the declaration)."),
        "",
    ]

    # ---------------------------------------------------------------- signals
    out += ["## Golden signals", ""]
    signal_rows = []
    for name, data in (signals or {}).items():
        values, unit = _values(data)
        if not values:
            signal_rows.append([md.text(name), "—", "—", "no data"])
            continue
        spark = sparkline_text(values, width=30)
        signal_rows.append(
            [
                md.text(name),
                md.text(format_value(min(values), unit)),
                md.text(format_value(max(values), unit)),
                f"`{spark}`" if spark else " ",
            ]
        )
    if signal_rows:
        out += _table(["Signal", "Min", "Peak", "During the incident"], signal_rows)
    else:
        out.append(
            _prompt("No signal history was attached: add the dashboards that tell the story.")
        )
    snapshots = [e for e in entries if e.kind is EntryKind.SNAPSHOT]
    if snapshots:
        out += ["", "Snapshots pinned during the incident:", ""]
        out += _table(
            ["Time (UTC)", "Signal", "Value", "Sparkline"],
            [
                [
                    _utc(e.at, multi_day),
                    md.text(e.data.get("signal", "")),
                    md.text(e.data.get("value", "")),
                    f"`{e.data['sparkline']}`" if e.data.get("sparkline") else " ",
                ]
                for e in snapshots
            ],
        )
    out.append("")

    # ---------------------------------------------------------------- commands
    steps = [e for e in entries if e.kind is EntryKind.STEP_RUN and e.id not in corrections]
    out += ["## Commands run", ""]
    if steps:
        step_rows = []
        for e in steps:
            code = e.data.get("exit_code")
            status = "—" if code is None else ("ok (0)" if code == 0 else f"failed ({code})")
            if e.data.get("error"):
                status += f": {md.text(e.data['error'])}"
            label = " › ".join(str(p) for p in (e.data.get("runbook"), e.data.get("step")) if p)
            ref = e.data.get("output_ref")
            step_rows.append(
                [
                    _utc(e.at, multi_day),
                    md.text(label or e.text),
                    md.code(e.data.get("command", "")),
                    status,
                    md.text(ref) if ref else " ",
                ]
            )
        out += _table(["Time (UTC)", "Step", "Command", "Exit status", "Output"], step_rows)
    else:
        out.append(_prompt("No runbook steps were run from the console."))
    out.append("")

    # ---------------------------------------------------------------- review prompts
    decisions = [e for e in entries if e.kind is EntryKind.DECISION and e.id not in corrections]
    out += ["## Root cause", "", _prompt("What caused it? Ask why until the answer is a fix."), ""]
    if decisions:
        out += ["Decisions taken during the incident, for reference:", ""]
        out += [_item(f"{_utc(d.at, multi_day)} {md.text(d.text)}") for d in decisions]
        out.append("")
    out += [
        "## Contributing factors",
        "",
        _prompt("What made it worse, slower to detect or harder to fix?"),
        "",
        "## What went well",
        "",
        _prompt("What should we keep doing?"),
        "",
        "## What could be improved",
        "",
        _prompt("Where did we lose time? What was missing: alerts, runbooks, access, people?"),
        "",
        "## Action items",
        "",
    ]
    items = []
    for item in incident.action_items():
        text = item.text
        if item.entry_id in corrections:
            text = corrections[item.entry_id].text
        items.append([md.text(text), md.text(item.owner), md.text(item.due), md.text(item.status)])
    if items:
        out += _table(["Action", "Owner", "Due", "Status"], items)
    else:
        out.append(_prompt("No action items were logged: add them with an owner and a due date."))
    out += [
        "",
        "## Lessons learned",
        "",
        _prompt("What did we learn that others should know?"),
        "",
    ]
    return "\n".join(out).rstrip("\n") + "\n"
