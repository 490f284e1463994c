"""Prometheus as a `SignalSource` + `ServiceCatalog` (prometheus-api-client), and as a read-only
fallback `AlertSource` (/api/v1/alerts) when no Alertmanager is configured.

prometheus-api-client is synchronous: each call runs in a thread worker (`asyncio.to_thread`)
over one reused `requests.Session`, so panels are queried concurrently and the UI loop never
waits. The library is imported on first use only.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from warroom.config import ServerConfig
from warroom.domain.alerts import Alert, AlertState, Silence, SilenceRequest, fingerprint_of
from warroom.domain.errors import ReadOnlySource, RunbookError, SourceBadResponse, SourceError
from warroom.domain.scope import DEFAULT_SCOPE_LABELS
from warroom.domain.signals import Sample, SignalSpec
from warroom.sources import http as _http
from warroom.sources.alert_decoding import as_utc, decode_answer, decode_items
from warroom.sources.alert_fetching import ThreadedAlertFetch
from warroom.sources.http_auth import safe_label, secret_values
from warroom.sources.http_body import Cancel

if TYPE_CHECKING:
    from prometheus_api_client import PrometheusConnect

T = TypeVar("T")

READ_ONLY_MESSAGE = "Prometheus alerts are read-only: configure an Alertmanager to silence"
_EARLY: ContextVar[bool] = ContextVar("early", default=False)  # in the prefetch's thread


def _float(value: Any) -> float:
    return float(value)  # Prometheus sends "NaN", "+Inf", "-Inf" as strings; float() reads them


def combine(values: Sequence[float], higher_is_worse: bool) -> float:
    """Several series for one panel: show the worst one (a panel is one number)."""
    clean = [v for v in values if not math.isnan(v)]
    if not clean:
        return math.nan
    return max(clean) if higher_is_worse else min(clean)


class PrometheusSignals:
    """Golden-signal values and history, and the services Prometheus knows.

    Queries are built by `SignalSpec.queries_for` (values escaped, never pasted); a scope is
    tried label by label (`scope_labels`, best first) until one has data, so an alert with
    `service=payments-api, job=payments` shows its panels whichever label the metrics carry.
    """

    def __init__(
        self, server: ServerConfig, scope_labels: Sequence[str] = DEFAULT_SCOPE_LABELS
    ) -> None:
        self.server = server
        self.scope_labels = tuple(scope_labels)
        self.name = safe_label(server)
        self._conn: PrometheusConnect | None = None
        self._secrets = secret_values(server)
        self._answered: dict[tuple[str, ...], str] = {}  # candidates -> the one with data
        self._early: tuple[Future[tuple[datetime, str | None]], dict[Any, Future[Any]]] | None = (
            None
        )
        self._endpoint: _http.HttpEndpoint | None = None

    # ------------------------------------------------------------ plumbing

    def _connect(self) -> PrometheusConnect:
        if self._conn is None:
            from prometheus_api_client import PrometheusConnect

            session = _http.make_requests_session(self.server)
            self._conn = PrometheusConnect(
                url=self.server.url,
                session=session,
                retry=_http.no_retry(),
                timeout=self.server.timeout_s,
            )
        return self._conn

    async def _run(self, call: Callable[[PrometheusConnect], T]) -> T:
        def work() -> T:
            try:
                return call(self._connect())
            except SourceError:
                raise
            except Exception as exc:
                raise _http.map_requests_error(
                    exc, self.name, self.server.timeout_s, self._secrets
                ) from None

        return await asyncio.to_thread(work)

    # ------------------------------------------------------------ queries

    async def query_vector(self, promql: str) -> list[tuple[dict[str, str], float]]:
        """An instant query as (labels, value) pairs; a scalar comes back as one pair with no
        labels. Used by the runbook PromQL executor and by `sample`."""
        result = await self._instant(promql)
        return self._parse_instant(result)[0]

    def _parse_instant(
        self, result: Any
    ) -> tuple[list[tuple[dict[str, str], float]], float | None]:
        """(pairs, newest timestamp) from an instant query's `data.result`."""
        try:
            if isinstance(result, list) and len(result) == 2 and not isinstance(result[0], dict):
                return [({}, _float(result[1]))], float(result[0])  # scalar / string
            pairs: list[tuple[dict[str, str], float]] = []
            newest: float | None = None
            for item in result:
                ts, value = item["value"]
                pairs.append(
                    ({str(k): str(v) for k, v in item.get("metric", {}).items()}, _float(value))
                )
                newest = max(newest or 0.0, float(ts))
            return pairs, newest
        except (KeyError, TypeError, ValueError, AttributeError):
            raise SourceBadResponse(f"{self.name}: unexpected query result shape") from None

    async def _instant(self, query: str) -> Any:
        if _EARLY.get():
            return await self._get_early("/api/v1/query", {"query": query})
        return await self._run(lambda c: c.custom_query(query))

    async def _range(self, query: str, start: datetime, end: datetime, step: str) -> Any:
        if _EARLY.get():  # the parameters as prometheus-api-client sends them
            bounds = {"start": str(round(start.timestamp())), "end": str(round(end.timestamp()))}
            return await self._get_early(
                "/api/v1/query_range", {"query": query, **bounds, "step": step}
            )
        return await self._run(lambda c: c.custom_query_range(query, start, end, step))

    # ------------------------------------------------------------ the first queries, early

    def prefetch(
        self, specs: Sequence[SignalSpec], scope: Callable[[], str | None] = lambda: None
    ) -> None:
        """Begin each panel's first history and sample now, in a thread, through the standard
        library (`HttpEndpoint.fetch_early`), before the UI is ready: the first values then
        wait neither for requests' import nor for the alerts to be drawn. `scope()` (called in
        that thread; it may wait for the first alerts) is the service the console starts in.
        A panel's first `history` / `sample` in that scope takes the answer; a failure is not
        kept (that call asks again, through prometheus-api-client)."""
        if self._early is not None:
            return
        scoped: Future[tuple[datetime, str | None]] = Future()
        futures: dict[tuple[str, str], Future[Any]] = {}
        for spec in specs:
            futures[("history", spec.key)] = Future()
            futures[("sample", spec.key)] = Future()
        self._early = (scoped, futures)

        async def one(spec: SignalSpec, kind: str, call: Awaitable[Any]) -> None:
            future = futures[(kind, spec.key)]
            try:
                future.set_result(await call)
            except Exception as exc:  # (kept for whoever asks: it then asks again)
                future.set_exception(exc)

        async def every(service: str | None, end: datetime) -> None:
            _EARLY.set(True)
            await asyncio.gather(
                *(one(s, "history", self.history(s, service, end)) for s in specs),
                *(one(s, "sample", self.sample(s, service)) for s in specs),
            )

        def run() -> None:
            try:
                service = scope()
            except BaseException as exc:
                scoped.set_exception(exc)
                return
            end = datetime.now(UTC)
            scoped.set_result((end, service))
            asyncio.run(every(service, end))

        threading.Thread(target=run, name=f"first queries: {self.name}", daemon=True).start()

    async def _get_early(self, path: str, params: dict[str, str]) -> Any:
        """`data.result` of one GET, as prometheus-api-client returns it."""
        if self._endpoint is None:
            self._endpoint = _http.HttpEndpoint(self.server)
        endpoint = self._endpoint

        def work() -> Any:
            return msgspec.json.decode(endpoint.fetch_early(path, None, params))["data"]["result"]

        return await asyncio.to_thread(work)

    async def _prefetched(
        self, kind: str, spec: SignalSpec, service: str | None, end: datetime | None = None
    ) -> Any:
        """The prefetched answer for this panel's first call, or None: its scope not known yet,
        asked for another scope, for a range ending more than a step later, already taken,
        or failed."""
        early = self._early
        if early is None or not early[0].done() or _EARLY.get():
            return None  # (a scope still unknown is not waited for: the alerts are late)
        try:  # shielded: a cancelled poll leaves the thread's futures alone
            began, scope = early[0].result()
            if service != scope:
                return None
            future = early[1].pop((kind, spec.key), None)
            if future is None:
                return None
            if end is not None and not 0 <= (end - began).total_seconds() <= max(1, spec.step_s):
                return None
            return await asyncio.shield(asyncio.wrap_future(future))
        except Exception:
            return None

    def _queries(self, spec: SignalSpec, service: str | None) -> tuple[tuple[str, ...], list[str]]:
        """(the candidates, in the order to try them): the one that last had data first, so
        a scope whose first label has no series costs one query per refresh, not two."""
        try:
            candidates = spec.queries_for(service, self.scope_labels)
        except RunbookError as exc:  # the panel says why instead of querying something else
            raise SourceBadResponse(f"{spec.name}: {exc}") from None
        last = self._answered.get(candidates)
        if last is None:
            return candidates, list(candidates)
        return candidates, [last, *(q for q in candidates if q != last)]

    def _remember(self, candidates: tuple[str, ...], query: str) -> None:
        if len(candidates) > 1:
            if len(self._answered) >= 256:
                self._answered.clear()
            self._answered[candidates] = query

    async def sample(self, spec: SignalSpec, service: str | None) -> Sample:
        """The panel's current value (the worst series if several). No series at all raises
        SourceBadResponse("no data ...") so the panel says so instead of showing a zero."""
        early = await self._prefetched("sample", spec, service)
        if early is not None:
            return early
        candidates, ordered = self._queries(spec, service)
        for query in ordered:
            result = await self._instant(query)
            pairs, ts = self._parse_instant(result)
            if pairs:
                self._remember(candidates, query)
                at = datetime.fromtimestamp(ts, UTC) if ts else datetime.now(UTC)
                return Sample(at=at, value=combine([v for _, v in pairs], spec.higher_is_worse))
        scope = f" for {service}" if service else ""
        raise SourceBadResponse(f"no data for {spec.name}{scope}")

    async def history(self, spec: SignalSpec, service: str | None, end: datetime) -> list[Sample]:
        """The last `range_s` at `step_s`, worst series per step. No data gives []."""
        early = await self._prefetched("history", spec, service, end)
        if early is not None:
            return early
        start = end - timedelta(seconds=spec.range_s)
        step = f"{max(1, spec.step_s)}s"
        candidates, ordered = self._queries(spec, service)
        for query in ordered:
            result = await self._range(query, start, end, step)
            by_ts: dict[float, list[float]] = {}
            try:
                for item in result:
                    for ts, value in item["values"]:
                        by_ts.setdefault(float(ts), []).append(_float(value))
            except (KeyError, TypeError, ValueError):
                raise SourceBadResponse(f"{self.name}: unexpected range result shape") from None
            if by_ts:
                self._remember(candidates, query)
                return [
                    Sample(
                        at=datetime.fromtimestamp(ts, UTC),
                        value=combine(vals, spec.higher_is_worse),
                    )
                    for ts, vals in sorted(by_ts.items())
                ]
        return []

    async def services(self) -> list[str]:
        """Values of the scope labels (`service`, `job` by default), for the service picker."""

        def both(c: PrometheusConnect) -> list[str]:
            found: set[str] = set()
            for label in self.scope_labels:
                values = c.get_label_values(label)
                if not isinstance(values, list):
                    raise SourceBadResponse(f"{self.name}: label values are not a list")
                found.update(str(v) for v in values)
            return sorted(found)

        return await self._run(both)

    async def aclose(self) -> None:
        if self._endpoint is not None:  # (a client only if the prefetch was redirected)
            await self._endpoint.aclose()
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await asyncio.to_thread(conn.close)


class _PromAlert(msgspec.Struct, gc=False):
    """One `/api/v1/alerts` item, as much as an Alert keeps."""

    labels: dict[str, str]
    state: str = ""
    annotations: dict[str, str] | None = None
    activeAt: datetime | None = None


class _PromData(msgspec.Struct, gc=False):
    alerts: msgspec.Raw


class _PromAnswer(msgspec.Struct, gc=False):
    data: _PromData


_PROM_ALERT = msgspec.json.Decoder(_PromAlert)
_PROM_ANSWER = msgspec.json.Decoder(_PromAnswer)
_ALERTS_PATH = "/api/v1/alerts"


class PrometheusAlertSource(ThreadedAlertFetch):
    """Firing alerts straight from Prometheus when no Alertmanager is configured or reachable.
    Read-only: silences and acks raise ReadOnlySource saying why. Decoded like Alertmanager's
    (`alert_decoding`): malformed items skipped and counted in `warning`."""

    can_silence = False

    def __init__(self, server: ServerConfig) -> None:
        super().__init__()
        self.server = server
        self.name = safe_label(server)
        self._http = _http.HttpEndpoint(server)

    def _fetch_and_parse(self, cancel: Cancel | None, early: bool) -> tuple[list[Alert], str]:
        if early:
            body = self._http.fetch_early(_ALERTS_PATH, cancel)
        else:
            body = self._http.fetch("GET", _ALERTS_PATH, cancel)
        shape = f"unexpected shape in {_ALERTS_PATH}"
        raw = decode_answer(_PROM_ANSWER, body, self.name, _ALERTS_PATH, shape).data.alerts
        origins = (self.name,)
        decoded = decode_items(
            raw,
            _PROM_ALERT,
            lambda item: self._alert(item, origins),
            label=self.name,
            what=_ALERTS_PATH,
            cancel=cancel,
        )
        return decoded.items, decoded.warning("alerts")

    @staticmethod
    def _alert(raw: _PromAlert, origins: tuple[str, ...]) -> Alert | None:
        if raw.state != "firing":
            return None
        labels = raw.labels
        fingerprint = fingerprint_of(labels)
        return Alert(
            fingerprint=fingerprint,
            name=labels.pop("alertname", ""),
            labels=labels,
            annotations=raw.annotations or {},
            starts_at=as_utc(raw.activeAt),
            state=AlertState.ACTIVE,
            origins=origins,
        )

    async def list_silences(self) -> list[Silence]:
        return []

    async def create_silence(self, request: SilenceRequest) -> str:
        raise ReadOnlySource(READ_ONLY_MESSAGE)

    async def expire_silence(self, silence_id: str) -> None:
        raise ReadOnlySource(READ_ONLY_MESSAGE)

    async def aclose(self) -> None:
        await self._http.aclose()
