"""The golden-signals region: one panel per configured signal, scoped to a service."""

from warroom.ui.regions.signals.region import SignalsRegion

REGION = SignalsRegion
