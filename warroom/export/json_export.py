"""The post-mortem as JSON, versioned: `postmortem.schema.json` (shipped beside this module)
documents every field, and a test validates exports against it.

`schema_version` follows semver: a new optional field is a minor bump, a renamed or removed
one a major bump. Times are ISO 8601 UTC; durations are seconds; missing values are null.
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import Any

from warroom.export.model import SCHEMA_VERSION, PostMortem

SCHEMA_FILE = "postmortem.schema.json"


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) this writer's output validates against."""
    text = resources.files("warroom.export").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    return dict(json.loads(text))


def _t(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def to_json_dict(pm: PostMortem) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "incident": {
            "id": pm.incident_id,
            "title": pm.title,
            "severity": pm.severity,
            "severity_declared": pm.severity_declared,
            "status": pm.incident_status,
            "drill": pm.drill,
            "services": pm.services,
            "impact": pm.impact,
            "commander": pm.commander,
            "roles": pm.roles,
        },
        "document": {
            "status": pm.status,
            "authors": pm.authors,
            "exported_at": _t(pm.exported_at),
        },
        "window": {"start": _t(pm.window[0]), "end": _t(pm.window[1])},
        "milestones": [
            {
                "key": m.key,
                "label": m.label,
                "at": _t(m.at),
                "source": m.source,
                "history": [{"at": _t(at), "source": src} for at, src in m.history],
            }
            for m in pm.milestones
        ],
        "metrics": {
            **pm.times.as_dict(),
            "started_at": _t(pm.times.started_at),
            "status_updates_sent": pm.updates_sent,
            "status_updates_due": pm.updates_due,
            "update_every_s": pm.update_every_s,
        },
        "trigger": pm.trigger,
        "resolution": pm.resolution,
        "alerts": [
            {"name": a.name, "severity": a.severity, "start": _t(a.start), "end": _t(a.end)}
            for a in pm.alerts
        ],
        "timeline": [
            {
                "at": _t(r.at),
                "recorded_at": _t(r.recorded_at),
                "kind": r.kind,
                "text": r.text,
                "who": r.who,
                "milestones": list(r.milestones),
                "corrected": r.corrected,
            }
            for r in pm.timeline
        ],
        "commands": [
            {
                "at": _t(c.at),
                "who": c.who,
                "step": c.label,
                "command": c.command,
                "params": list(c.params),
                "risk": c.risk,
                "exit_code": c.exit_code,
                "status": c.status,
                "duration_s": c.duration_s,
                "output_head": list(c.output_head),
                "output_tail": list(c.output_tail),
                "output_lines_hidden": c.hidden_lines,
                "helped": c.helped,
            }
            for c in pm.commands
        ],
        "status_updates": [
            {"at": _t(u.at), "who": u.who, "template": u.template, "text": u.text}
            for u in pm.updates
        ],
        "signals": [
            {
                "key": s.key,
                "name": s.name,
                "unit": s.unit,
                "source": s.source,
                "best": s.minimum,
                "at_declare": s.at_declare,
                "worst": s.peak,
                "at_resolve": s.at_resolve,
                "warn": s.warn,
                "critical": s.critical,
                "sparkline": s.sparkline,
                "samples": s.samples,
            }
            for s in pm.signals
        ],
        "action_items": [
            {
                "action": a.action,
                "type": a.type,
                "owner": a.owner,
                "due": a.due,
                "ticket": a.ticket,
                "status": a.status,
            }
            for a in pm.action_items
        ],
    }


def write_json(pm: PostMortem) -> str:
    """UTF-8 JSON, indented (msgspec: the stdlib's indenting encoder is pure Python, 5x slower)."""
    import msgspec

    raw = msgspec.json.format(msgspec.json.encode(to_json_dict(pm)), indent=2)
    return raw.decode("utf-8") + "\n"
