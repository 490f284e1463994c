"""Alertmanager API v2 as an `AlertSource`: alerts (active, silenced, inhibited) and silences.

One httpx client per server, created on first use and reused. Every failure is a SourceError
with a one-line message; malformed or unexpected JSON is `SourceBadResponse`. An alert storm's
answer (tens of megabytes) is decoded by msgspec into `gc=False` Structs (`alert_decoding`),
one alert at a time, so one malformed alert is skipped and counted instead of losing the
answer, and a cancelled poll stops decoding within a slice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec

from warroom.config import ServerConfig
from warroom.domain.alerts import Alert, AlertState, Matcher, Silence, SilenceRequest
from warroom.domain.errors import SourceBadResponse
from warroom.sources import http as _http
from warroom.sources.alert_decoding import Decoded, as_utc, decode_items, parse_time
from warroom.sources.alert_fetching import ThreadedAlertFetch
from warroom.sources.http_auth import safe_label
from warroom.sources.http_body import Cancel

_STATES = {s.value: s for s in AlertState}
_ALERTS_PATH = "/api/v2/alerts"
_ALERTS_QUERY = {"active": "true", "silenced": "true", "inhibited": "true", "unprocessed": "true"}


class _Status(msgspec.Struct, gc=False, frozen=True):
    state: str = "active"
    silencedBy: tuple[str, ...] | None = ()
    inhibitedBy: tuple[str, ...] | None = ()


_ACTIVE = _Status()


class _Receiver(msgspec.Struct, gc=False, frozen=True):
    name: str = ""


_RECEIVERS: dict[tuple[_Receiver, ...], tuple[str, ...]] = {}  # shared: a storm has a few


class _WireAlert(msgspec.Struct, gc=False):
    """One `/api/v2/alerts` item, as much of it as an Alert keeps (the rest is skipped
    unread). `gc=False`: it holds no container that could form a cycle."""

    labels: dict[str, str]
    annotations: dict[str, str] | None = None
    startsAt: datetime | None = None
    fingerprint: str = ""
    status: _Status = _ACTIVE
    generatorURL: str | None = ""
    receivers: tuple[_Receiver, ...] | None = ()


_WIRE = msgspec.json.Decoder(_WireAlert)


def _alert(wire: _WireAlert, origins: tuple[str, ...]) -> Alert:
    """A decoded item -> Alert (the hot path of a storm: 100,000 per refresh)."""
    labels = wire.labels
    name = labels.pop("alertname", "")
    status = wire.status
    return Alert(
        fingerprint=wire.fingerprint,
        name=name,
        labels=labels,
        annotations=wire.annotations or {},
        starts_at=as_utc(wire.startsAt),
        state=_STATES.get(status.state, AlertState.ACTIVE),
        silenced_by=status.silencedBy or (),
        inhibited_by=status.inhibitedBy or (),
        origins=origins,
        generator_url=wire.generatorURL or "",
        receivers=_receiver_names(wire.receivers or ()),
    )


def _receiver_names(receivers: tuple[_Receiver, ...]) -> tuple[str, ...]:
    """The receivers' names, one tuple shared by every alert routed the same way."""
    names = _RECEIVERS.get(receivers)
    if names is None:
        names = tuple(r.name for r in receivers if r.name)
        if len(_RECEIVERS) < 1024:
            _RECEIVERS[receivers] = names
    return names


def decode_alerts(body: bytes, origin: str, cancel: Cancel | None = None) -> Decoded[Alert]:
    """The alerts of an `/api/v2/alerts` answer, malformed ones skipped and counted.
    Raises SourceBadResponse (one line) when the answer is not a JSON array at all."""
    origins = (origin,)  # one tuple shared by every alert of the answer
    return decode_items(
        body,
        _WIRE,
        lambda wire: _alert(wire, origins),
        label=origin,
        what=_ALERTS_PATH,
        cancel=cancel,
    )


def format_time(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


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
        updated_at=parse_time(raw["updatedAt"]) if raw.get("updatedAt") else None,
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


class AlertmanagerSource(ThreadedAlertFetch):
    """Alerts and silences from one Alertmanager (API v2): every alert it knows, active,
    silenced, inhibited and unprocessed. `cluster` names its HA cluster (peers share one)."""

    can_silence = True

    def __init__(self, server: ServerConfig) -> None:
        super().__init__()
        self.server = server
        self.name = safe_label(server)
        self.cluster = server.cluster or self.name
        self._http = _http.HttpEndpoint(server)
        self._last: tuple[bytes, Decoded[Alert]] | None = None  # digest of the last answer

    def _fetch_and_parse(self, cancel: Cancel | None, early: bool) -> tuple[list[Alert], str]:
        if early:
            body = self._http.fetch_early(_ALERTS_PATH, cancel, _ALERTS_QUERY)
        else:
            body = self._http.fetch("GET", _ALERTS_PATH, cancel, params=_ALERTS_QUERY)
        decoded = self._parse_alerts(body, cancel)
        return list(decoded.items), decoded.warning("alerts")

    def _parse_alerts(self, body: bytes, cancel: Cancel | None) -> Decoded[Alert]:
        """The alerts in an `/api/v2/alerts` answer. An answer identical to the last one (the
        usual case between two Prometheus re-sends) is not parsed again."""
        digest = hashlib.blake2b(body, digest_size=16).digest()  # releases the GIL when big
        last = self._last
        if last is not None and last[0] == digest:
            return last[1]
        decoded = decode_alerts(body, self.name, cancel)
        self._last = (digest, decoded)
        return decoded

    async def list_silences(self) -> list[Silence]:
        """Active and pending silences (expired ones are history, not something to act on)."""
        body = await self._http.call("GET", "/api/v2/silences")
        data = _http.json_of(body, self.name, "/api/v2/silences")
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
        body = await self._http.call("POST", "/api/v2/silences", json=silence_body(request))
        data = _http.json_of(body, self.name, "/api/v2/silences")
        silence_id = data.get("silenceID") if isinstance(data, dict) else None
        if not silence_id:
            raise SourceBadResponse(f"{self.name}: no silenceID in answer")
        return str(silence_id)

    async def expire_silence(self, silence_id: str) -> None:
        await self._http.call("DELETE", f"/api/v2/silence/{silence_id}")

    async def aclose(self) -> None:
        await self._http.aclose()
