"""The war room's regions, one package each; the screen shows them in `REGISTRY` order
(or the order the `layout` setting names).

Adding a region is one package whose `__init__` names its `Region` subclass `REGION`, and one
line here (or one `register()` call): see ARCHITECTURE.md, "Adding a region".
Names and titles are read without importing the packages, so the boot frame stays light.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from warroom.ui.regions.base import Region


@dataclass(frozen=True, slots=True)
class RegionSpec:
    name: str
    title: str
    module: str  # the package whose REGION is the Region subclass

    def load(self) -> type[Region]:
        region: type[Region] = importlib.import_module(self.module).REGION
        return region


REGISTRY: list[RegionSpec] = [
    RegionSpec("alerts", "Firing alerts", "warroom.ui.regions.alerts"),
    RegionSpec("signals", "Golden signals", "warroom.ui.regions.signals"),
    RegionSpec("runbook", "Runbook", "warroom.ui.regions.runbook"),
    RegionSpec("log", "Incident log", "warroom.ui.regions.log"),
]


def register(spec: RegionSpec) -> None:
    """Add a region after the built-in ones (a plugin, or a test's tiny region)."""
    if all(s.name != spec.name for s in REGISTRY):
        REGISTRY.append(spec)


def unregister(name: str) -> None:
    REGISTRY[:] = [s for s in REGISTRY if s.name != name]


def chosen(layout: Sequence[str] | None) -> list[RegionSpec]:
    """The regions to show, in order: those the layout names (unknown names ignored), else all."""
    if not layout:
        return list(REGISTRY)
    by_name = {s.name: s for s in REGISTRY}
    picked = [by_name[n] for n in layout if n in by_name]
    return picked or list(REGISTRY)
