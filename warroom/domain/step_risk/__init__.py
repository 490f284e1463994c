"""How dangerous a step is: `read` (only looks), `write` (changes state) or `destructive`.

Default-deny: only what is known to only look is `read`; anything not known is `write`;
anything that deletes, cuts off or cannot be undone is `destructive`. Each step kind's
classifier is registered in `step_kinds`; `classify` asks the registry, so a kind nobody
registered fails loudly instead of being judged by another kind's rules.
"""

from __future__ import annotations

from warroom.domain import step_kinds
from warroom.domain.runbooks import Risk, StepKind
from warroom.domain.step_risk.base import worst
from warroom.domain.step_risk.http import classify_http
from warroom.domain.step_risk.lists import READ_COMMANDS
from warroom.domain.step_risk.shell import classify_shell
from warroom.domain.step_risk.sql import classify_sql

__all__ = ["READ_COMMANDS", "classify", "classify_http", "classify_shell", "classify_sql", "worst"]


def classify(kind: StepKind, command: str) -> Risk:
    """The risk of one step of `kind`, by that kind's registered classifier."""
    return step_kinds.spec_for(kind).classify(command)
