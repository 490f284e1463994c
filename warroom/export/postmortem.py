"""The post-mortem draft as Markdown: the review template, prefilled wherever the log knows.

Sections follow the post-incident review teams use (summary, impact, trigger and detection,
resolution, timeline, key metrics, signals, communications, commands run, what did not help,
root cause, lessons, action items); what the log cannot know is an italic prompt for the
meeting. Pure: the same model gives the same bytes (a golden test holds that).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from warroom.domain.clock import format_duration
from warroom.domain.incident import (
    DEFAULT_POLICIES,
    Incident,
    IncidentSeverity,
    Role,
    SeverityPolicy,
)
from warroom.domain.milestones import Milestone
from warroom.domain.signals import format_value
from warroom.export.gantt import gantt
from warroom.export.markdown_review import review_sections
from warroom.export.markdown_text import (
    Md,
    details,
    duration,
    fenced,
    item,
    para,
    prompt,
    table,
    utc,
)
from warroom.export.model import CommandRun, PostMortem, build_postmortem

EVENT_NAMES = {
    "declared": "Incident declared",
    "note": "Note",
    "decision": "Decision",
    "action_item": "Action item",
    "status": "Status change",
    "role": "Role change",
    "severity": "Severity change",
    "alert_fired": "Alert fired",
    "alert_resolved": "Alert resolved",
    "alert_acked": "Alert acknowledged",
    "silence": "Silence",
    "step_run": "Runbook step run",
    "status_update": "Status update sent",
    "snapshot": "Signal snapshot",
    "correction": "Correction",
}


def render_postmortem(
    incident: Incident,
    *,
    signals: Mapping[str, Any] | None = None,
    now: datetime,
    policies: Mapping[IncidentSeverity, SeverityPolicy] = DEFAULT_POLICIES,
    secrets: Iterable[str] = (),
) -> str:
    """The whole draft as Markdown (ends with one newline)."""
    model = build_postmortem(incident, now=now, signals=signals, policies=policies, secrets=secrets)
    return write_markdown(model)


def write_markdown(pm: PostMortem) -> str:
    md = Md()
    days = {r.at.date() for r in pm.timeline} | {m.at.date() for m in pm.milestones}
    multi = len(days) > 1
    out: list[str] = [f"# Post-mortem: {md.text(pm.title)}", ""]
    out += [
        item(f"**Status:** {pm.status} (drafted by warroom from the incident log)"),
        item(f"**Incident:** {md.text(pm.incident_id)}"),
        item(f"**Date:** {pm.milestones[0].at:%Y-%m-%d}" if pm.milestones else "**Date:** —"),
        item(f"**Authors:** {md.text(', '.join(pm.authors)) or prompt('who wrote this?')}"),
        item(f"**Exported:** {pm.exported_at:%Y-%m-%d %H:%M} UTC"),
        "",
        "The prompts in italics are for the review meeting.",
        "",
    ]
    if pm.drill:
        out += ["**This was a drill.**", ""]
    out += _summary(pm, md)
    out += _impact(pm, md)
    out += _trigger(pm, md, multi)
    out += _resolution(pm, md, multi)
    out += _timeline(pm, md, multi)
    out += _metrics(pm, multi)
    out += _signals(pm, md, multi)
    out += ["## Incident chart", "", *gantt(pm), ""]
    out += _communications(pm, md, multi)
    out += _commands(pm, md, multi)
    out += _not_helped(pm, md, multi)
    out += review_sections(pm, md, multi)
    return "\n".join(out).rstrip("\n") + "\n"


def _at(pm: PostMortem, key: Milestone) -> datetime | None:
    row = pm.milestone(key)
    return row.at if row else None


def _summary(pm: PostMortem, md: Md) -> list[str]:
    severity = pm.severity
    if pm.severity_declared and pm.severity_declared != severity:
        severity += f" (declared as {pm.severity_declared})"
    start = _at(pm, Milestone.IMPACT_STARTED)
    end = _at(pm, Milestone.RESOLVED)
    length = ((end or pm.exported_at) - start).total_seconds() if start else 0.0
    roles = [
        f"{Role(r).label}: {md.text(', '.join(people))}"
        for r, people in pm.roles.items()
        if r != Role.COMMANDER.value
    ]
    lines = [
        f"**Impact started:** {start:%Y-%m-%d %H:%M:%S} UTC" if start else "**Start:** —",
        "**Resolved:** "
        + (f"{end:%Y-%m-%d %H:%M:%S} UTC" if end else "not resolved at the time of export"),
        f"**Duration:** {format_duration(length)}" + ("" if end else " so far"),
        f"**Severity:** {severity}",
        f"**Services affected:** {md.text(', '.join(pm.services)) or prompt('which services?')}",
        f"**Incident commander:** {md.text(pm.commander) or prompt('who?')}",
    ]
    if roles:
        lines.append(f"**Roles:** {'; '.join(roles)}")
    return [
        "## Summary",
        "",
        prompt("In two sentences: what happened, to whom, and how it was fixed."),
        "",
        *(item(line) for line in lines),
        "",
    ]


def _impact(pm: PostMortem, md: Md) -> list[str]:
    out = ["## Impact", ""]
    out.append(
        para(md.text(pm.impact)) if pm.impact else prompt("Who was affected, how, how many?")
    )
    out.append("")
    services = md.text(", ".join(pm.services)) or prompt("which services?")
    out += [item(f"Services affected: {services}"), ""]
    by_severity: dict[str, float] = {}
    resolved = _at(pm, Milestone.RESOLVED) or pm.exported_at
    for alert in pm.alerts:
        end = alert.end or resolved
        key = alert.severity or "unlabelled"
        by_severity[key] = by_severity.get(key, 0.0) + max(0.0, (end - alert.start).total_seconds())
    if by_severity:
        out += ["Alert time by severity (summed over alerts):", ""]
        out += [item(f"{md.text(k)}: {format_duration(v)}") for k, v in sorted(by_severity.items())]
        out.append("")
    peaks = [s for s in pm.signals if s.peak is not None]
    if peaks:
        out += ["Worst value of each signal in the incident window:", ""]
        out += [item(f"{md.text(s.name)}: {md.text(format_value(s.peak, s.unit))}") for s in peaks]
        out.append("")
    return out


def _trigger(pm: PostMortem, md: Md, multi: bool) -> list[str]:
    out = ["## Trigger and detection", ""]
    started = pm.milestone(Milestone.IMPACT_STARTED)
    detected = pm.milestone(Milestone.DETECTED)
    if pm.trigger and started and detected:
        out.append(
            item(
                f"First alert: {md.text(pm.trigger)}, firing since "
                f"{utc(started.at, multi)} UTC ({md.text(started.source)})."
            )
        )
        out.append(
            item(
                f"Seen by the console at {utc(detected.at, multi)} UTC, "
                f"{duration(pm.times.to_detect)} after the impact started."
            )
        )
    else:
        out.append(item("No alert fired: the incident was declared by a person."))
    declared = _at(pm, Milestone.DECLARED)
    if declared:
        out.append(item(f"Declared at {utc(declared, multi)} UTC."))
    ask = "What changed just before it started?"
    if pm.trigger_change:  # the change the console saw last before the first alert
        ask = f"What changed just before it started: {md.text(pm.trigger_change)}. Was it that?"
    out += ["", para(prompt(f"{ask} Why was it not caught sooner?")), ""]
    return out


def _resolution(pm: PostMortem, md: Md, multi: bool) -> list[str]:
    out = ["## Resolution", ""]
    fix = pm.milestone(Milestone.FIX_APPLIED)
    restored = pm.milestone(Milestone.MITIGATED)
    if fix is not None:
        out.append(item(f"Fix applied at {utc(fix.at, multi)} UTC: {md.text(pm.resolution)}"))
    else:
        out.append(item(prompt("Which action fixed it? The log does not say.")))
    if restored is not None:
        out.append(
            item(f"Service restored at {utc(restored.at, multi)} UTC ({md.text(restored.source)}).")
        )
    out.append("")
    return out


def _timeline(pm: PostMortem, md: Md, multi: bool) -> list[str]:
    rows = []
    for r in pm.timeline:
        when = utc(r.at, multi)
        if r.recorded_at is not None:
            when += f" (logged {utc(r.recorded_at, multi)})"
        text = md.text(r.text)
        if r.corrected:
            text += " (corrected later)"
        event = EVENT_NAMES.get(r.kind, r.kind)
        if r.milestones:
            event = f"**{', '.join(r.milestones)}** · {event}"
        rows.append([when, event, text, md.text(r.who)])
    derived = [
        [utc(m.at, multi), f"**{m.label}**", md.text(m.source), ""]
        for m in pm.milestones
        if m.key in (Milestone.MITIGATED.value, Milestone.IMPACT_STARTED.value)
        and not any(m.label in r.milestones for r in pm.timeline)
    ]
    rows = sorted([*rows, *derived], key=lambda row: row[0])
    return [
        "## Timeline",
        "",
        "All times UTC; milestones in bold.",
        "",
        *table(["Time (UTC)", "Event", "What happened", "Who"], rows),
        "",
    ]


def _metrics(pm: PostMortem, multi: bool) -> list[str]:
    t = pm.times
    rows = [
        ["Time to detect", duration(t.to_detect)],
        ["Time to acknowledge", duration(t.to_acknowledge)],
        ["Time to mitigate", duration(t.to_mitigate)],
        ["Time to resolve", duration(t.to_resolve)],
        [
            "Status updates sent / due",
            f"{pm.updates_sent} / {pm.updates_due} "
            f"(every {format_duration(pm.update_every_s)} at {pm.severity})",
        ],
        ["Timeline entries", str(len(pm.timeline))],
    ]
    milestones = []
    for m in pm.milestones:
        note = m.source
        if m.history:
            was = ", ".join(f"{utc(at, multi)} ({src})" if at else src for at, src in m.history)
            note += f"; was {was}"
        milestones.append([m.label, utc(m.at, multi), Md().text(note)])
    return [
        "## Key metrics",
        "",
        *table(["Metric", "Value"], rows),
        "",
        f"Measured from {t.started_at:%H:%M:%S} UTC, when the impact started.",
        "",
        *table(["Milestone", "Time (UTC)", "From"], milestones),
        "",
    ]


def _signals(pm: PostMortem, md: Md, multi: bool) -> list[str]:
    out = ["## Signals during the incident", ""]
    start, end = pm.window
    if pm.signals:
        out += [
            para(
                f"From {utc(start, True)} to {utc(end, True)} UTC (the incident ± 15 minutes); "
                "sparklines run from 0 to the critical threshold."
            ),
            "",
        ]
        rows = []
        for s in pm.signals:

            def v(x: float | None, unit: str = s.unit) -> str:
                return md.text(format_value(x, unit)) if x is not None else "—"

            spark = f"`{s.sparkline}`" if s.sparkline else "no data"
            rows.append(
                [md.text(s.name), v(s.minimum), v(s.at_declare), v(s.peak), v(s.at_resolve), spark]
            )
        out += table(["Signal", "Best", "At declare", "Worst", "At resolve", "Sparkline"], rows)
    else:
        out.append(
            prompt("No signal history was recorded: add the dashboards that tell the story.")
        )
    if pm.snapshots:
        out += ["", "Snapshots pinned during the incident (each at its own moment):", ""]
        out += table(
            ["Time (UTC)", "Snapshot"], [[utc(r.at, multi), md.text(r.text)] for r in pm.snapshots]
        )
    out.append("")
    return out


def _communications(pm: PostMortem, md: Md, multi: bool) -> list[str]:
    out = ["## Communications", ""]
    if not pm.updates:
        return [*out, prompt("No status update was sent from the console."), ""]
    for u in pm.updates:
        summary = f"{utc(u.at, multi)} UTC, {u.template or 'update'}, by {u.who}"
        out += [*details(summary, fenced(u.text.splitlines())), ""]
    return out


def _status_cell(c: CommandRun) -> str:
    return c.status + (f" in {c.duration_s:.1f} s" if c.duration_s is not None else "")


def _commands(pm: PostMortem, md: Md, multi: bool) -> list[str]:
    out = ["## Commands run", ""]
    if not pm.commands:
        return [*out, prompt("No runbook steps were run from the console."), ""]
    out += table(
        ["Time (UTC)", "Step", "Who", "Risk", "Exit status"],
        [
            [utc(c.at, multi), md.text(c.label), md.text(c.who), c.risk, md.text(_status_cell(c))]
            for c in pm.commands
        ],
    )
    out.append("")
    for c in pm.commands:
        body = [f"$ {line}" if i == 0 else line for i, line in enumerate(c.command.splitlines())]
        if c.params:
            body.append(f"-- parameters: {', '.join(c.params)}")
        gap = [f"… ({c.hidden_lines} lines not shown)"] if c.hidden_lines else []
        output = [*c.output_head, *gap, *c.output_tail]
        summary = f"{utc(c.at, multi)} {c.label}: {_status_cell(c)}"
        out += [*details(summary, fenced([*body, *(output or ["(no output)"])])), ""]
    return out


def _not_helped(pm: PostMortem, md: Md, multi: bool) -> list[str]:
    out = ["## What did not help", ""]
    useless = [c for c in pm.commands if c.helped is False]
    judged = [c for c in pm.commands if c.helped is not None]
    if useless:
        out += ["Write steps after which no signal in trouble improved:", ""]
        out += [item(f"{utc(c.at, multi)} {md.text(c.label)} ({md.text(c.who)})") for c in useless]
    elif not judged:
        out.append(prompt("No write step could be judged by recorded signals: which did not help?"))
    else:
        out.append(prompt("Every write step was followed by an improvement. Anything else?"))
    out.append("")
    return out
