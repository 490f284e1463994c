"""A panel's sparkline drawn as a small chart: the bars, a dotted line across the row where
the warn and critical thresholds fall, and on the right the scale (the top value, each
threshold at its row, the bottom), so a bar reads as a number and as "past warn" at a glance,
in any colour depth (the line and the numbers are glyphs, not only colour).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text

from warroom.domain.signals import SignalSpec, format_threshold, sparkline_rows, sparkline_scale

AXIS = 6  # columns of the scale on the right: "│2.5s"
MIN_BARS = 12  # a panel narrower than this plus the scale draws the bars alone
LINE = "┈"  # a threshold across the empty cells of its row


@dataclass(frozen=True, slots=True)
class ChartStyles:
    bars: Style
    warn: Style
    crit: Style
    dim: Style


def bar_columns(width: int) -> int:
    """How many columns the bars take in a panel `width` wide (the scale has the rest)."""
    return width - AXIS if width >= MIN_BARS + AXIS else max(0, width)


def ceiling_for(spec: SignalSpec) -> float | None:
    """The value the chart reaches at least: the highest threshold when higher is worse (a
    quiet signal stays low, and both lines fit); none when lower is worse."""
    marks = [t for t in (spec.warn, spec.critical) if t is not None]
    return max(marks) if marks and spec.higher_is_worse else None


def threshold_rows(
    low: float, top: float, rows: int, thresholds: Sequence[tuple[float, str]]
) -> dict[int, str]:
    """The row (0 is the top) each threshold falls in, by the rounding `sparkline_rows`
    uses for bars; the later one wins a shared row (critical after warn)."""
    span = top - low
    found: dict[int, str] = {}
    if span <= 0:
        return found
    for value, kind in thresholds:
        if math.isnan(value) or not low <= value <= top:
            continue
        level = round((value - low) / span * (rows * 8 - 1)) + 1
        found[rows - 1 - min(rows - 1, (level - 1) // 8)] = kind
    return found


def _label(value: float, unit: str) -> str:
    if abs(value) >= 10000:
        return f"{value / 1000:g}k"
    return format_threshold(float(f"{value:.3g}"), unit)


def chart_lines(
    columns: list[float], width: int, rows: int, spec: SignalSpec, styles: ChartStyles
) -> list[Text]:
    """`rows` lines `width` wide: bars for `columns` (one value per bar column, see
    `bar_columns`), threshold lines, and the scale at the right when there is room."""
    bars = bar_columns(width)
    plain = sparkline_rows(columns, bars, rows, ceiling=ceiling_for(spec))
    scale = sparkline_scale(columns, ceiling=ceiling_for(spec))
    marks: dict[int, str] = {}
    if scale is not None:
        pairs = [(spec.warn, "warn"), (spec.critical, "crit")]
        marks = threshold_rows(*scale, rows, [(v, k) for v, k in pairs if v is not None])
    lines: list[Text] = []
    for r, row in enumerate(plain):
        row = row.ljust(bars)[:bars]
        text = Text()
        kind = marks.get(r)
        if kind is None:
            text.append(row, styles.bars)
        else:
            mark = styles.warn if kind == "warn" else styles.crit
            for cell in row:
                text.append(LINE if cell == " " else cell, mark if cell == " " else styles.bars)
        if bars < width and scale is not None:
            text.append(_axis(r, rows, scale, marks, spec, styles))
        lines.append(text)
    return lines


def _axis(
    row: int,
    rows: int,
    scale: tuple[float, float],
    marks: dict[int, str],
    spec: SignalSpec,
    styles: ChartStyles,
) -> Text:
    low, top = scale
    kind = marks.get(row)
    if kind is not None:
        value = spec.warn if kind == "warn" else spec.critical
        style = styles.warn if kind == "warn" else styles.crit
    elif row == 0:
        value, style = top, styles.dim
    elif row == rows - 1:
        value, style = low, styles.dim
    else:
        return Text("│".ljust(AXIS), styles.dim)
    label = _label(value if value is not None else top, spec.unit)[: AXIS - 1]
    text = Text("│", styles.dim)
    text.append(label.ljust(AXIS - 1), style)
    return text
