"""Which silence a request made: for adopting, after a fall-over, the silence a member made
before it failed to answer (its HA peers have it by gossip) instead of making a second one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from warroom.domain.alerts import Silence, SilenceRequest

ADOPT_WITHIN = timedelta(minutes=1)  # a peer's silence this recent may be our own request


def made_by(
    request: SilenceRequest, silences: Iterable[Silence], since: datetime
) -> Silence | None:
    """The newest live silence that `request` made (or changed) since `since`: the same
    matchers, comment, author and end, its updatedAt no older than `since`."""
    wanted = frozenset(request.matchers)
    same = [
        s
        for s in silences
        if s.state != "expired"
        and s.updated_at is not None
        and s.updated_at >= since
        and frozenset(s.matchers) == wanted
        and s.comment == request.comment
        and s.created_by == request.created_by
        and abs((s.ends_at - request.ends_at).total_seconds()) < 1
    ]
    return max(same, key=lambda s: s.updated_at or since, default=None)
