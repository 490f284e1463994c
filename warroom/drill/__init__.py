"""The drill: a simulated incident behind the same ports as the live sources.

`warroom drill` builds a `DrillWorld` from a scenario and injects `world.sources()` into the
console, so a newcomer sees a real, moving incident and teams can rehearse. Nothing in this
package runs a command or touches the network.
"""

from warroom.drill.scenario import (
    DEFAULT_SCENARIO,
    Scenario,
    ScenarioInfo,
    list_scenarios,
    load_scenario,
    parse_scenario,
)
from warroom.drill.world import DrillClock, DrillSummary, DrillWorld

__all__ = [
    "DEFAULT_SCENARIO",
    "DrillClock",
    "DrillSummary",
    "DrillWorld",
    "Scenario",
    "ScenarioInfo",
    "list_scenarios",
    "load_scenario",
    "parse_scenario",
]
