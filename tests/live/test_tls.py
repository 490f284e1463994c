"""TLS to Alertmanager: a CA bundle, a client certificate, and skip-verify only when asked.

A real HTTPS server on 127.0.0.1 with certificates made by `openssl` for the test (a test CA,
a server certificate for 127.0.0.1, a client certificate) stands in for an Alertmanager behind
TLS; the source under test is the real AlertmanagerSource.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.live.conftest import am_fetch
from tests.servers.ports import free_port
from warroom.config import ServerConfig
from warroom.domain.errors import SourceError


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    assert shutil.which("openssl"), "openssl is needed to make the test certificates"
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
             "-days", "1", "-subj", "/CN=warroom-test-ca", cwd=d)  # fmt: skip
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    for name, subject, ext in (
        ("server", "/CN=127.0.0.1", ["-extfile", "san.ext"]),
        ("client", "/CN=warroom", []),
    ):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", subject, cwd=d)  # fmt: skip
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.pem", "-days", "1", *ext, cwd=d)  # fmt: skip
    return Pki(d / "ca.pem", d / "server.pem", d / "server.key", d / "client.pem", d / "client.key")


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _https(pki: Pki, require_client_cert: bool) -> Iterator[str]:
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    if require_client_cert:
        ctx.load_verify_locations(pki.ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def https_url(pki: Pki) -> Iterator[str]:
    yield from _https(pki, require_client_cert=False)


@pytest.fixture
def mtls_url(pki: Pki) -> Iterator[str]:
    yield from _https(pki, require_client_cert=True)


async def test_unknown_ca_is_refused_with_one_line(https_url: str) -> None:
    with pytest.raises(SourceError) as err:
        await am_fetch(ServerConfig(url=https_url, name="am", timeout_s=3))
    assert "\n" not in str(err.value) and str(err.value).startswith("am")


async def test_ca_bundle_is_trusted(https_url: str, pki: Pki) -> None:
    assert (
        await am_fetch(ServerConfig(url=https_url, name="am", ca_file=str(pki.ca), timeout_s=3))
        == []
    )


async def test_skip_verify_only_when_asked(https_url: str) -> None:
    assert (
        await am_fetch(
            ServerConfig(url=https_url, name="am", insecure_skip_verify=True, timeout_s=3)
        )
        == []
    )


async def test_client_certificate_is_presented(mtls_url: str, pki: Pki) -> None:
    base = {"url": mtls_url, "name": "am", "ca_file": str(pki.ca), "timeout_s": 3.0}
    with pytest.raises(SourceError):
        await am_fetch(ServerConfig(**base))  # type: ignore[arg-type]
    mutual = ServerConfig(**base, client_cert=str(pki.client_cert), client_key=str(pki.client_key))  # type: ignore[arg-type]
    assert await am_fetch(mutual) == []


async def test_unreadable_tls_file_is_a_clear_error(https_url: str, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot load TLS files"):
        await am_fetch(
            ServerConfig(url=https_url, name="am", ca_file=str(tmp_path / "missing.pem"))
        )
