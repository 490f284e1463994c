"""The drill and the shipped runbooks agree: each drill alert's runbook section holds a step
whose rendered command is that scenario's right remedy, so the fix can be run from the console.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.drill.conftest import CONTRACT
from warroom.domain.errors import RunbookError
from warroom.domain.placeholders import render_step
from warroom.drill import load_scenario
from warroom.services.runbook_library import load_library

RUNBOOKS = Path(__file__).resolve().parents[2] / "runbooks"


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_runbook_section_offers_the_remedy(name: str) -> None:
    library = load_library([RUNBOOKS])
    scenario = load_scenario(name)
    for rule in scenario.alerts:
        found = library.section_for(rule.name, rule.annotations)
        assert found is not None, f"no runbook section for {rule.name} in runbooks/"
        _, section = found
        commands = []
        for step in section.steps:
            if not step.kind.runnable:
                continue
            try:
                commands.append(render_step(step, rule.labels).command)
            except RunbookError:
                continue  # needs a value typed by the commander; not the one-key fix
        fixes = [c for c in commands if any(r.matches(c) for r in scenario.remedies)]
        assert fixes, f"{rule.name}: no step in '{section.title}' matches a remedy of {name}"
