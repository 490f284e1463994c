"""The Service region: containers, pods, rollouts and recent changes for the service in scope."""

from warroom.ui.regions.service.region import ServiceRegion

REGION = ServiceRegion
