"""The runbook pane: the section for the selected alert as a tree of phases and steps, and the
output of every step run in this incident, one run at a time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rich.text import Text
from textual import _widget_navigation
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from warroom.domain.runbooks import Runbook, Section, Step
from warroom.domain.untrusted import one_line
from warroom.ui.regions.runbook.tree import section_rows
from warroom.ui.widgets.text_log import TextLog

RUN_LINES = 2000  # kept per run (an executor's output is bounded already; this bounds memory)


class StepList(OptionList):
    """The phases and steps: j/k as well as the arrows; the ends stop, never wrap (up on the
    first step must not land on the last, a Verify step, by accident)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def _step(self, direction: int) -> None:
        moved = _widget_navigation.find_next_enabled_no_wrap(
            self.options, anchor=self.highlighted, direction=1 if direction > 0 else -1
        )
        if moved is not None:
            self.highlighted = moved

    def action_cursor_down(self) -> None:
        self._step(1)

    def action_cursor_up(self) -> None:
        self._step(-1)


class StepOutputLog(TextLog):
    """A step's output: focusable, scrolled with j/k, the arrows, PgUp/PgDn, Home/End."""

    BINDINGS = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
    ]


@dataclass(slots=True)
class StepRun:
    """One run of one step in this incident: what ran and every line it printed."""

    key: tuple[str, int, str]  # (runbook file, step line, step command): the step it ran
    title: str
    lines: list[str | Text] = field(default_factory=list)


class RunbookPane(Vertical):
    """Attributes down (`show_section`), messages up (`RunbookPane.StepChosen`)."""

    DEFAULT_CSS = """
    RunbookPane { background: $surface; }
    RunbookPane > #runbook-title { height: auto; max-height: 4; padding: 0 1; color: $foreground; }
    RunbookPane > OptionList { height: 2fr; min-height: 3; border: none; background: $surface; }
    RunbookPane > #runbook-output-title { height: 1; padding: 0 1; color: $foreground; }
    RunbookPane > TextLog { height: 1fr; min-height: 3; background: $surface; }
    RunbookPane > .-empty { display: none; }
    """

    BINDINGS = [
        Binding("left_square_bracket", "show_run(-1)", "Previous output", show=False),
        Binding("right_square_bracket", "show_run(1)", "Next output", show=False),
    ]

    class StepChosen(Message):
        """A step was picked (enter or a click): the region asks to run it."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.section: Section | None = None
        self.runbook: Runbook | None = None
        self.labels: dict[str, str] = {}
        self._remedies: tuple[str, ...] = ()
        self.transcript: list[str] = []  # every line of every step's output, for search
        self.runs: list[StepRun] = []  # every run in this incident, kept when the alert goes
        self.shown_run: int | None = None

    def compose(self) -> ComposeResult:
        yield Static("select an alert to see its runbook", id="runbook-title")
        yield StepList(id="runbook-steps")
        yield Static(id="runbook-output-title", classes="-empty")
        yield StepOutputLog(id="runbook-output", max_lines=RUN_LINES, classes="-empty")

    @property
    def steps(self) -> OptionList:
        return self.query_one("#runbook-steps", OptionList)

    @property
    def output(self) -> TextLog:
        return self.query_one("#runbook-output", TextLog)

    def show_section(
        self,
        found: tuple[Runbook, Section] | None,
        alert_name: str | None,
        labels: Mapping[str, str] | None = None,
        others: list[str] | None = None,
        remedies: list[str] | None = None,
    ) -> None:
        """The section for the alert, its commands filled from `labels`; `others` names the
        other runbook files that also cover it; `remedies` what fixed it in past incidents."""
        title = self.query_one("#runbook-title", Static)
        if found is None:
            if self.section is None and self.steps.option_count == 0 and alert_name is None:
                return
            self.runbook, self.section, self.labels = None, None, {}
            self.steps.clear_options()
            title.update(
                Text(f"no runbook section covers {one_line(alert_name)}", style="italic")
                if alert_name
                else Text("select an alert to see its runbook", style="italic")
            )
            return
        runbook, section = found
        labels = dict(labels or {})
        remembered = tuple(remedies or ())
        if section is self.section and labels == self.labels and remembered == self._remedies:
            return
        same = section is self.section
        self.runbook, self.section, self.labels = runbook, section, labels
        self._remedies = remembered
        head = Text()
        head.append(one_line(section.title), "bold")
        where = f"{runbook.path.rsplit('/', 1)[-1]}:{section.line}"
        head.append(f"  {one_line(runbook.title)} · {one_line(where)}", "dim")
        if section.alerts:
            head.append("\nalerts: " + one_line(", ".join(section.alerts)), "dim")
        if others:
            names = ", ".join(one_line(o) for o in others)
            head.append(f"\nalso covered by {len(others)} other runbook(s): {names}", "italic")
        for line in remembered:  # memory only: nothing here runs by itself
            head.append(f"\n✓ before: {one_line(line)}", "green")
        title.update(head)
        at = self.step_index if same else None
        self.steps.clear_options()
        self.steps.add_options(
            [
                Option(row.text, disabled=True)
                if row.step is None
                else Option(row.text, id=str(row.step))
                for row in section_rows(section, labels)
            ]
        )
        if section.steps:
            self.highlight_step(at if at is not None else 0)

    def highlight_step(self, index: int) -> None:
        """Put the cursor on step `index` of the section."""
        try:
            self.steps.highlighted = self.steps.get_option_index(str(index))
        except Exception:  # no such step: leave the cursor where it is
            return

    @property
    def step_index(self) -> int | None:
        """The index in the section's steps of the step under the cursor."""
        at = self.steps.highlighted
        if self.section is None or at is None or at >= self.steps.option_count:
            return None
        option_id = self.steps.get_option_at_index(at).id
        return int(option_id) if option_id is not None else None

    @property
    def selected_step(self) -> Step | None:
        index = self.step_index
        if self.section is None or index is None or index >= len(self.section.steps):
            return None
        return self.section.steps[index]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = self.step_index
        if self.selected_step is not None and index is not None:
            self.post_message(self.StepChosen(index))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """The output follows the cursor: a step that has run shows its latest run."""
        event.stop()
        key = self.key_of(self.selected_step)
        found = [i for i, run in enumerate(self.runs) if run.key == key]
        if found and found[-1] != self.shown_run:
            self.show_run(found[-1])

    # ------------------------------------------------------------ output

    def key_of(self, step: Step | None) -> tuple[str, int, str] | None:
        if step is None:
            return None
        return (self.runbook.path if self.runbook else "", step.line, step.command)

    def start_run(self, step: Step, header: str | Text) -> None:
        """A new run of `step`: its output gets a page of its own, shown now."""
        first = header.plain if isinstance(header, Text) else header
        key = self.key_of(step) or ("", step.line, step.command)
        self.runs.append(StepRun(key, one_line(first)))
        self.show_run(len(self.runs) - 1)
        self.write_output(header)

    def show_run(self, index: int) -> None:
        """Show run `index` (0 is the incident's first); out of range stops at the ends."""
        if not self.runs:
            return
        index = min(max(index, 0), len(self.runs) - 1)
        self.shown_run = index
        run = self.runs[index]
        log = self.output
        log.clear()
        for line in run.lines:
            log.write(line)
        log.remove_class("-empty")
        title = self.query_one("#runbook-output-title", Static)
        title.remove_class("-empty")
        title.update(Text(f"output {index + 1}/{len(self.runs)} · {run.title}  ([ ] switch)"))

    def action_show_run(self, delta: int) -> None:
        if self.shown_run is not None:
            self.show_run(self.shown_run + delta)

    def write_output(self, line: str | Text) -> None:
        """A line of the newest run (shown if that run is on screen)."""
        if not self.runs:
            self.runs.append(StepRun(("", 0, ""), "output"))
            self.show_run(0)
        lines = self.runs[-1].lines
        lines.append(line)
        if len(lines) > RUN_LINES:
            del lines[: len(lines) - RUN_LINES]
        if self.shown_run == len(self.runs) - 1:
            self.output.write(line)
        self.transcript.append(line.plain if isinstance(line, Text) else line)

    def search(self, term: str, limit: int = 200) -> list[str]:
        """Output lines containing `term` (any case), each after the command that printed it."""
        needle = term.lower()
        found: list[str] = []
        command = ""
        for line in self.transcript:
            if line.startswith("$ "):
                command = line
                continue
            if needle in line.lower():
                if command:
                    found.append(command)
                    command = ""
                found.append(f"  {line}")
                if len(found) >= limit:
                    break
        return found
