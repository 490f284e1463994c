"""The real-Alertmanager storm is the one the issue describes: 8 services x 8 alert names x
3 severities, 5 labels and 2 annotations per alert, every alert distinct (Alertmanager would
merge duplicates and the console would be timed on fewer)."""

from __future__ import annotations

from benchmarks.bench_real_alertmanager import storm


def test_the_storm_has_the_issues_shape() -> None:
    alerts = storm(10_000)
    labels = [a["labels"] for a in alerts]
    assert len({tuple(sorted(x.items())) for x in labels}) == 10_000
    assert {len(x) for x in labels} == {5} and {len(a["annotations"]) for a in alerts} == {2}
    combos = {(x["service"], x["alertname"], x["severity"]) for x in labels}
    assert len(combos) == 8 * 8 * 3
    assert all(a["endsAt"] > a["startsAt"] for a in alerts)
