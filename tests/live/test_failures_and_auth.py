"""Misbehaving servers and credentials, against small local HTTP servers on 127.0.0.1 (a real
Prometheus or Alertmanager cannot be made to send malformed JSON or hang on cue)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.live.conftest import am_fetch
from tests.live.stub import Reply, StubServer
from tests.servers.ports import free_port
from warroom.config import ServerConfig
from warroom.domain.alerts import Matcher, SilenceRequest
from warroom.domain.errors import (
    SourceAuthError,
    SourceBadResponse,
    SourceError,
    SourceTimeout,
    SourceUnavailable,
)
from warroom.domain.signals import SignalSpec
from warroom.sources.alertmanager import AlertmanagerSource
from warroom.sources.prometheus import PrometheusAlertSource, PrometheusSignals

SPEC = SignalSpec(key="e", name="Error rate", query="vector(1)")
TOKEN = "s3cr3t-T0KEN-value-123"
PASSWORD = "hunter2-pass-word"

Call = Callable[[ServerConfig], Awaitable[Any]]


async def am_silence(cfg: ServerConfig) -> Any:
    source = AlertmanagerSource(cfg)
    now = datetime.now(UTC)
    req = SilenceRequest((Matcher("alertname", "X"),), now, now + timedelta(hours=1), "me", "c")
    try:
        return await source.create_silence(req)
    finally:
        await source.aclose()


async def prom_sample(cfg: ServerConfig) -> Any:
    source = PrometheusSignals(cfg)
    try:
        return await source.sample(SPEC, None)
    finally:
        await source.aclose()


async def prom_alerts(cfg: ServerConfig) -> Any:
    source = PrometheusAlertSource(cfg)
    try:
        return await source.fetch_alerts()
    finally:
        await source.aclose()


def prefetched(kind: Callable[[ServerConfig], AlertmanagerSource | PrometheusAlertSource]) -> Call:
    """The first fetch as the CLI begins it, before the UI exists (stdlib `http_quick`)."""

    async def call(cfg: ServerConfig) -> Any:
        source = kind(cfg)
        source.prefetch()
        try:
            return await source.fetch_alerts()
        finally:
            await source.aclose()

    return call


am_prefetched = prefetched(AlertmanagerSource)


CALLS: dict[str, tuple[Call, str]] = {
    "am-alerts": (am_fetch, "/api/v2/alerts"),
    "am-alerts-prefetched": (am_prefetched, "/api/v2/alerts"),
    "prom-alerts-prefetched": (prefetched(PrometheusAlertSource), "/api/v1/alerts"),
    "am-silence": (am_silence, "/api/v2/silences"),
    "prom-query": (prom_sample, "/api/v1/query"),
    "prom-alerts": (prom_alerts, "/api/v1/alerts"),
}
ids = list(CALLS)


@pytest.mark.parametrize("which", ids)
async def test_malformed_json_is_bad_response(stub: StubServer, which: str) -> None:
    call, path = CALLS[which]
    stub.reply(path, Reply(body=b'{"status": "success", "data": [trunc'))
    with pytest.raises(SourceBadResponse, match="stub: malformed"):
        await call(ServerConfig(url=stub.url, name="stub"))


@pytest.mark.parametrize("which", ids)
async def test_wrong_shape_is_bad_response(stub: StubServer, which: str) -> None:
    call, path = CALLS[which]
    stub.reply(path, Reply(body=b'{"unexpected": true}'))
    with pytest.raises(SourceBadResponse, match="stub"):
        await call(ServerConfig(url=stub.url, name="stub"))


@pytest.mark.parametrize("which", ids)
async def test_500_is_bad_response_with_reason(stub: StubServer, which: str) -> None:
    call, path = CALLS[which]
    stub.reply(
        path,
        Reply(
            status=500, body=b'{"status":"error","errorType":"internal","error":"storage on fire"}'
        ),
    )
    with pytest.raises(SourceBadResponse, match="stub: HTTP 500: storage on fire"):
        await call(ServerConfig(url=stub.url, name="stub"))


@pytest.mark.parametrize("which", ids)
async def test_hang_past_timeout_is_timeout(stub: StubServer, which: str) -> None:
    """The stub answers only when released at teardown: a call that returns at all before then
    did so because its timeout fired."""
    call, path = CALLS[which]
    stub.reply(path, Reply(hang=True))
    with pytest.raises(SourceTimeout, match=r"stub: no answer within 0.3s"):
        await call(ServerConfig(url=stub.url, name="stub", timeout_s=0.3))


@pytest.mark.parametrize("which", ids)
async def test_refused_is_unavailable(which: str) -> None:
    call, _ = CALLS[which]
    with pytest.raises(SourceUnavailable, match="down: cannot connect"):
        await call(ServerConfig(url=f"http://127.0.0.1:{free_port()}", name="down", timeout_s=2))


@pytest.mark.parametrize("which", ids)
async def test_401_is_auth_error(stub: StubServer, which: str) -> None:
    call, path = CALLS[which]
    stub.reply(path, Reply(status=401, body=b"Unauthorized"))
    with pytest.raises(SourceAuthError, match="stub: HTTP 401 unauthorized"):
        await call(ServerConfig(url=stub.url, name="stub"))


# ---------------------------------------------------------------- credentials


def _configs(stub: StubServer, tmp_path: Path) -> dict[str, ServerConfig]:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    return {
        "token-env": ServerConfig(url=stub.url, name="stub", token_env="WARROOM_TEST_TOKEN"),
        "token-file": ServerConfig(url=stub.url, name="stub", token_file=str(token_file)),
        "basic": ServerConfig(
            url=stub.url, name="stub", username="ops", password_env="WARROOM_TEST_PASSWORD"
        ),
        "header": ServerConfig(
            url=stub.url, name="stub", headers={"X-Scope-OrgID": "team4", "X-Api-Key": TOKEN}
        ),
    }


def _expected(kind: str) -> dict[str, str]:
    return {
        "token-env": {"authorization": f"Bearer {TOKEN}"},
        "token-file": {"authorization": f"Bearer {TOKEN}"},
        "basic": {
            "authorization": "Basic " + base64.b64encode(f"ops:{PASSWORD}".encode()).decode()
        },
        "header": {"x-scope-orgid": "team4", "x-api-key": TOKEN},
    }[kind]


@pytest.mark.parametrize("kind", ["token-env", "token-file", "basic", "header"])
@pytest.mark.parametrize("which", ids)
async def test_credentials_reach_server_and_never_leak(
    stub: StubServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    which: str,
) -> None:
    monkeypatch.setenv("WARROOM_TEST_TOKEN", TOKEN)
    monkeypatch.setenv("WARROOM_TEST_PASSWORD", PASSWORD)
    caplog.set_level(logging.DEBUG)
    call, path = CALLS[which]
    cfg = _configs(stub, tmp_path)[kind]
    # a leaky server that echoes our headers back in its error page
    stub.reply(path, Reply(status=500, body=b"boom", echo_headers=True, content_type="text/plain"))
    with pytest.raises(SourceError) as info:
        await call(cfg)
    (seen,) = stub.requests
    for header, value in _expected(kind).items():
        assert seen.headers.get(header) == value
    message = str(info.value)
    assert "stub: HTTP 500" in message
    secrets = [TOKEN, PASSWORD, _expected(kind).get("authorization", "").split(" ")[-1]]
    for secret in filter(None, secrets):
        assert secret not in message
        assert secret not in repr(info.value)
        for record in caplog.records:
            assert secret not in record.getMessage()


async def test_missing_token_env_names_the_variable_not_a_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WARROOM_NO_SUCH_TOKEN", raising=False)
    cfg = ServerConfig(url="http://127.0.0.1:9", name="am", token_env="WARROOM_NO_SUCH_TOKEN")
    for fetch in (am_fetch, am_prefetched):
        with pytest.raises(SourceAuthError, match="am: token_env WARROOM_NO_SUCH_TOKEN is not"):
            await fetch(cfg)
    with pytest.raises(SourceAuthError, match="token_env WARROOM_NO_SUCH_TOKEN"):
        await prom_sample(cfg)


async def test_password_in_url_is_not_shown(stub: StubServer) -> None:
    url = stub.url.replace("http://", f"http://ops:{PASSWORD}@")
    stub.reply("/api/v2/alerts", Reply(status=503, body=b"unavailable"))
    source = AlertmanagerSource(ServerConfig(url=url))
    try:
        with pytest.raises(SourceBadResponse) as info:
            await source.fetch_alerts()
    finally:
        await source.aclose()
    assert PASSWORD not in str(info.value)
    assert PASSWORD not in source.name
    assert stub.requests[0].headers["authorization"].startswith("Basic ")


async def test_a_plain_http_server_redirecting_to_https_is_refused(stub: StubServer) -> None:
    """No TLS is set up for an http:// server, so its redirect to https is not followed."""
    stub.reply(
        "/api/v2/alerts",
        Reply(status=302, body=b"", headers={"Location": "https://127.0.0.1:1/api/v2/alerts"}),
    )
    with pytest.raises(SourceBadResponse, match="stub: redirected to https://"):
        await am_fetch(ServerConfig(url=stub.url, name="stub"))


async def test_a_plain_http_redirect_is_followed(stub: StubServer) -> None:
    stub.reply(
        "/api/v2/alerts",
        Reply(status=307, body=b"", headers={"Location": f"{stub.url}/moved/api/v2/alerts"}),
    )
    stub.reply("/moved/api/v2/alerts", Reply(body=b"[]"))
    assert await am_fetch(ServerConfig(url=stub.url, name="stub")) == []
    assert [r.path.split("?")[0] for r in stub.requests] == [
        "/api/v2/alerts",
        "/moved/api/v2/alerts",
    ]


@pytest.mark.parametrize("fetch", [am_fetch, am_prefetched], ids=["httpx", "prefetched"])
async def test_a_relative_redirect_under_a_path_prefix_is_followed(
    stub: StubServer, fetch: Call
) -> None:
    """An Alertmanager behind a path (`/am`) redirecting to a path of its own host."""
    stub.reply(
        "/am/api/v2/alerts",
        Reply(status=307, body=b"", headers={"Location": "/moved/api/v2/alerts?active=true"}),
    )
    stub.reply("/moved/api/v2/alerts", Reply(body=b"[]"))
    assert await fetch(ServerConfig(url=f"{stub.url}/am", name="stub")) == []
    assert [r.path.split("?")[0] for r in stub.requests] == [
        "/am/api/v2/alerts",
        "/moved/api/v2/alerts",
    ]


# ---------------------------------------------------------------- redirects


@pytest.fixture
def elsewhere() -> Iterator[StubServer]:
    """Another server: another port on 127.0.0.1 is another origin, as another host is."""
    server = StubServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("kind", ["token-env", "basic", "header"])
@pytest.mark.parametrize("which", ids)
async def test_a_redirect_to_another_origin_carries_no_credentials(
    stub: StubServer,
    elsewhere: StubServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    which: str,
) -> None:
    monkeypatch.setenv("WARROOM_TEST_TOKEN", TOKEN)
    monkeypatch.setenv("WARROOM_TEST_PASSWORD", PASSWORD)
    call, path = CALLS[which]
    stub.reply(path, Reply(status=307, body=b"", headers={"Location": elsewhere.url + path}))
    elsewhere.reply(path, Reply(status=500, body=b"boom", echo_headers=True))
    with pytest.raises(SourceError) as info:
        await call(_configs(stub, tmp_path)[kind])
    (first,) = stub.requests
    (second,) = elsewhere.requests
    assert {h: first.headers.get(h) for h in _expected(kind)} == _expected(kind)
    # none reaches the other server, configured headers (X-Scope-OrgID) included
    assert {h: second.headers[h] for h in _expected(kind) if h in second.headers} == {}
    for secret in (TOKEN, PASSWORD, base64.b64encode(f"ops:{PASSWORD}".encode()).decode()):
        assert secret not in str(info.value)


@pytest.mark.parametrize("which", ids)
async def test_a_redirect_within_the_server_keeps_its_credentials(
    stub: StubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    monkeypatch.setenv("WARROOM_TEST_TOKEN", TOKEN)
    call, path = CALLS[which]
    stub.reply(path, Reply(status=307, body=b"", headers={"Location": f"{stub.url}/moved{path}"}))
    stub.reply(f"/moved{path}", Reply(status=500, body=b"boom"))
    with pytest.raises(SourceError):
        await call(_configs(stub, tmp_path)["token-env"])
    assert [r.headers.get("authorization") for r in stub.requests] == [f"Bearer {TOKEN}"] * 2
