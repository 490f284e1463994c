"""The Service region's text: rollouts, a pods and a containers table, recent changes.

Built from a `ContextView` as plain `Text` (every name, image and event message is untrusted:
`one_line` and `clip`, never markup). Ages are whole minutes or more once past a minute, so an
idle console repaints a cell a minute, not the pane every refresh. Wide panes put the changes
beside the tables; narrow ones below them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll

from warroom.domain.clock import format_age
from warroom.domain.service_context import Change, Container, Pod, Rollout
from warroom.domain.untrusted import clip, one_line
from warroom.services.service_context import ContextView
from warroom.ui.widgets.line_cache import LineCacheWidget

SIDE_BY_SIDE_FROM = 110  # columns: this wide or wider shows the changes beside the tables
CHANGES_SHOWN = 50
_BAD_STATES = {"restarting", "exited", "dead", "unhealthy", "Failed", "Unknown", "Pending"}


@dataclass(frozen=True, slots=True)
class Looks:
    """The styles lines are drawn with (the widget's component classes, from the theme)."""

    bad: Style | str = ""
    warn: Style | str = ""
    dim: Style | str = ""
    bold: Style | str = "bold"


PLAIN = Looks()
_NEVER = datetime.min.replace(tzinfo=UTC)  # before the first answer (nothing is drawn with it)


def _cell(text: str, width: int) -> str:
    return clip(one_line(text), width).ljust(width)


def _tail(text: str, width: int) -> str:
    """Cut from the left: of `registry/team/worker:3.2.1` the tag is what tells versions apart."""
    text = one_line(text)
    return (text if len(text) <= width else "…" + text[-(width - 1) :]).ljust(width)


def _age(at: datetime | None, now: datetime) -> str:
    if at is None:
        return "—"
    seconds = (now - at).total_seconds()
    return format_age(seconds) if seconds >= 60 else "<1m"


def rollout_line(r: Rollout, looks: Looks = PLAIN) -> Text:
    line = Text()
    line.append(one_line(f"{r.kind}/{r.name}"), looks.bold)
    line.append(f"  revision {one_line(r.revision)}", looks.bold)
    if r.previous_revision:
        line.append(f" (previous {one_line(r.previous_revision)})")
    status = one_line(r.status) or "unknown"
    line.append(f" · {status}", looks.bad if status.startswith("stalled") else "")
    line.append(f" · {r.ready}/{r.desired} ready")
    if r.image:
        line.append(f" · {one_line(r.image)}", looks.dim)
    return line


def pod_lines(pods: Sequence[Pod], now: datetime, width: int, looks: Looks = PLAIN) -> list[Text]:
    name_w = max(4, min(max((len(p.name) for p in pods), default=0), 40, width - 52))
    head = Text(
        f"{'POD':<{name_w}} {'PHASE':<9} READY RESTARTS {'AGE':>4}  {'NODE':<10} REASON",
        looks.bold,
    )
    rows = [head]
    for p in pods:
        bad = p.phase in _BAD_STATES or bool(p.reason) or p.ready < p.containers
        row = Text(
            f"{_cell(p.name, name_w)} {_cell(p.phase, 9)} {p.ready}/{p.containers:<3} "
            f"{p.restarts:>8} {_age(p.started_at, now):>4}  {_cell(p.node, 10)} "
            f"{one_line(p.reason)}",
            looks.bad if bad else "",
        )
        rows.append(row)
    return rows


def container_lines(
    containers: Sequence[Container], now: datetime, width: int, looks: Looks = PLAIN
) -> list[Text]:
    longest = max((len(c.name) for c in containers), default=0)
    name_w = max(10, min(longest, 32, width - 70))
    exit_w = 8 if any(c.oom_killed for c in containers) else 4  # "137 OOM" must not be cut
    image_w = max(12, min(24, width - name_w - 39 - exit_w))  # the image gives way, not EXIT
    head = Text(
        f"{'CONTAINER':<{name_w}} {'STATE':<10} {'HEALTH':<9} RESTARTS {'UP':>4}  "
        f"{'IMAGE:TAG':<{image_w}} EXIT",
        looks.bold,
    )
    rows = [head]
    for c in containers:
        bad = c.state in _BAD_STATES or c.health == "unhealthy" or c.oom_killed
        exit_text = "" if c.exit_code is None else str(c.exit_code)
        if c.oom_killed:
            exit_text = f"{exit_text} OOM".strip()
        up = _age(c.started_at, now) if c.state == "running" else "—"
        image = f"{c.image}:{c.tag}" if c.tag else c.image
        rows.append(
            Text(
                f"{_cell(c.name, name_w)} {_cell(c.state, 10)} {_cell(c.health or '—', 9)} "
                f"{c.restarts:>8} {up:>4}  {_tail(image, image_w)} {exit_text}",
                looks.bad if bad else "",
            )
        )
    return rows


def change_line(change: Change, looks: Looks = PLAIN) -> Text:
    line = Text()
    line.append(f"{change.at.astimezone(UTC):%H:%M:%SZ} ", looks.dim)  # as the log's UTC
    line.append(f"{change.kind.glyph} ", looks.bold)
    subject = one_line(change.subject)
    text = one_line(change.text)
    if subject and subject not in text:
        line.append(f"{subject}: ", looks.bold)
    line.append(text)
    return line


def fold(line: Text, width: int, indent: int = 12) -> list[Text]:
    """A change too long for its column on two rows (cut at a space, the second under the
    text, not the time), so "rolled out: rollback from 14 (ops/api:v2.13.2)" keeps its end."""
    plain = line.plain
    if len(plain) <= width or width <= indent + 10:
        return [line]
    cut = plain.rfind(" ", indent, width + 1)
    cut = cut if cut > indent else width
    first, rest = line.divide([cut])
    rest = rest[len(rest.plain) - len(rest.plain.lstrip()) :]
    second = Text(" " * indent)
    second.append_text(rest)
    second.truncate(width, overflow="ellipsis")
    return [first, second]


def context_lines(
    view: ContextView | None, now: datetime, width: int, looks: Looks = PLAIN
) -> list[Text]:
    """Every line of the region for `view` at `now`, `width` cells wide."""
    if view is None:
        return [Text("asking the container and pod sources…", looks.dim)]
    problems = [
        Text(
            f"⚠ {one_line(a.name)}: {a.error}"
            + (f" · last good {format_age(a.age_s)} ago" if a.age_s is not None else ""),
            looks.warn,
        )
        for a in view.failing
    ]
    contexts = [a.context for a in view.answers if a.context is not None]
    if not contexts and not problems:
        return [Text("asking the container and pod sources…", looks.dim)]
    rollouts = [r for c in contexts for r in c.rollouts]
    pods = [p for c in contexts for p in c.pods]
    containers = [x for c in contexts for x in c.containers]
    side = width >= SIDE_BY_SIDE_FROM
    most = (width * 3) // 5 if side else width
    tables: list[Text] = [rollout_line(r, looks) for r in rollouts]
    if pods:
        tables += pod_lines(pods, now, most, looks)
    if containers:
        tables += container_lines(containers, now, most, looks)
    if not (rollouts or pods or containers) and contexts:
        tables.append(Text("no containers or pods for this service", looks.dim))
    fresh = [a for a in view.answers if a.context is not None and not a.error]
    if fresh:  # the data's age: the oldest answer among those that are not failing
        oldest = min(a.context.fetched_at for a in fresh if a.context is not None)
        names = ", ".join(one_line(a.name) for a in fresh)
        tables.append(Text(f"{names} · as of {oldest.astimezone(UTC):%H:%M:%SZ}", looks.dim))
    changes = [Text("Recent changes (newest first)", looks.bold)]
    changes += [change_line(c, looks) for c in view.changes[:CHANGES_SHOWN]]
    if not view.changes:
        changes.append(Text("no changes in the window", looks.dim))
    if not side:
        return [*problems, *tables, Text(""), *changes]
    rows: list[Text] = list(problems)
    left_w = min(most, max((len(t.plain.rstrip()) for t in tables), default=0) + 2)
    right_w = width - left_w - 2
    changes = [piece for line in changes for piece in fold(line, right_w)]
    for i in range(max(len(tables), len(changes))):
        left = tables[i] if i < len(tables) else Text("")
        right = changes[i] if i < len(changes) else Text("")
        row = left.copy()
        row.rstrip()
        row.truncate(left_w - 1, pad=True)
        row.append("│ ", looks.dim)
        right.truncate(right_w, overflow="ellipsis")
        row.append_text(right)
        rows.append(row)
    return rows


class ServiceLines(LineCacheWidget):
    """The region's lines; repaints only the cells that changed."""

    COMPONENT_CLASSES = {"service-lines--bad", "service-lines--warn", "service-lines--dim"}
    DEFAULT_CSS = """
    ServiceLines { height: auto; padding: 0 1; background: $surface; }
    ServiceLines > .service-lines--bad { color: $error; text-style: bold; }
    ServiceLines > .service-lines--warn { color: $warning; text-style: bold; }
    ServiceLines > .service-lines--dim { color: $foreground 60%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: ContextView | None = None
        self.now: datetime | None = None

    def show(self, view: ContextView, now: datetime) -> None:
        self.view, self.now = view, now
        count = len(self.texts)
        self.rebuild()
        if len(self.texts) != count:  # its height is its line count: the scroll must know
            self.refresh(layout=True)

    def build_lines(self, width: int) -> list[Text]:
        looks = Looks(
            bad=self.get_component_rich_style("service-lines--bad", partial=True),
            warn=self.get_component_rich_style("service-lines--warn", partial=True),
            dim=self.get_component_rich_style("service-lines--dim", partial=True),
        )
        return context_lines(self.view, self.now or _NEVER, width, looks)


class ServiceView(VerticalScroll):
    """Scrolled with j/k, the arrows, PgUp/PgDn, Home/End; the ends stop (no wrap)."""

    DEFAULT_CSS = """
    ServiceView { background: $surface; scrollbar-size-vertical: 1; }
    """
    BINDINGS = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
    ]
