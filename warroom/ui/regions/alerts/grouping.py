"""`g`: which label the alert list groups by, asked like Alertmanager's group-by (default
alertname; "none" lists one line per alert). The grouping itself is the domain's
(`domain.alert_view.build_rows`, `domain.alerts.group_by_label`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from warroom.domain.alerts import Alert

if TYPE_CHECKING:
    from warroom.ui.regions.alerts.alert_list import AlertList
    from warroom.ui.regions.alerts.region import AlertsRegion

UNGROUPED = "none"
SAMPLE = 2_000  # alerts looked at for the label names offered (a storm is not walked)
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def label_names(alerts: Sequence[Alert], most: int = 8) -> list[str]:
    """The label names most alerts carry (alertname first), to offer in the prompt."""
    counts: Counter[str] = Counter()
    for alert in alerts[:SAMPLE]:
        counts.update(alert.labels.keys())
    names = [name for name, _ in counts.most_common() if name != "alertname"]
    return ["alertname", *names[: most - 1]]


def parse_group_by(answer: str) -> str | None:
    """The label to group by, "" for ungrouped; None when it is not a label name."""
    text = answer.strip()
    if text.lower() in (UNGROUPED, "-", "off", ""):
        return ""
    return text if _LABEL.fullmatch(text) else None


def ask_group_by(region: AlertsRegion, alert_list: AlertList) -> None:
    from warroom.ui.dialogs.prompts import TextPrompt

    now = f"grouped by {alert_list.group_label}" if alert_list.grouped else "not grouped"
    hint = f"{now} · labels: {', '.join(label_names(region.alerts))} · none: one line per alert"

    def chosen(answer: str | None) -> None:
        if answer is None:
            return
        label = parse_group_by(answer)
        if label is None:
            region.notify(f"not a label name: {answer}", severity="warning", markup=False)
        elif not label:
            alert_list.grouped = False
            region.notify("one line per alert", timeout=2)
        else:
            if alert_list.grouped:
                alert_list.group_label = label
            else:  # one rebuild, not two
                alert_list.set_reactive(type(alert_list).group_label, label)
                alert_list.grouped = True
            region.notify(f"grouped by {label}", timeout=2, markup=False)

    value = UNGROUPED if alert_list.grouped else "alertname"
    region.app.push_screen(TextPrompt("Group the alerts by", value=value, hint=hint), chosen)
