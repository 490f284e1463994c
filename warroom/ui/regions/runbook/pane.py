"""The runbook pane: the section for the selected alert, its steps, and their output."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from warroom.domain.runbooks import Risk, Runbook, Section, Step
from warroom.domain.untrusted import one_line
from warroom.ui.widgets.text_log import TextLog

_RISK_STYLE = {Risk.READ: "", Risk.WRITE: "bold", Risk.DESTRUCTIVE: "bold reverse"}


def step_label(index: int, step: Step, section: Section) -> Text:
    text = Text()
    alt = step.alternative_of is not None
    text.append(f"{index + 1:>2}{'┆' if alt else ' '}")
    text.append(f"{step.risk.symbol} {step.risk.value:<5} ", _RISK_STYLE[step.risk])
    text.append(f"{step.kind.value:<6} ", "dim")
    if step.phase:
        text.append(f"[{one_line(step.phase)}] ", "italic")
    if step.description:
        text.append(one_line(step.description) + " — ", "dim")
    text.append(one_line(step.first_line))
    return text


class StepList(OptionList):
    """The steps, moved through with j/k as well as the arrows."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]


class RunbookPane(Vertical):
    """Attributes down (`show_section`), messages up (`RunbookPane.StepChosen`)."""

    DEFAULT_CSS = """
    RunbookPane { background: $surface; }
    RunbookPane > #runbook-title { height: auto; max-height: 3; padding: 0 1; color: $foreground; }
    RunbookPane > OptionList { height: 1fr; min-height: 3; border: none; background: $surface; }
    RunbookPane > TextLog { height: 1fr; min-height: 3; border-top: dashed $panel; background: $surface; }
    RunbookPane > TextLog.-empty { display: none; }
    """

    class StepChosen(Message):
        """A step was picked (enter or a click): the region asks to run it."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.section: Section | None = None
        self.runbook: Runbook | None = None
        self.transcript: list[str] = []  # every line of every step's output, for search

    def compose(self) -> ComposeResult:
        yield Static("select an alert to see its runbook", id="runbook-title")
        yield StepList(id="runbook-steps")
        yield TextLog(id="runbook-output", max_lines=2000, classes="-empty")

    @property
    def steps(self) -> OptionList:
        return self.query_one("#runbook-steps", OptionList)

    @property
    def output(self) -> TextLog:
        return self.query_one("#runbook-output", TextLog)

    def show_section(self, found: tuple[Runbook, Section] | None, alert_name: str | None) -> None:
        title = self.query_one("#runbook-title", Static)
        if found is None:
            if self.section is None and self.steps.option_count == 0 and alert_name is None:
                return
            self.runbook, self.section = None, None
            self.steps.clear_options()
            title.update(
                Text(f"no runbook section covers {one_line(alert_name)}", style="italic")
                if alert_name
                else Text("select an alert to see its runbook", style="italic")
            )
            return
        runbook, section = found
        if section is self.section:
            return
        self.runbook, self.section = runbook, section
        head = Text()
        head.append(one_line(section.title), "bold")
        where = f"{runbook.path.rsplit('/', 1)[-1]}:{section.line}"
        head.append(f"  {one_line(runbook.title)} · {one_line(where)}", "dim")
        if section.alerts:
            head.append("\nalerts: " + one_line(", ".join(section.alerts)), "dim")
        title.update(head)
        self.steps.clear_options()
        self.steps.add_options(
            [
                Option(step_label(i, step, section), id=str(i))
                for i, step in enumerate(section.steps)
            ]
        )
        if section.steps:
            self.steps.highlighted = 0

    @property
    def selected_step(self) -> Step | None:
        index = self.steps.highlighted
        if self.section is None or index is None or index >= len(self.section.steps):
            return None
        return self.section.steps[index]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = self.steps.highlighted
        if self.selected_step is not None and index is not None:
            self.post_message(self.StepChosen(index))

    def write_output(self, line: str | Text) -> None:
        self.output.remove_class("-empty")
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
