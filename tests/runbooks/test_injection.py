"""Nothing a label or a typed value contains can run as a command.

Each hostile value is rendered into shell steps in every quoting context (plain, "…", '…',
heredoc) and really run through the shell executor. A marker file the payload tries to create
must never appear, and the value must come out literally, byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runbooks.helpers import Sink, step
from tests.runbooks.sandbox import CLASSIC_VALUES
from warroom.domain.placeholders import UnsafeValue, render_step
from warroom.domain.runbooks import Risk
from warroom.services.steps import StepRunner
from warroom.sources.executors.shell import ShellExecutor

PAYLOADS = CLASSIC_VALUES  # the executor path; the whole table runs in test_hostile_values

TEMPLATES = {
    "plain": "printf '%s\\n' <value>",
    "double": "printf '%s\\n' \"[<value>]\"",
    "single": "printf '%s\\n' '[<value>]'",
}


@pytest.fixture
def runner() -> StepRunner:
    return StepRunner([ShellExecutor()], viewer=False, default_timeout_s=10)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("context", sorted(TEMPLATES))
@pytest.mark.parametrize("source", ["label", "typed"])
async def test_values_cannot_inject(
    runner: StepRunner, tmp_path: Path, payload: str, context: str, source: str
) -> None:
    marker = tmp_path / "pwned"
    value = payload.replace("{m}", str(marker))
    s = step(TEMPLATES[context].replace("<value>", "<pod>"), risk=Risk.READ)
    labels, values = ({"pod": value}, {}) if source == "label" else ({}, {"pod": value})
    try:
        rendered = render_step(s, labels, values)
    except UnsafeValue as exc:  # refused, with its reason on one line
        assert "\n" not in str(exc) and exc.value == value
        return
    sink = Sink()
    result = await runner.run(rendered, sink)
    assert not marker.exists(), rendered.command
    assert result.exit_code == 0
    expected = value if context == "plain" else f"[{value}]"
    assert result.output == expected + "\n"


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_heredoc_values_cannot_inject(
    runner: StepRunner, tmp_path: Path, payload: str
) -> None:
    marker = tmp_path / "pwned"
    value = payload.replace("{m}", str(marker))
    s = step("cat <<EOF\n[<pod>]\nEOF", risk=Risk.READ)
    try:
        rendered = render_step(s, {"pod": value}, {})
    except UnsafeValue as exc:
        assert "\n" in value or not value.strip(), exc
        return
    result = await runner.run(rendered, Sink())
    assert not marker.exists()
    assert result.output == f"[{value}]\n"


async def test_the_intended_command_still_runs(runner: StepRunner, tmp_path: Path) -> None:
    target = tmp_path / "made by the step"
    s = step("touch <path> && ls <path>", risk=Risk.READ)
    rendered = render_step(s, {"path": str(target)}, {})
    assert rendered.risk is Risk.WRITE  # judged on what runs: touch writes
    result = await runner.run(rendered, Sink(), confirmed=True)
    assert result.exit_code == 0 and target.exists()
