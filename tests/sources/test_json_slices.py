"""A big Alertmanager answer is decoded a slice at a time, and always to what json.loads gives."""

from __future__ import annotations

import json
from typing import Any

import pytest

from benchmarks.bench_alert_storm import storm_alerts
from warroom.sources import alertmanager
from warroom.sources.alertmanager import NotAJsonArray, json_array_slices


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Slices of 2 KB, so a few hundred alerts take many; records each slice decoded."""
    monkeypatch.setattr(alertmanager, "_SLICE_BYTES", 2048)
    sizes: list[int] = []
    loads = json.loads

    def counting(text: Any) -> Any:
        sizes.append(len(text))
        return loads(text)

    monkeypatch.setattr(alertmanager.json, "loads", counting)
    return sizes


def decode_json_list(body: bytes) -> list[Any]:
    return [item for part in json_array_slices(body) for item in part]


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def test_a_big_array_is_decoded_in_slices_to_the_same_items(small_slices: list[int]) -> None:
    alerts = storm_alerts(400)
    body = _compact(alerts)
    assert decode_json_list(body) == alerts
    assert len(small_slices) > 20 and max(small_slices) < len(body) / 10


def test_breaks_inside_items_and_strings_do_not_fool_it(small_slices: list[int]) -> None:
    alerts = storm_alerts(400)
    for i, alert in enumerate(alerts):
        # `},{"` inside a nested array, and `},{` + a closing quote inside a string value
        alert["receivers"] = [{"name": "a"}, {"name": "b"}, {"name": f"c{i}"}]
        alert["annotations"]["description"] = 'odd "},{" text'
        alert["annotations"]["summary"] = "ends like a break },{"
    body = _compact(alerts)
    assert decode_json_list(body) == alerts
    assert len(small_slices) > 20 and max(small_slices) < len(body) / 10  # never all at once
    assert len(small_slices) > len(body) // 2048 + 1  # some cuts were tried again further on


def test_whitespace_and_non_arrays_fall_back_to_one_decode(small_slices: list[int]) -> None:
    alerts = storm_alerts(200)
    spaced = json.dumps(alerts, indent=1).encode()  # no `},{"` anywhere
    assert decode_json_list(spaced) == alerts
    with pytest.raises(NotAJsonArray):
        decode_json_list(_compact({"data": alerts}))


def test_malformed_json_still_raises(small_slices: list[int]) -> None:
    body = _compact(storm_alerts(300))
    with pytest.raises(ValueError):
        decode_json_list(body[:-1])  # the closing bracket lost
    with pytest.raises(ValueError):
        decode_json_list(body[: len(body) // 2] + b"]")  # cut in the middle of an item
