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
    from warroom.domain.ports import Sources
    from warroom.ui.regions.base import Region


@dataclass(frozen=True, slots=True)
class RegionSpec:
    name: str
    title: str
    module: str  # the package whose REGION is the Region subclass
    needs: str = ""  # a `Sources` field that must be non-empty, else the region takes no space
    short: str = ""  # the tab's label when the full titles do not fit (80 columns)

    def load(self) -> type[Region]:
        region: type[Region] = importlib.import_module(self.module).REGION
        return region


REGISTRY: list[RegionSpec] = [
    RegionSpec("alerts", "Firing alerts", "warroom.ui.regions.alerts"),
    RegionSpec("signals", "Golden signals", "warroom.ui.regions.signals"),
    RegionSpec("runbook", "Runbook", "warroom.ui.regions.runbook"),
    RegionSpec("log", "Incident log", "warroom.ui.regions.log", short="Log"),
    RegionSpec("service", "Service", "warroom.ui.regions.service", needs="context_sources"),
]


def register(spec: RegionSpec) -> None:
    """Add a region after the built-in ones (a plugin, or a test's tiny region)."""
    if all(s.name != spec.name for s in REGISTRY):
        REGISTRY.append(spec)


def unregister(name: str) -> None:
    REGISTRY[:] = [s for s in REGISTRY if s.name != name]


def chosen(layout: Sequence[str] | None, sources: Sources | None = None) -> list[RegionSpec]:
    """The regions to show, in order: those the layout names (unknown names ignored), else all.
    Given `sources`, a region whose `needs` is empty there (no docker, no kubeconfig) is left
    out: absent sources take no space."""
    available = [s for s in REGISTRY if not s.needs or sources is None or getattr(sources, s.needs)]
    if not layout:
        return available
    by_name = {s.name: s for s in available}
    picked = [by_name[n] for n in layout if n in by_name]
    return picked or available
