"""The runbook region: shows the selected alert's section and runs its steps through the step
pipeline (fill, confirm by risk, run, record); output streams back as `StepOutput` facts and
the finished run is posted up as a `Region.Record` for the log.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.worker import Worker

from warroom.domain.alerts import Alert
from warroom.domain.errors import WarroomError
from warroom.domain.ports import RenderedStep, StepResult
from warroom.domain.runbooks import RunbookLibrary, Step
from warroom.domain.untrusted import one_line
from warroom.ui.dialogs.prompts import Confirm, EditText, TextPrompt
from warroom.ui.messages import StepFinished, StepOutput
from warroom.ui.regions.base import Access, Action, Region, Services
from warroom.ui.regions.runbook.pane import RunbookPane


def _swallow_sigint(loop: asyncio.AbstractEventLoop) -> bool:
    """ctrl+c while a command has the terminal is the command's: the console ignores it.
    False where the loop cannot take signal handlers (not the main thread, Windows)."""
    try:
        loop.add_signal_handler(signal.SIGINT, lambda: None)
    except (NotImplementedError, RuntimeError, ValueError):
        return False
    return True


class RunbookRegion(Region):
    NAME = "runbook"
    TITLE = "Runbook"
    ACTIONS = (
        Action("ctrl+c", "cancel_step", "Cancel step", Access.READ, show=False, priority=True),
        Action("O", "toggle_output", "Step output", Access.READ, show=False),
    )
    # enter on the screen, or a step picked in the list (enter, a click), ask for these
    DIALOG_ACTIONS = (
        Action("", "run_selected_step", "Run a step", Access.WRITE),
        Action("", "run_step_at", "Run a step", Access.WRITE),
    )
    BINDINGS = [Binding("slash", "search", "Search output", show=False)]

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.library = self.ctx.library or RunbookLibrary()
        self.alert: Alert | None = None
        self._pipeline: Any = None
        self._worker: Worker[Any] | None = None

    def compose(self) -> ComposeResult:
        yield RunbookPane(id="runbook-pane")

    @property
    def pane(self) -> RunbookPane:
        return self.query_one(RunbookPane)

    def focus_first(self) -> None:
        self.pane.steps.focus()

    def start(self) -> None:
        if self.ctx.library is None:
            self._load_runbooks()

    @work(thread=True, group="runbooks", exit_on_error=False, description="Read the runbooks")
    def _load_runbooks(self) -> None:
        """Parsing Markdown runbooks waits until the first alerts are on screen."""
        from warroom.services.runbook_library import load_library

        library = load_library(list(self.ctx.runbook_paths))
        self.app.call_from_thread(self._loaded, library)

    def _loaded(self, library: RunbookLibrary) -> None:
        self.library = library
        for runbook in library.runbooks:
            for problem in runbook.errors[:3]:
                self.notify(str(problem), title="Runbook", severity="warning", markup=False)
        self.show_alert(self.alert)

    def show_alert(self, alert: Alert | None) -> None:
        """Attributes down: the selected alert's section (or none), filled from its labels."""
        self.alert = alert
        if alert is None:
            self.pane.show_section(None, None)
            return
        found = self.library.covering(alert.name, alert.annotations)
        if not found:
            self.pane.show_section(None, alert.name)
            return
        others = [runbook.path.rsplit("/", 1)[-1] for runbook, _ in found[1:]]
        labels = dict(alert.labels)
        labels.setdefault("alertname", alert.name)  # as `step_pipeline.alert_values` fills
        self.pane.show_section(found[0], alert.name, labels, others, self._remedies(alert))

    def _remedies(self, alert: Alert) -> list[str]:
        """What fixed this alert in past incidents, best first (the alerts region loads the
        library in a worker; until then, and for a new alert, there is nothing to say)."""
        memory = self.services.remedies.for_alert(alert)
        lines = [stat.text for stat in memory.ranked[:3]]
        if memory.recovered_alone:
            lines.append(f"recovered by itself {memory.recovered_alone} of {memory.firings} times")
        return lines

    # ------------------------------------------------------------ steps

    @property
    def pipeline(self) -> Any:
        if self._pipeline is None:  # (placeholders and the runner load on the first step)
            from warroom.services.step_pipeline import StepPipeline

            ctx = self.ctx
            self._pipeline = StepPipeline(
                ctx.sources.executors,
                ctx.clock,
                ctx.author,
                viewer=ctx.viewer,
                default_timeout_s=ctx.settings.step_timeout_s,
                approvals=self.services.approvals,
            )
        return self._pipeline

    def action_run_selected_step(self) -> None:
        step = self.pane.selected_step
        if step is not None:
            self.run_step(step)

    @on(RunbookPane.StepChosen)
    def step_chosen(self, message: RunbookPane.StepChosen) -> None:
        message.stop()
        self.post_message(Region.Requested("run_step_at", message.index))

    def action_run_step_at(self, index: int) -> None:
        section = self.pane.section
        if section is not None and 0 <= index < len(section.steps):
            self.run_step(section.steps[index])

    def run_step(self, step: Step) -> None:
        from warroom.services.step_pipeline import alert_values

        if not step.kind.runnable:
            self.notify("this block is text: shown, never run", timeout=3)
            return
        if self._worker is not None and self._worker.is_running:
            self.notify("a step is already running (ctrl+c cancels it)", severity="warning")
            return
        labels = alert_values(self.alert)
        values: dict[str, str] = {}
        missing = self.pipeline.missing(step, labels)

        def ask_next() -> None:
            if missing:
                name = missing[0]

                def given(value: str | None) -> None:
                    if value is not None:
                        values[name] = value
                        missing.pop(0)
                        ask_next()

                prompt = TextPrompt(f"Value for <{name}>", hint=step.first_line)
                self.app.push_screen(prompt, given)
                return
            try:
                rendered = self.pipeline.render(step, labels, values)
            except WarroomError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self._confirm_and_run(rendered)

        ask_next()

    def _confirm_and_run(self, rendered: RenderedStep) -> None:
        from warroom.services.step_pipeline import Ask

        asked = self.pipeline.confirmation(rendered)
        if asked.ask is Ask.NOTHING:
            self._run(rendered, confirmed=False, typed=None)
        elif asked.ask is Ask.YES:

            def answered(yes: bool | None) -> None:
                if yes:
                    self._run(rendered, confirmed=True, typed=None)

            self.app.push_screen(Confirm(asked.question, asked.detail), answered)
        else:

            def typed(value: str | None) -> None:
                if value is not None:
                    self._run(rendered, confirmed=True, typed=value)

            prompt = TextPrompt(asked.question, hint=asked.detail, must_equal=asked.target)
            self.app.push_screen(prompt, typed)

    def _run(self, rendered: RenderedStep, *, confirmed: bool, typed: str | None) -> None:
        if self.pipeline.attaches(rendered):
            self._run_attached(rendered, confirmed, typed)
            return
        self.pane.start_run(rendered.step, Text(f"$ {one_line(rendered.command)}", style="bold"))
        self._worker = self._run_worker(rendered, confirmed, typed)

    def _run_attached(self, rendered: RenderedStep, confirmed: bool, typed: str | None) -> None:
        """An interactive step: refusals are said before the terminal is handed over."""
        reason = self.pipeline.refusal(rendered, confirmed=confirmed, typed=typed)
        if reason:
            self.notify(reason, severity="error", markup=False)
            return
        self._worker = self._attached_worker(rendered, confirmed, typed)

    @work(group="steps", exit_on_error=False, description="Run an interactive step")
    async def _attached_worker(
        self, rendered: RenderedStep, confirmed: bool, typed: str | None
    ) -> None:
        """The console steps aside (`App.suspend`), the command gets the terminal (inside tmux
        and over SSH alike) from a thread, and its exit status and duration are logged when it
        ends. Meanwhile the loop keeps running (acks kept alive, alerts polled) with every
        repaint held back (`batch_update`: nothing may draw over the command), and ctrl+c
        belongs to the command (the console's SIGINT is swallowed, not fatal)."""
        from textual.app import SuspendNotSupported

        command = one_line(rendered.command)
        result: StepResult | None = None
        failure = ""
        cancelled = False
        loop = asyncio.get_running_loop()
        try:
            with self.app.suspend(), self.app.batch_update():
                # nothing may raise out of here: the app resumes only when the block ends
                swallowed = _swallow_sigint(loop)
                try:
                    print(f"\nwarroom: running {command}\n(end it to return to the console)\n")
                    result = await asyncio.to_thread(
                        self.pipeline.run_attached, rendered, confirmed=confirmed, typed=typed
                    )
                except WarroomError as exc:
                    failure = str(exc)
                except asyncio.CancelledError:  # the console is closing: come back first
                    cancelled = True
                finally:
                    if swallowed:
                        loop.remove_signal_handler(signal.SIGINT)
        except SuspendNotSupported:
            failure = "this terminal cannot be handed to an interactive step"
        if cancelled:
            raise asyncio.CancelledError
        if result is None:
            self.notify(failure or "the step did not run", severity="error", markup=False)
            return
        self.pane.start_run(rendered.step, Text(f"$ {command}", style="bold"))
        self.pane.write_output(Text("(ran on the terminal: its output is not kept here)", "dim"))
        self.post_message(StepFinished(rendered, result))

    @work(group="steps", exit_on_error=False, description="Run a runbook step")
    async def _run_worker(self, rendered: RenderedStep, confirmed: bool, typed: str | None) -> None:
        try:
            result = await self.pipeline.run(
                rendered,
                lambda line: self.post_message(StepOutput(line)),
                confirmed=confirmed,
                typed=typed,
            )
        except asyncio.CancelledError:
            result = StepResult(exit_code=None, duration_s=0.0, cancelled=True, error="cancelled")
            self.post_message(StepFinished(rendered, result))
            raise
        except WarroomError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.post_message(StepFinished(rendered, result))

    @on(StepOutput)
    def step_output(self, message: StepOutput) -> None:
        message.stop()
        for line in message.line.split("\n"):  # executors send batches of lines
            self.pane.write_output(line)

    @on(StepFinished)
    def step_finished(self, message: StepFinished) -> None:
        message.stop()
        result = message.result
        if result.cancelled:
            status = "cancelled"
        elif result.timed_out:
            status = "timed out"
        else:
            status = f"exit {result.exit_code}"
        style = "bold green" if result.ok else "bold red"
        took = f"└ {status} in {result.duration_s:.1f} s"
        self.pane.write_output(Text(took, style=style))
        incident = self.services.incident_log.incident
        runbook, section = self.pane.runbook, self.pane.section
        where = (section.title, *message.rendered.step.phase_path) if section else ()
        entry = self.pipeline.record(
            incident.id if incident else "",
            message.rendered,
            result,
            runbook=runbook.title if runbook else "",
            section=" › ".join(p for p in where if p),
        )
        self.post_message(Region.Record(entry.kind, entry.text, dict(entry.data)))

    def action_toggle_output(self) -> None:
        """Between the steps and their output: the output pane scrolls with the same keys."""
        pane = self.pane
        if pane.output.has_focus:
            pane.steps.focus()
        elif pane.runs:
            pane.output.focus()
        else:
            self.notify("no step has run yet in this incident", timeout=3)

    def action_cancel_step(self) -> None:
        if self._worker is not None and self._worker.is_running:
            self._worker.cancel()
            self.notify("step cancelled", timeout=3)

    def action_search(self) -> None:
        def search(term: str | None) -> None:
            if not term:
                return
            hits = self.pane.search(term)
            text = "\n".join(hits) if hits else f"nothing in the step output matches {term!r}"
            title = f"Step output matching {one_line(term)!r}"
            self.app.push_screen(EditText(title, text, hint="esc closes"))

        self.app.push_screen(TextPrompt("Search the steps' output", placeholder="text"), search)
