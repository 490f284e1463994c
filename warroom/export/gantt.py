"""A mermaid `gantt` chart of the alerts' firing intervals and the incident's milestones.

GitHub renders mermaid blocks. Task names cannot hold `:` `;` `#` or `%` in mermaid's gantt
grammar, so names are reduced to safe characters; times are UTC to the second.
"""

from __future__ import annotations

import re
from datetime import datetime

from warroom.domain.milestones import Milestone
from warroom.export.model import PostMortem

DATE_FORMAT = "YYYY-MM-DD HH:mm:ss"
_UNSAFE = re.compile(r"[^\w .,()/+\-<>=@*&'\"!?\[\]]")


def safe_name(text: str) -> str:
    cleaned = " ".join(_UNSAFE.sub(" ", text).split())
    return (cleaned[:60] or "unnamed").strip()


def _t(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}"


def gantt(pm: PostMortem) -> list[str]:
    """The fenced block's lines (empty when there is nothing to chart)."""
    resolved = pm.milestone(Milestone.RESOLVED)
    end = resolved.at if resolved else pm.exported_at
    lines = [
        "```mermaid",
        "gantt",
        f"    title {safe_name(pm.title)}",
        f"    dateFormat {DATE_FORMAT}",
        "    axisFormat %H:%M",
    ]
    if pm.alerts:
        lines.append("    section Alerts")
        for i, alert in enumerate(pm.alerts, 1):
            stop = max(alert.end or end, alert.start)
            tag = "crit, " if alert.severity == "critical" else ""
            lines.append(f"    {safe_name(alert.name)} :{tag}a{i}, {_t(alert.start)}, {_t(stop)}")
    lines.append("    section Milestones")
    for i, m in enumerate(pm.milestones, 1):
        lines.append(f"    {safe_name(m.label)} :milestone, m{i}, {_t(m.at)}, 0s")
    lines.append("```")
    return lines
