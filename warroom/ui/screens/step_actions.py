"""The runbook part of the war room: open a step, fill it, confirm by risk, run it, log it.

Steps run through the step runner in a worker; output streams back as `StepOutput` facts.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rich.text import Text
from textual import on, work
from textual.widgets import Input
from textual.worker import Worker

from warroom.domain.errors import WarroomError
from warroom.domain.ports import RenderedStep, StepResult
from warroom.domain.runbooks import Risk, Section, Step
from warroom.ui.messages import StepFinished, StepOutput
from warroom.ui.screens.base import REGIONS, WarRoomBase
from warroom.ui.screens.dialogs import Confirm, EditText, TextPrompt
from warroom.ui.widgets.alert_list import AlertList
from warroom.ui.widgets.runbook_pane import RunbookPane


class StepActions(WarRoomBase):
    """`enter` on a step, `ctrl+c` to cancel it, `/` in the pane to search its output."""

    _step_worker: Worker[Any] | None = None
    _runner: Any = None

    def action_run_step(self) -> None:
        focused = self.focused
        if isinstance(focused, AlertList):
            self.region_index = REGIONS.index("runbook-region")
            self._show_region("runbook-region")
            return
        if isinstance(focused, Input):
            return
        pane = self.query_one(RunbookPane)
        step = pane.selected_step
        if step is not None and pane.section is not None:
            self._start_step(step, pane.section)

    @on(RunbookPane.StepChosen)
    def step_chosen(self, message: RunbookPane.StepChosen) -> None:
        self._start_step(message.step, message.section)

    def _start_step(self, step: Step, section: Section) -> None:
        from warroom.domain.placeholders import missing_values, render_step

        if not step.kind.runnable:
            self.notify("this block is text: shown, never run", timeout=3)
            return
        if self.ctx.viewer:
            self.notify("viewer mode: steps are shown, never run", severity="warning")
            return
        if self._step_worker is not None and self._step_worker.is_running:
            self.notify("a step is already running (ctrl+c cancels it)", severity="warning")
            return
        labels = dict(self.selected.labels) if self.selected else {}
        if self.selected:
            labels.setdefault("alertname", self.selected.name)
        values: dict[str, str] = {}
        missing = list(missing_values(step, labels))

        def ask_next() -> None:
            if missing:
                name = missing[0]

                def given(value: str | None) -> None:
                    if value is None:
                        return
                    values[name] = value
                    missing.pop(0)
                    ask_next()

                self.app.push_screen(TextPrompt(f"Value for <{name}>", hint=step.first_line), given)
                return
            try:
                rendered = render_step(step, labels, values)
            except WarroomError as exc:
                self.notify(str(exc), severity="error")
                return
            self._confirm_and_run(rendered)

        ask_next()

    def _confirm_and_run(self, rendered: RenderedStep) -> None:
        risk = rendered.risk
        if risk is Risk.READ:
            self._run(rendered, confirmed=False, typed=None)
        elif risk is Risk.WRITE:

            def answered(yes: bool | None) -> None:
                if yes:
                    self._run(rendered, confirmed=True, typed=None)

            self.app.push_screen(
                Confirm("This step changes state. Run it?", rendered.command), answered
            )
        else:

            def typed(value: str | None) -> None:
                if value is not None:
                    self._run(rendered, confirmed=True, typed=value)

            self.app.push_screen(
                TextPrompt(
                    "DESTRUCTIVE: type the target's name to run",
                    hint=f"{rendered.command}\n\ntarget: {rendered.target}",
                    must_equal=rendered.target,
                ),
                typed,
            )

    def _run(self, rendered: RenderedStep, *, confirmed: bool, typed: str | None) -> None:
        pane = self.query_one(RunbookPane)
        pane.write_output(Text(f"$ {rendered.command}", style="bold"))
        self._step_worker = self._run_step_worker(rendered, confirmed, typed)

    @work(group="steps", exit_on_error=False, description="Run a runbook step")
    async def _run_step_worker(
        self, rendered: RenderedStep, confirmed: bool, typed: str | None
    ) -> None:
        from warroom.services.steps import StepRunner

        if self._runner is None:
            self._runner = StepRunner(
                self.ctx.sources.executors,
                viewer=self.ctx.viewer,
                default_timeout_s=self.ctx.settings.step_timeout_s,
            )
        try:
            result = await self._runner.run(
                rendered,
                lambda line: self.post_message(StepOutput(line)),
                confirmed=confirmed,
                typed_target=typed,
            )
        except asyncio.CancelledError:
            result = StepResult(exit_code=None, duration_s=0.0, cancelled=True, error="cancelled")
            self.post_message(StepFinished(rendered, result))
            raise
        except WarroomError as exc:
            self.notify(str(exc), severity="error")
            return
        self.post_message(StepFinished(rendered, result))

    @on(StepOutput)
    def step_output(self, message: StepOutput) -> None:
        pane = self.query_one(RunbookPane)
        for line in message.line.split("\n"):  # executors send batches of lines
            pane.write_output(line)

    @on(StepFinished)
    def step_finished(self, message: StepFinished) -> None:
        from warroom.services.steps import step_entry

        result = message.result
        if result.cancelled:
            status = "cancelled"
        elif result.timed_out:
            status = "timed out"
        else:
            status = f"exit {result.exit_code}"
        style = "bold green" if result.ok else "bold red"
        self.query_one(RunbookPane).write_output(
            Text(f"└ {status} in {result.duration_s:.1f} s", style=style)
        )
        entry = step_entry(
            self.incident_log.incident.id if self.incident_log.incident else "",
            message.rendered,
            result,
            author=self.ctx.author,
            now=self.ctx.clock.now(),
        )
        self._log(entry.kind, entry.text, dict(entry.data))

    def action_cancel_step(self) -> None:
        if self._step_worker is not None and self._step_worker.is_running:
            self._step_worker.cancel()
            self.notify("step cancelled", timeout=3)

    def _search_output(self, pane: RunbookPane) -> None:
        def search(term: str | None) -> None:
            if not term:
                return
            hits = pane.search(term)
            text = "\n".join(hits) if hits else f"nothing in the step output matches {term!r}"
            self.app.push_screen(
                EditText(f"Step output matching {term!r}", text, hint="esc closes")
            )

        self.app.push_screen(TextPrompt("Search the steps' output", placeholder="text"), search)
