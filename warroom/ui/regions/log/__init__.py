"""The incident-log region: the timeline, and every way to add to it."""

from warroom.ui.regions.log.region import LogRegion

REGION = LogRegion
