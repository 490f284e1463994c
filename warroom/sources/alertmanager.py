"""Alertmanager API v2 as an `AlertSource`: alerts (active, silenced, inhibited) and silences.

One httpx client per server, created on first use and reused. Every failure is a SourceError
with a one-line message; malformed or unexpected JSON is `SourceBadResponse`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warroom.config import ServerConfig
from warroom.domain import heap
from warroom.domain.alerts import Alert, AlertState, Matcher, Silence, SilenceRequest
from warroom.domain.errors import SourceBadResponse
from warroom.sources import http as _http

if TYPE_CHECKING:
    import httpx

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_STATES = {s.value: s for s in AlertState}
_SLICE_BYTES = 64 * 1024  # a slice of a big answer decoded in one call: a few ms of GIL
_ITEM_BREAK = b'},{"'
_MIN_ALERT_BYTES = 200  # an alert in /api/v2/alerts takes at least this much JSON


def parse_time(text: Any) -> datetime:
    """Alertmanager timestamps (RFC 3339, maybe nanoseconds) as aware UTC datetimes."""
    if not isinstance(text, str) or not text:
        return _EPOCH
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        # older Pythons/other servers: cut the fraction to microseconds
        head, _, rest = text.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits) :] or "Z"
        try:
            dt = datetime.fromisoformat(f"{head}.{digits[:6] or '0'}{zone}")
        except ValueError:
            return _EPOCH
    tz = dt.tzinfo
    if tz is UTC:  # "Z", Alertmanager's own: the common case, 100,000 times in a storm
        return dt
    if tz is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC) if dt.utcoffset() else dt


def format_time(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items()}


class NotAJsonArray(ValueError):
    """The answer is JSON, but not the array of alerts it should be."""


def json_array_slices(body: bytes) -> Iterator[list[Any]]:
    """The items of a JSON array, decoded a slice of items at a time.

    One `json.loads` of a 100,000-alert answer (72 MB) holds the GIL for half a second, and
    every key press waits that long; and all its items alive at once double the peak memory.
    Slices end at a `},{"` between two items: that sequence cannot occur inside a JSON string,
    and a slice cut inside a nested array or object does not parse, in which case the cut moves
    on to the next candidate (after a few, the rest is decoded at once). So the items are
    always those of `json.loads(body)`. Raises ValueError for malformed JSON, NotAJsonArray for
    JSON that is not an array.
    """
    text = body.strip()
    if len(text) < 2 * _SLICE_BYTES or not (text.startswith(b"[") and text.endswith(b"]")):
        value = json.loads(body)
        if not isinstance(value, list):
            raise NotAJsonArray(type(value).__name__)
        yield value
        return
    start, end = 1, len(text) - 1
    while start < end:
        cut = text.find(_ITEM_BREAK, start + _SLICE_BYTES, end)
        for _attempt in range(8):
            if cut < 0:
                break
            try:
                part = json.loads(b"[" + text[start : cut + 1] + b"]")
            except ValueError:  # cut inside an item: try the next candidate
                cut = text.find(_ITEM_BREAK, cut + 1, end)
                continue
            yield part
            start = cut + 2  # past the comma between the two items
            break
        else:
            cut = -1
        if cut < 0:
            yield json.loads(b"[" + text[start:end] + b"]")  # the rest, at once
            return


def alert_from_v2(raw: Mapping[str, Any], origin: str) -> Alert:
    """One `/api/v2/alerts` item -> Alert. Raises KeyError/TypeError on a wrong shape.

    Hot path in an alert storm (100,000 alerts): JSON objects are taken as they are (JSON keys
    are strings; Alertmanager's label and annotation values are strings) instead of rebuilt.
    """
    labels = raw["labels"]
    if type(labels) is not dict:
        labels = _str_map(labels) if isinstance(labels, Mapping) else {}
    labels = labels.copy()
    name = str(labels.pop("alertname", ""))
    annotations = raw.get("annotations")
    if type(annotations) is not dict:
        annotations = _str_map(annotations)
    status = raw.get("status") or {}
    state = _STATES.get(status.get("state", "active"), AlertState.ACTIVE)
    silenced = status.get("silencedBy")
    inhibited = status.get("inhibitedBy")
    return Alert(
        fingerprint=str(raw.get("fingerprint") or ""),
        name=name,
        labels=labels,
        annotations=annotations,
        starts_at=parse_time(raw.get("startsAt")),
        state=state,
        silenced_by=tuple(silenced) if silenced else (),
        inhibited_by=tuple(inhibited) if inhibited else (),
        origins=(origin,),
        generator_url=raw.get("generatorURL") or "",
    )


def silence_from_v2(raw: Mapping[str, Any], origin: str) -> Silence:
    matchers = tuple(
        Matcher(
            name=str(m["name"]),
            value=str(m["value"]),
            is_regex=bool(m.get("isRegex", False)),
            is_equal=bool(m.get("isEqual", True)),
        )
        for m in raw.get("matchers") or ()
    )
    status = raw.get("status") or {}
    return Silence(
        id=str(raw["id"]),
        matchers=matchers,
        starts_at=parse_time(raw.get("startsAt")),
        ends_at=parse_time(raw.get("endsAt")),
        created_by=str(raw.get("createdBy") or ""),
        comment=str(raw.get("comment") or ""),
        state=str(status.get("state") or "active"),
        origins=(origin,),
    )


def silence_body(request: SilenceRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "matchers": [
            {"name": m.name, "value": m.value, "isRegex": m.is_regex, "isEqual": m.is_equal}
            for m in request.matchers
        ],
        "startsAt": format_time(request.starts_at),
        "endsAt": format_time(request.ends_at),
        "createdBy": request.created_by,
        "comment": request.comment,
    }
    if request.id:
        body["id"] = request.id
    return body


class AlertmanagerSource:
    """Alerts and silences from one Alertmanager (API v2)."""

    can_silence = True

    def __init__(self, server: ServerConfig) -> None:
        self.server = server
        self.name = _http.safe_label(server)
        self._http = _http.HttpEndpoint(server)
        self._last: tuple[bytes, list[Alert]] | None = None  # digest of the last answer, alerts

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self._http.request(method, path, **kwargs)

    async def fetch_alerts(self) -> list[Alert]:
        """Every alert Alertmanager knows: active, silenced, inhibited and unprocessed.

        Fetched and parsed in a thread: in an alert storm the answer is tens of megabytes."""
        return await asyncio.to_thread(self.fetch_alerts_blocking)

    def fetch_alerts_blocking(self) -> list[Alert]:
        body = self._http.read_blocking(
            "GET",
            "/api/v2/alerts",
            params={
                "active": "true",
                "silenced": "true",
                "inhibited": "true",
                "unprocessed": "true",
            },
        )
        return self._parse_alerts(body)

    def _parse_alerts(self, body: bytes) -> list[Alert]:
        """The alerts in an `/api/v2/alerts` answer. An answer identical to the last one (the
        usual case between two Prometheus re-sends) is not parsed again."""
        digest = hashlib.blake2b(body, digest_size=16).digest()  # releases the GIL when big
        last = self._last
        if last is not None and last[0] == digest:
            return list(last[1])
        origin = self.name
        alerts: list[Alert] = []
        slices = json_array_slices(body)
        # a storm is a bulk of long-lived objects: decoding builds as many as the alerts do
        with heap.bulk(len(body) // _MIN_ALERT_BYTES):
            while True:
                try:
                    part = next(slices, None)
                except NotAJsonArray:
                    raise SourceBadResponse(
                        f"{self.name}: /api/v2/alerts did not return a list"
                    ) from None
                except ValueError:
                    raise SourceBadResponse(
                        f"{self.name}: malformed JSON from /api/v2/alerts"
                    ) from None
                if part is None:
                    break
                try:
                    alerts.extend([alert_from_v2(item, origin) for item in part])
                except (KeyError, TypeError, AttributeError, ValueError):
                    raise SourceBadResponse(
                        f"{self.name}: unexpected alert shape in /api/v2/alerts"
                    ) from None
        self._last = (digest, alerts)
        return list(alerts)

    async def list_silences(self) -> list[Silence]:
        """Active and pending silences (expired ones are history, not something to act on)."""
        response = await self._call("GET", "/api/v2/silences")
        data = _http.json_of(response, self.name, "/api/v2/silences")
        if not isinstance(data, list):
            raise SourceBadResponse(f"{self.name}: /api/v2/silences did not return a list")
        try:
            silences = [silence_from_v2(item, self.name) for item in data]
        except (KeyError, TypeError, AttributeError, ValueError):
            raise SourceBadResponse(f"{self.name}: unexpected silence shape") from None
        return [s for s in silences if s.state != "expired"]

    async def create_silence(self, request: SilenceRequest) -> str:
        """Create, or with `request.id` update, a silence. Alertmanager may answer an update
        with a new id (when it cannot change the old one in place): the returned id is current."""
        if not request.matchers:
            raise SourceBadResponse(f"{self.name}: a silence needs at least one matcher")
        response = await self._call("POST", "/api/v2/silences", json=silence_body(request))
        data = _http.json_of(response, self.name, "/api/v2/silences")
        silence_id = data.get("silenceID") if isinstance(data, dict) else None
        if not silence_id:
            raise SourceBadResponse(f"{self.name}: no silenceID in answer")
        return str(silence_id)

    async def expire_silence(self, silence_id: str) -> None:
        await self._call("DELETE", f"/api/v2/silence/{silence_id}")

    async def aclose(self) -> None:
        await self._http.aclose()
