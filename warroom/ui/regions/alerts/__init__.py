"""The firing-alerts region: the list, its filter, silences and acks."""

from warroom.ui.regions.alerts.region import AlertsRegion

REGION = AlertsRegion
