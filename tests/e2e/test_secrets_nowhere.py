"""Configured secrets appear nowhere: screen, store file, `env` step output, errors, post-mortem.

One run of the real `warroom` in a pseudo-terminal, configured the way a team would: a bearer
token (`token_env`) for Prometheus and one Alertmanager, a basic-auth password
(`password_env`) for another, and a PostgreSQL DSN with a password (`dsn_env`). Two of the
Alertmanagers misbehave: one answers 401 and echoes the request's headers into its body, one
redirects to another host (`localhost` instead of `127.0.0.1`, another port) that echoes
whatever headers reach it. The variables holding the secrets have plain names (`PROBE_ALPHA`),
so only the configured list, not a pattern on names, can hide them. The commander declares,
runs a runbook step that prints `env`, exports, and quits; then the CLI prints and exports the
incident. Every byte the terminal got, the SQLite store (with its WAL), both post-mortems
and the CLI output are searched for each secret, its basic-auth and percent-encoded forms,
and any 10-character piece of one (a truncated cell must not show half a token either).
"""

from __future__ import annotations

import base64
import secrets as random_secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from benchmarks.pty_harness import PtyApp
from tests.e2e.console import (
    cli,
    console_env,
    declare,
    export_postmortem,
    quit_console,
    wait,
    warroom_argv,
)
from tests.live.stub import Reply, StubServer
from tests.servers.prometheus import Alertmanager, MonitoringStack

pytestmark = pytest.mark.integration

RUNBOOK = """\
# Secret probe

## SecretProbe

**Alert**: `SecretProbe`

### Diagnosis

```bash
# What the step's environment holds
env
```
"""


@dataclass(frozen=True)
class Secrets:
    token: str
    password: str
    dsn_password: str

    @property
    def basic(self) -> str:
        return base64.b64encode(f"ops:{self.password}".encode()).decode()

    def named(self) -> dict[str, str]:
        return {
            "token": self.token,
            "basic-auth password": self.password,
            "basic-auth header value": self.basic,
            "DSN password": self.dsn_password,
        }

    def found_in(self, data: bytes | str) -> list[str]:
        """Which secrets `data` shows: as written, percent-encoded, or a 10-character piece
        (a cell cut short must not show half a token either)."""
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        found = []
        for name, value in self.named().items():
            if not value:
                continue
            if value in text or quote(value, safe="") in text:
                found.append(f"{name} (whole)")
            elif any(value[i : i + 10] in text for i in range(len(value) - 9)):
                found.append(f"{name} (a piece)")
        return found


@pytest.fixture
def stubs() -> Iterator[tuple[StubServer, StubServer, StubServer]]:
    """(401 with echoed headers, a redirect to another host, that host echoing headers)."""
    target = StubServer().start()
    target.default = Reply(status=500, body=b"got headers:", echo_headers=True)
    refusing = StubServer().start()
    refusing.default = Reply(status=401, body=b"unauthorized, you sent:", echo_headers=True)
    redirect = StubServer().start()
    elsewhere = f"http://localhost:{target.port}/api/v2/alerts"
    redirect.default = Reply(status=302, body=b"", headers={"Location": elsewhere})
    try:
        yield refusing, redirect, target
    finally:
        for stub in (refusing, redirect, target):
            stub.stop()


def _config(path: Path, prom: str, am: str, refusing: StubServer, redirect: StubServer) -> None:
    path.write_text(
        f"""\
environment = "e2e"

[environments.e2e.prometheus]
url = "{prom}"
token_env = "PROBE_ALPHA"

[[environments.e2e.alertmanagers]]
name = "am-real"
url = "{am}"
username = "ops"
password_env = "PROBE_BRAVO"

[[environments.e2e.alertmanagers]]
name = "am-401"
url = "{refusing.url}"
username = "ops"
password_env = "PROBE_BRAVO"

[[environments.e2e.alertmanagers]]
name = "am-redirect"
url = "{redirect.url}"
token_env = "PROBE_ALPHA"

[environments.e2e.postgres]
dsn_env = "PROBE_CHARLIE"
""",
        encoding="utf-8",
    )


def test_configured_secrets_appear_nowhere(
    stack: MonitoringStack,
    alertmanager: Alertmanager,
    stubs: tuple[StubServer, StubServer, StubServer],
    postgres_dsn: str,
    tmp_path: Path,
) -> None:
    refusing, redirect, target = stubs
    keys = Secrets(
        token=f"tok-{random_secrets.token_hex(12)}",
        password=f"pw-{random_secrets.token_hex(12)}",
        dsn_password=f"dsnpw-{random_secrets.token_hex(12)}",
    )
    parts = urlsplit(postgres_dsn)  # trust auth: the password is carried, never checked
    dsn = f"postgresql://{parts.username}:{keys.dsn_password}@{parts.hostname}:{parts.port}{parts.path}"
    config = tmp_path / "config.toml"
    _config(config, stack.prom.url, alertmanager.url, refusing, redirect)
    runbooks = tmp_path / "runbooks"
    runbooks.mkdir()
    (runbooks / "probe.md").write_text(RUNBOOK, encoding="utf-8")
    store = tmp_path / "incidents.db"
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    alertmanager.post_alerts(
        [
            {
                "labels": {"alertname": "SecretProbe", "severity": "critical", "service": "vault"},
                "annotations": {"summary": "probe for leaked secrets"},
                "startsAt": now,
            }
        ]
    )
    env = console_env(
        tmp_path, {"PROBE_ALPHA": keys.token, "PROBE_BRAVO": keys.password, "PROBE_CHARLIE": dsn}
    )
    argv = warroom_argv(
        "--config", str(config), "--store", str(store),
        "--runbooks", str(runbooks), "--user", "tester", "--refresh", "1",
    )  # fmt: skip
    with PtyApp(argv, env=env, cwd=tmp_path) as app:
        wait(app, "SecretProbe", timeout=40)
        wait(app, "am-401")  # the failing sources are named on screen
        wait(app, "am-redirect")
        time.sleep(3)  # a few polls of each misbehaving server
        declare(app)

        mark = app.bytes_total
        app.write(b"\r")  # open the alert's runbook
        time.sleep(1)
        app.write(b"\r")  # run its first step: env
        wait(app, "PATH=", mark)  # the step ran (an allow-listed environment keeps PATH)
        time.sleep(2)

        export_postmortem(app)
        code = quit_console(app)
        screen = app.raw_output()
        visible = app.output_text()

    (tmp_path / "screen.txt").write_text(visible, encoding="utf-8")  # for whoever debugs this
    assert code == 0, visible[-2000:]
    assert "Traceback" not in visible
    assert refusing.requests and redirect.requests  # both misbehaving servers were asked
    surfaces: dict[str, bytes | str] = {"terminal (every byte drawn)": screen}
    for path in sorted(tmp_path.glob("incidents.db*")):
        surfaces[f"store file {path.name}"] = path.read_bytes()
    exported = list(tmp_path.glob("postmortem-*.md"))
    assert len(exported) == 1
    surfaces["post-mortem exported from the console"] = exported[0].read_bytes()
    incident_id = exported[0].stem.removeprefix("postmortem-")
    for args in (["incidents", "show", incident_id], ["postmortem", "export"]):
        surfaces[f"warroom {' '.join(args[:2])}"] = cli(
            env, "--config", str(config), *args, "--store", str(store)
        )
    for i, request in enumerate(target.requests):  # what reached the other host, redirected
        surfaces[f"headers of request {i} to {target.url} after a redirect"] = str(request.headers)
    leaks = {name: found for name, data in surfaces.items() if (found := keys.found_in(data))}
    assert set(surfaces) >= {"store file incidents.db", "post-mortem exported from the console"}
    assert not leaks, "secrets found:\n" + "\n".join(
        f"{k}: {', '.join(v)}" for k, v in leaks.items()
    )


async def test_source_errors_after_a_401_and_a_redirect_hold_no_secret(
    stubs: tuple[StubServer, StubServer, StubServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full error texts (the screen cuts them to the pane), from the same misbehaving
    servers, for both HTTP clients (httpx for Alertmanager, requests for Prometheus), with
    the token, basic auth and a secret custom header configured."""
    from warroom.config import ServerConfig
    from warroom.domain.errors import SourceError
    from warroom.domain.signals import SignalSpec
    from warroom.sources.alertmanager import AlertmanagerSource
    from warroom.sources.prometheus import PrometheusSignals

    refusing, redirect, target = stubs
    keys = Secrets(f"tok-{random_secrets.token_hex(12)}", f"pw-{random_secrets.token_hex(12)}", "")
    monkeypatch.setenv("PROBE_ALPHA", keys.token)
    monkeypatch.setenv("PROBE_BRAVO", keys.password)
    configs = {
        "401 with basic auth": ServerConfig(
            url=refusing.url, name="r", username="ops", password_env="PROBE_BRAVO"
        ),
        "401 with a token": ServerConfig(url=refusing.url, name="r", token_env="PROBE_ALPHA"),
        "redirect with a token": ServerConfig(url=redirect.url, name="x", token_env="PROBE_ALPHA"),
        "redirect with basic auth": ServerConfig(
            url=redirect.url, name="x", username="ops", password_env="PROBE_BRAVO"
        ),
        "redirect with X-Api-Key": ServerConfig(
            url=redirect.url, name="x", headers={"X-Api-Key": keys.token}
        ),
    }

    async def error_of(source: AlertmanagerSource | PrometheusSignals) -> str:
        try:
            if isinstance(source, AlertmanagerSource):
                await source.fetch_alerts()
            else:
                await source.sample(SignalSpec(key="k", name="K", query="vector(1)"), None)
            return "(no error)"
        except SourceError as exc:
            return str(exc)
        finally:
            await source.aclose()

    messages: dict[str, str] = {}
    for case, server in configs.items():
        messages[f"alertmanager, {case}"] = await error_of(AlertmanagerSource(server))
        messages[f"prometheus, {case}"] = await error_of(PrometheusSignals(server))
    assert any("401" in m for m in messages.values())
    for i, request in enumerate(target.requests):
        messages[f"headers of request {i} that reached {target.url}"] = str(request.headers)
    leaks = {case: found for case, text in messages.items() if (found := keys.found_in(text))}
    assert not leaks, "\n".join(
        f"{c}: {', '.join(f)} in {messages[c][:200]!r}" for c, f in leaks.items()
    )
