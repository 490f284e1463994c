"""The runbook region: the section for the selected alert, its steps, and their output."""

from warroom.ui.regions.runbook.region import RunbookRegion

REGION = RunbookRegion
