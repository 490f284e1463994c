"""One place for HTTP connections to Prometheus and Alertmanager: auth, TLS, timeouts, errors.

The httpx client (blocking, called from threads) and the sync `requests.Session` behind
prometheus-api-client are configured here from a `ServerConfig`, and every library exception
is turned into a one-line `SourceError` that never carries a secret: messages are scrubbed
of the token, the password and any user:password written into the URL.

httpx and requests are imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import asyncio
import os
import re
import ssl
import sys
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from warroom.config import ServerConfig
from warroom.domain.errors import (
    SourceAuthError,
    SourceBadResponse,
    SourceError,
    SourceTimeout,
    SourceUnavailable,
)

if TYPE_CHECKING:
    import httpx
    import requests

# `import httpx` also imports its command-line tool, which loads click, pygments and rich's
# syntax highlighter when they are installed: ~30 ms of CPU on the first alert poll's path, for
# a tool the console never runs. A None entry makes Python treat that module as absent, and
# httpx then stands in a stub for it.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

USER_AGENT = "warroom/0.1"
_BODY_PREVIEW = 120


# ---------------------------------------------------------------- secrets


def _read_secret(env: str, path: str, what: str, label: str) -> str:
    """A secret from an environment variable or a file; errors name the place, never the value."""
    if env:
        value = os.environ.get(env, "")
        if not value:
            raise SourceAuthError(f"{label}: {what}_env {env} is not set or empty")
        return value.strip()
    if path:
        try:
            with open(os.path.expanduser(path), encoding="utf-8") as fh:
                value = fh.read().strip()
        except OSError as exc:
            raise SourceAuthError(
                f"{label}: cannot read {what}_file {path}: {exc.strerror or exc}"
            ) from None
        if not value:
            raise SourceAuthError(f"{label}: {what}_file {path} is empty")
        return value
    return ""


def safe_url(url: str) -> str:
    """The URL without any user:password part, for messages and labels."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<url>"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def safe_label(server: ServerConfig) -> str:
    return server.name or safe_url(server.url)


def secret_values(server: ServerConfig) -> list[str]:
    """Every secret this server's config can resolve to, to scrub them out of any text."""
    found: list[str] = []
    for env, path, what in (
        (server.token_env, server.token_file, "token"),
        (server.password_env, server.password_file, "password"),
    ):
        try:
            value = _read_secret(env, path, what, "")
        except SourceError:
            continue
        if value:
            found.append(value)
    userinfo = urlsplit(server.url).netloc.rpartition("@")[0]
    if userinfo:
        found.extend(p for p in userinfo.split(":") if len(p) >= 3)
    for key, value in server.headers.items():
        if _looks_secret(key) and value:
            found.append(value)
    return found


def _looks_secret(header: str) -> bool:
    h = header.lower()
    return any(w in h for w in ("auth", "token", "key", "secret", "cookie", "password"))


def scrub(text: str, secrets: Iterable[str]) -> str:
    for value in secrets:
        if value:
            text = text.replace(value, "***")
    return text


def auth_headers(server: ServerConfig) -> dict[str, str]:
    """Custom headers, then `Authorization: Bearer` from token_env/token_file (token wins)."""
    label = safe_label(server)
    headers = {"User-Agent": USER_AGENT, **dict(server.headers)}
    token = _read_secret(server.token_env, server.token_file, "token", label)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def basic_auth(server: ServerConfig) -> tuple[str, str] | None:
    if not server.username:
        return None
    password = _read_secret(
        server.password_env, server.password_file, "password", safe_label(server)
    )
    return (server.username, password)


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
        raise SourceAuthError(f"{label}: cannot load TLS files: {_one_line(str(exc))}") from None
    if server.insecure_skip_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


# ---------------------------------------------------------------- clients


def make_client(server: ServerConfig) -> httpx.Client:
    """An httpx client for one server, reused for every call (from threads). Raises
    SourceAuthError when a configured secret or TLS file cannot be read.

    A plain-http server gets no TLS set up (loading the CA store costs ~25 ms of start-up), so
    a redirect from it to https is refused rather than followed unverified."""
    import httpx

    auth = basic_auth(server)
    tls = urlsplit(server.url).scheme == "https"
    return httpx.Client(
        base_url=server.url,
        headers=auth_headers(server),
        auth=httpx.BasicAuth(*auth) if auth else None,
        verify=ssl_context(server) if tls else False,
        timeout=httpx.Timeout(server.timeout_s),
        follow_redirects=True,
        trust_env=False,
        limits=httpx.Limits(max_connections=10, max_keepalive_connections=5),
        event_hooks={} if tls else {"request": [_plain_http_only(safe_label(server))]},
    )


def _plain_http_only(label: str) -> Callable[[httpx.Request], None]:
    def check(request: httpx.Request) -> None:
        if request.url.scheme != "http":
            raise SourceBadResponse(
                f"{label}: redirected to {request.url.scheme}://; configure that URL instead"
            )

    return check


def make_requests_session(server: ServerConfig) -> requests.Session:
    """A requests session for prometheus-api-client with the same auth and TLS as httpx,
    and no retries (a failing server must fail fast; the poller backs off instead)."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
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


def _one_line(text: str, limit: int = _BODY_PREVIEW) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status_error(label: str, status: int, body: str, secrets: Iterable[str] = ()) -> SourceError:
    """The error for a non-2xx answer. Prometheus puts its reason in JSON `error`: show it."""
    reason = ""
    m = re.search(r'"error"\s*:\s*"((?:[^"\\]|\\.)*)"', body)
    if m:
        reason = m.group(1).replace('\\"', '"')
    elif body.strip() and not body.lstrip().startswith("<"):
        reason = body
    reason = _one_line(scrub(reason, secrets))
    tail = f": {reason}" if reason else ""
    if status in (401, 403):
        word = "unauthorized" if status == 401 else "forbidden"
        return SourceAuthError(f"{label}: HTTP {status} {word} (check token/username in config)")
    return SourceBadResponse(f"{label}: HTTP {status}{tail}")


def check_response(response: httpx.Response, label: str, secrets: Iterable[str] = ()) -> None:
    if response.is_success:
        return
    raise status_error(label, response.status_code, response.text, secrets)


def json_of(response: httpx.Response, label: str, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise SourceBadResponse(f"{label}: malformed JSON from {what}") from None


def map_httpx_error(
    exc: Exception, label: str, timeout_s: float, secrets: Iterable[str] = ()
) -> SourceError:
    """httpx exception -> SourceError, one line, secrets scrubbed."""
    import httpx

    if isinstance(exc, SourceError):
        return exc
    detail = _one_line(scrub(str(exc) or type(exc).__name__, secrets))
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
    detail = _one_line(scrub(text or type(exc).__name__, secrets))
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
    failure becomes a one-line SourceError with secrets scrubbed, and a non-2xx answer is an
    error too.

    Blocking calls in threads rather than an async client: reading an alert storm's tens of
    megabytes then never waits for (or holds up) the event loop, and the client belongs to no
    event loop, so a call may come from any thread (`fetch_alerts_blocking`)."""

    def __init__(self, server: ServerConfig) -> None:
        self.server = server
        self.name = safe_label(server)
        self.secrets = secret_values(server)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await asyncio.to_thread(self.request_blocking, method, path, **kwargs)

    def request_blocking(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._blocking_client().request(method, path, **kwargs)
        except SourceError:
            raise
        except Exception as exc:
            raise map_httpx_error(exc, self.name, self.server.timeout_s, self.secrets) from None
        check_response(response, self.name, self.secrets)
        return response

    def read_blocking(self, method: str, path: str, **kwargs: Any) -> bytes:
        """The body of a call, never kept in an httpx Response: a Response sits in a reference
        cycle, so it would keep a storm's megabytes alive until the cyclic GC runs (and while
        a storm freezes the heap, that is not soon)."""
        try:
            with self._blocking_client().stream(method, path, **kwargs) as response:
                if not response.is_success:
                    response.read()
                    check_response(response, self.name, self.secrets)
                return b"".join(response.iter_bytes())
        except SourceError:
            raise
        except Exception as exc:
            raise map_httpx_error(exc, self.name, self.server.timeout_s, self.secrets) from None

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
