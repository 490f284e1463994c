"""The runbook parser's old import path: everything lives in `warroom.domain.runbook_parse`."""

from __future__ import annotations

from warroom.domain import runbook_parse
from warroom.domain.runbook_parse import *  # noqa: F403

__all__ = runbook_parse.__all__
