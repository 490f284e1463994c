"""Where a silence lives: Alertmanager clusters, and the words the console says about it.

HA peers of one cluster gossip their silences, so a silence is made in one member of each
cluster; separate Alertmanagers (one per region) each own their alerts, so a silence goes to
every cluster that holds an alert it matches. `clusters` maps a source's name to its cluster's
(a source with no cluster configured is a cluster of its own). Pure: the silence service
decides whom to call, the dialog what to say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from warroom.domain.alerts import Alert, Placement, Silence


def clusters_holding(alerts: Iterable[Alert], clusters: Mapping[str, str]) -> dict[str, int]:
    """cluster -> how many of `alerts` it holds, most first (then by name). An alert two
    clusters hold counts in both; origins that are no cluster (read-only sources) are skipped."""
    counts: dict[str, int] = {}
    for alert in alerts:
        for cluster in dict.fromkeys(clusters[o] for o in alert.origins if o in clusters):
            counts[cluster] = counts.get(cluster, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _alerts(n: int) -> str:
    return f"{n} alert{'s' if n != 1 else ''}"


def where_text(alerts: Sequence[Alert], clusters: Mapping[str, str]) -> str:
    """What a preview says: `1 alert in am-us1-c`, `3 alerts: 2 in eu1, 1 in us1`, or, when no
    alert matches, that the silence goes to every cluster (it catches them wherever they fire)."""
    held = clusters_holding(alerts, clusters)
    if not held:
        every = ", ".join(dict.fromkeys(clusters.values()))
        lead = f"{_alerts(len(alerts))} in no Alertmanager" if alerts else "no firing alert"
        return f"{lead}: made in every cluster ({every})" if every else lead
    if len(held) == 1:
        ((cluster, _count),) = held.items()
        return f"{_alerts(len(alerts))} in {cluster}"
    return f"{_alerts(len(alerts))}: " + ", ".join(f"{n} in {c}" for c, n in held.items())


def target_clusters(alerts: Sequence[Alert], clusters: Mapping[str, str]) -> list[str]:
    """The clusters a silence matching `alerts` is made in: those holding one, else all."""
    return list(clusters_holding(alerts, clusters)) or list(dict.fromkeys(clusters.values()))


def _key(silence: Silence) -> tuple[frozenset[tuple[str, str, bool, bool]], str, str]:
    matchers = frozenset((m.name, m.value, m.is_regex, m.is_equal) for m in silence.matchers)
    return matchers, silence.comment, silence.created_by


def merge_listed(
    listed: Mapping[str, Sequence[Silence]], clusters: Mapping[str, str]
) -> list[Silence]:
    """Each source's silences -> one Silence per logical silence, with its `placements`.

    Within a cluster a silence is one id (its members list it alike). Across clusters the
    console made one silence per cluster with the same matchers, comment and author: those
    are one row, one placement per cluster. Two such silences in one cluster stay two rows.
    Ends at the soonest of its placements; active if any placement is."""
    by_id: dict[tuple[str, str], Silence] = {}
    for source, silences in listed.items():
        cluster = clusters.get(source, source)
        for s in silences:
            seen = by_id.get((cluster, s.id))
            if seen is None:
                by_id[(cluster, s.id)] = replace(s, origins=(source,))
            elif source not in seen.origins:
                by_id[(cluster, s.id)] = replace(seen, origins=(*seen.origins, source))
    rows: dict[tuple[frozenset[tuple[str, str, bool, bool]], str, str], list[dict[str, Silence]]]
    rows = {}
    for (cluster, _sid), s in by_id.items():
        bucket = rows.setdefault(_key(s), [])
        row = next((r for r in bucket if cluster not in r), None)
        if row is None:
            bucket.append({cluster: s})
        else:
            row[cluster] = s
    merged = []
    for bucket in rows.values():
        for row in bucket:
            first = next(iter(row.values()))
            merged.append(
                replace(
                    first,
                    ends_at=min(s.ends_at for s in row.values()),
                    state="active"
                    if any(s.state == "active" for s in row.values())
                    else first.state,
                    origins=tuple(o for s in row.values() for o in s.origins),
                    placements=tuple(Placement(c, s.id, s.origins) for c, s in row.items()),
                )
            )
    return merged
