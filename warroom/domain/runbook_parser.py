"""The runbook parser's old home: everything now lives in `warroom.domain.runbook_parse`."""

from __future__ import annotations

from warroom.domain.runbook_parse import (
    MAX_STEP_CHARS,
    PHASES,
    SHELL_LANGUAGES,
    ParseResult,
    alerts_named,
    is_alert_like,
    parse_runbook,
    parse_runbook_full,
    phase_of,
    slug,
    split_alert_names,
)

__all__ = [
    "MAX_STEP_CHARS",
    "PHASES",
    "SHELL_LANGUAGES",
    "ParseResult",
    "alerts_named",
    "is_alert_like",
    "parse_runbook",
    "parse_runbook_full",
    "phase_of",
    "slug",
    "split_alert_names",
]
