"""One place for HTTP connections to Prometheus and Alertmanager: auth, TLS, timeouts, errors.

The httpx client (blocking, called from threads) and the sync `requests.Session` behind
prometheus-api-client are configured here from a `ServerConfig`, and every library exception
is turned into a one-line `SourceError` that never carries a secret: messages go through
`warroom.domain.redaction.redact` fed with the token, the password, its base64 basic-auth
form and any user:password written into the URL. A redirect to another origin (scheme, host
or port) is followed without any credential: Authorization, X-Api-Key, cookies and every
configured header are dropped from it (httpx and requests drop only Authorization).

httpx and requests are imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from warroom.config import ServerConfig
from warroom.domain.errors import (
    SourceAuthError,
    SourceBadResponse,
    SourceError,
    SourceTimeout,
    SourceUnavailable,
)
from warroom.domain.redaction import redact
from warroom.domain.untrusted import clip, one_line
from warroom.sources.http_auth import (
    auth_headers,
    basic_auth,
    credential_headers,
    origin,
    safe_label,
    secret_values,
)
from warroom.sources.http_body import Cancel, read_bounded, run_cancellable

if TYPE_CHECKING:
    import httpx
    import requests

_BODY_PREVIEW = 120


def ssl_context(server: ServerConfig) -> ssl.SSLContext | bool:
    """TLS for this server: CA bundle and client certificate; verification off only on request."""
    label = safe_label(server)
    if server.insecure_skip_verify and not server.client_cert:
        return False
    try:
        ctx = ssl.create_default_context(cafile=server.ca_file or None)
        if server.client_cert:
            ctx.load_cert_chain(server.client_cert, server.client_key or None)
    except (OSError, ssl.SSLError) as exc:
        raise SourceAuthError(f"{label}: cannot load TLS files: {_short(str(exc))}") from None
    if server.insecure_skip_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


# ---------------------------------------------------------------- clients


def make_client(server: ServerConfig) -> httpx.Client:
    """An httpx client for one server, reused for every call (from threads). Raises
    SourceAuthError when a configured secret or TLS file cannot be read.

    A plain-http server gets no TLS set up (loading the CA store costs ~25 ms of start-up), so
    a redirect from it to https is refused rather than followed unverified. No connection is
    kept idle: each call opens its own, so its deadline can shut exactly its sockets down
    (`http_body`). Only gzip and deflate are asked for: `http_body` decodes them itself."""
    import httpx

    auth = basic_auth(server)
    tls = urlsplit(server.url).scheme == "https"
    return httpx.Client(
        base_url=server.url,
        headers={**auth_headers(server), "Accept-Encoding": "gzip, deflate"},
        auth=httpx.BasicAuth(*auth) if auth else None,
        verify=ssl_context(server) if tls else False,
        timeout=httpx.Timeout(server.timeout_s),
        follow_redirects=True,
        trust_env=False,
        limits=httpx.Limits(max_connections=10, max_keepalive_connections=0),
        event_hooks={"request": [_redirect_guard(server)]},
    )


def _redirect_guard(server: ServerConfig) -> Callable[[httpx.Request], None]:
    """Runs before every request, redirects included: a plain-http server may not send us to
    https (no TLS is set up), and another origin gets no credentials."""
    parts = urlsplit(server.url)
    home = origin(parts.scheme, parts.hostname or "", parts.port)
    secret_headers = credential_headers(server)
    label = safe_label(server)

    def check(request: httpx.Request) -> None:
        url = request.url
        if home[0] == "http" and url.scheme != "http":
            raise SourceBadResponse(
                f"{label}: redirected to {url.scheme}://; configure that URL instead"
            )
        if origin(url.scheme, url.host, url.port) != home:
            for name in secret_headers:
                request.headers.pop(name, None)

    return check


def make_requests_session(server: ServerConfig) -> requests.Session:
    """A requests session for prometheus-api-client with the same auth and TLS as httpx,
    and no retries (a failing server must fail fast; the poller backs off instead)."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    secret_headers = credential_headers(server)

    class Session(requests.Session):
        def rebuild_auth(self, prepared: Any, response: Any) -> None:
            """requests drops only Authorization on a redirect to another host: drop the
            rest of this server's credentials too."""
            if self.should_strip_auth(response.request.url, prepared.url):
                for name in secret_headers:
                    prepared.headers.pop(name, None)
            super().rebuild_auth(prepared, response)

    session = Session()
    session.trust_env = False
    session.headers.update(auth_headers(server))
    auth = basic_auth(server)
    if auth:
        session.auth = auth
    if server.insecure_skip_verify:
        session.verify = False
    elif server.ca_file:
        session.verify = server.ca_file
    if server.client_cert:
        session.cert = (
            (server.client_cert, server.client_key) if server.client_key else server.client_cert
        )
    no_retry = Retry(total=None, connect=0, read=0, status=0, other=0, redirect=5)
    adapter = HTTPAdapter(max_retries=no_retry, pool_maxsize=10)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def no_retry() -> Any:
    """The Retry policy handed to PrometheusConnect (it mounts its own adapter on the URL)."""
    from urllib3.util.retry import Retry

    return Retry(total=None, connect=0, read=0, status=0, other=0, redirect=5)


# ---------------------------------------------------------------- errors


def _short(text: str, limit: int = _BODY_PREVIEW) -> str:
    """Server-chosen text for a message: one line, control characters visible, clipped."""
    return clip(" ".join(one_line(text).split()), limit)


def status_error(label: str, status: int, body: str, secrets: Iterable[str] = ()) -> SourceError:
    """The error for a non-2xx answer. Prometheus puts its reason in JSON `error`: show it."""
    reason = ""
    m = re.search(r'"error"\s*:\s*"((?:[^"\\]|\\.)*)"', body)
    if m:
        reason = m.group(1).replace('\\"', '"')
    elif body.strip() and not body.lstrip().startswith("<"):
        reason = body
    reason = _short(redact(reason, secrets))
    tail = f": {reason}" if reason else ""
    if status in (401, 403):
        word = "unauthorized" if status == 401 else "forbidden"
        return SourceAuthError(f"{label}: HTTP {status} {word} (check token/username in config)")
    return SourceBadResponse(f"{label}: HTTP {status}{tail}")


def json_of(body: bytes, label: str, what: str) -> Any:
    """A small JSON answer (silences, a silence id) as plain Python values."""
    import msgspec

    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise SourceBadResponse(f"{label}: malformed JSON from {what}") from None


def map_httpx_error(
    exc: Exception, label: str, timeout_s: float, secrets: Iterable[str] = ()
) -> SourceError:
    """httpx exception -> SourceError, one line, secrets scrubbed."""
    import httpx

    if isinstance(exc, SourceError):
        return exc
    detail = _short(redact(str(exc) or type(exc).__name__, secrets))
    if isinstance(exc, httpx.TimeoutException):
        if isinstance(exc, httpx.ConnectTimeout):
            return SourceTimeout(f"{label}: could not connect within {timeout_s:g}s")
        return SourceTimeout(f"{label}: no answer within {timeout_s:g}s")
    if isinstance(exc, httpx.ConnectError):
        return SourceUnavailable(f"{label}: cannot connect ({detail})")
    if isinstance(exc, httpx.RemoteProtocolError):
        return SourceUnavailable(f"{label}: connection dropped ({detail})")
    if isinstance(exc, httpx.TransportError | OSError):
        return SourceUnavailable(f"{label}: {detail}")
    if isinstance(exc, httpx.HTTPStatusError):
        return status_error(label, exc.response.status_code, exc.response.text, secrets)
    if isinstance(exc, ssl.SSLError):
        return SourceUnavailable(f"{label}: TLS error ({detail})")
    return SourceBadResponse(f"{label}: {detail}")


def map_requests_error(
    exc: Exception, label: str, timeout_s: float, secrets: Iterable[str] = ()
) -> SourceError:
    """requests / prometheus-api-client exception -> SourceError, one line, secrets scrubbed."""
    import requests

    if isinstance(exc, SourceError):
        return exc
    text = str(exc)
    detail = _short(redact(text or type(exc).__name__, secrets))
    if isinstance(exc, requests.Timeout):
        if isinstance(exc, requests.ConnectTimeout):
            return SourceTimeout(f"{label}: could not connect within {timeout_s:g}s")
        return SourceTimeout(f"{label}: no answer within {timeout_s:g}s")
    if isinstance(exc, requests.exceptions.JSONDecodeError):
        return SourceBadResponse(f"{label}: malformed JSON")
    if isinstance(exc, requests.exceptions.SSLError):
        return SourceUnavailable(f"{label}: TLS error")
    if isinstance(exc, requests.ConnectionError):
        if "timed out" in text.lower():
            return SourceTimeout(f"{label}: no answer within {timeout_s:g}s")
        if "refused" in text.lower():
            return SourceUnavailable(f"{label}: cannot connect (connection refused)")
        return SourceUnavailable(f"{label}: cannot connect")
    if isinstance(exc, requests.RequestException):
        return SourceUnavailable(f"{label}: {detail}")
    m = re.match(r"HTTP Status Code (\d+) \((.*)\)$", text, re.S)
    if m:
        body = m.group(2)
        try:
            import ast

            raw = ast.literal_eval(body)
            body = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        except (ValueError, SyntaxError):
            pass
        return status_error(label, int(m.group(1)), body, secrets)
    if isinstance(exc, ValueError | KeyError | TypeError | IndexError):
        return SourceBadResponse(f"{label}: malformed answer ({type(exc).__name__})")
    return SourceBadResponse(f"{label}: {detail}")


class HttpEndpoint:
    """One server, spoken to over one lazily made blocking client, always from a thread: every
    call is bounded (`http_body`: `max_answer_mb` decoded, `deadline_s` in all, cancellable),
    every failure becomes a one-line SourceError with secrets redacted, and a non-2xx answer
    is an error too.

    Blocking calls in threads rather than an async client: reading an alert storm's tens of
    megabytes then never waits for (or holds up) the event loop, and the client belongs to no
    event loop, so a call may come from any thread."""

    def __init__(self, server: ServerConfig) -> None:
        self.server = server
        self.name = safe_label(server)
        self.secrets = secret_values(server)
        self.max_bytes = int(server.max_answer_mb * 1_000_000)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    async def call(self, method: str, path: str, **kwargs: Any) -> bytes:
        """The body of one call, from a thread; cancelling the await stops the call."""
        return await run_cancellable(lambda cancel: self.fetch(method, path, cancel, **kwargs))

    def fetch(self, method: str, path: str, cancel: Cancel | None = None, **kwargs: Any) -> bytes:
        """The body of one call (blocking). The body is never kept in an httpx Response."""
        try:
            return read_bounded(
                self._blocking_client(),
                method,
                path,
                label=self.name,
                max_bytes=self.max_bytes,
                deadline_s=self.server.deadline_s,
                cancel=cancel,
                on_error=self._status_error,
                **kwargs,
            )
        except SourceError:
            raise
        except Exception as exc:
            raise map_httpx_error(exc, self.name, self.server.timeout_s, self.secrets) from None

    def fetch_early(
        self, path: str, cancel: Cancel | None = None, params: dict[str, str] | None = None
    ) -> bytes:
        """`fetch("GET", path, ...)` before httpx is imported (the CLI's prefetch): the same
        bounds and errors through `http_quick`; a redirect is followed by `fetch`."""
        from warroom.sources.http_quick import Redirect, get_bounded

        got = get_bounded(
            self.server,
            path,
            params,
            label=self.name,
            max_bytes=self.max_bytes,
            cancel=cancel,
            secrets=self.secrets,
            on_error=self._status_error,
        )
        return self.fetch("GET", got.location, cancel) if isinstance(got, Redirect) else got

    def _status_error(self, status: int, body: bytes) -> SourceError:
        return status_error(self.name, status, body.decode("utf-8", "replace"), self.secrets)

    def _blocking_client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = make_client(self.server)
            return self._client

    async def aclose(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            await asyncio.to_thread(client.close)
