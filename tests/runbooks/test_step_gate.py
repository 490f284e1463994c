"""The runner's gate judges the rendered command: a value that raises the risk raises the bar."""

from __future__ import annotations

from tests.runbooks.helpers import Sink, step
from warroom.domain.placeholders import render_step
from warroom.domain.runbooks import Risk
from warroom.services.steps import StepRunner
from warroom.sources.executors.shell import ShellExecutor


def test_a_value_that_makes_a_step_destructive_asks_for_the_typed_target() -> None:
    template = step("kubectl scale deployment/<deployment> --replicas=<replicas>")
    assert template.risk is Risk.WRITE
    rendered = render_step(template, {"deployment": "api", "replicas": "0"})
    assert rendered.risk is Risk.DESTRUCTIVE and rendered.target == "api"
    runner = StepRunner([ShellExecutor()], viewer=False)
    reason = runner.refusal(rendered, confirmed=True)
    assert reason is not None
    assert reason.startswith("destructive step: type 'api' to confirm")
    assert "filled with its values it is destructive; the runbook's step alone is write" in reason
    assert runner.refusal(rendered, confirmed=True, typed_target="api") is None


def test_a_read_template_that_renders_to_a_write_needs_a_yes() -> None:
    rendered = render_step(step("date <when>", risk=Risk.READ), {"when": "0101000026"})
    assert rendered.risk is Risk.WRITE
    runner = StepRunner([ShellExecutor()], viewer=False)
    assert "confirm (y)" in (runner.refusal(rendered) or "")


async def test_an_unescalated_step_keeps_its_message() -> None:
    rendered = render_step(step("printf '%s\\n' <pod>"), {"pod": "api-0"})
    assert rendered.risk_reason == ""
    runner = StepRunner([ShellExecutor()], viewer=False)
    result = await runner.run(rendered, Sink())
    assert result.output == "api-0\n"
