"""What the alerts pane says about how much it knows: `Firing alerts (?)` when no source could
be read at all, `(12+?)` with the failing sources named when some could not, and every
source's reason in full for the pane (wrapped there, never cut in the border)."""

from __future__ import annotations

from dataclasses import dataclass

from warroom.domain.untrusted import one_line
from warroom.services.polling import AlertSnapshot


@dataclass(frozen=True, slots=True)
class AlertsTitle:
    title: str  # the border title
    subtitle: str  # the border's bottom line: short, names the failing sources
    problems: str  # each source's reason in full, one per line ("" when all is well)


def alerts_title(snapshot: AlertSnapshot, base: str = "Firing alerts") -> AlertsTitle:
    failed = sorted(snapshot.failed)
    problems = "\n".join(f"⚠ {one_line(k)}: {one_line(v)}" for k, v in snapshot.errors.items())
    if snapshot.unread:
        names = ", ".join(failed)
        subtitle = f"⚠ alerts could not be read ({names})" if names else "⚠ alerts unread"
        return AlertsTitle(f"{base} (?)", subtitle, problems)
    if failed:
        return AlertsTitle(
            f"{base} ({snapshot.firing}+?)", f"⚠ {', '.join(failed)} failing", problems
        )
    subtitle = f"⚠ {len(snapshot.errors)} warning(s)" if snapshot.errors else ""
    return AlertsTitle(f"{base} ({snapshot.firing})", subtitle, problems)
