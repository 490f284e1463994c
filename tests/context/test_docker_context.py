"""The docker context source against the real dockerd the suite starts (tests/servers/dockerd.py):
busybox containers labelled as a compose service, crashed, restarted and OOM-killed for real."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from tests.context.bad_server import BadServer
from tests.servers.dockerd import IMAGE, DockerDaemon
from warroom.domain.errors import (
    SourceAuthError,
    SourceBadResponse,
    SourceTimeout,
    SourceUnavailable,
)
from warroom.domain.service_context import ChangeKind, ServiceContextSource
from warroom.sources.docker_context import DockerContextSource, docker_reachable
from warroom.sources.docker_mapping import (
    container_from,
    name_matches,
    source_error,
    split_image,
)

LOOP = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
COMPOSE = {"com.docker.compose.project": "ops", "com.docker.compose.service": "api"}


def _run(d: DockerDaemon, name: str, *args: str, labels: dict[str, str] | None = None) -> None:
    label_args = [a for k, v in (labels or {}).items() for a in ("--label", f"{k}={v}")]
    d.docker("run", "-d", "--network", "none", "--name", name, *label_args, *args)


def _until(check: Callable[[], bool], what: str) -> None:
    """Wait for the daemon to get there (a state to reach, not a time to assert)."""
    deadline = time.monotonic() + 30
    while not check():
        assert time.monotonic() < deadline, f"dockerd never reached: {what}"
        time.sleep(0.05)


def _state(d: DockerDaemon, name: str, fmt: str) -> str:
    return d.docker("inspect", "-f", fmt, name).stdout.strip()


def _source(d: DockerDaemon, **kwargs: object) -> DockerContextSource:
    return DockerContextSource(host=d.host, timeout_s=10, **kwargs)  # type: ignore[arg-type]


def _window() -> datetime:
    """The changes window opens now: the events of earlier tests' containers stay out."""
    return datetime.now(UTC)


async def test_compose_service_containers_with_state_image_and_tag(dockerd: DockerDaemon) -> None:
    dockerd.remove_all()
    window = _window()
    _run(dockerd, "ops-api-1", IMAGE, *LOOP, labels=COMPOSE)
    _run(dockerd, "ops-api-2", IMAGE, *LOOP, labels=COMPOSE)
    _run(
        dockerd, "ops-web-1", IMAGE, *LOOP, labels={**COMPOSE, "com.docker.compose.service": "web"}
    )
    source = _source(dockerd)
    assert isinstance(source, ServiceContextSource)
    ctx = await source.context("api", window)
    await source.aclose()
    assert ctx.error is None and ctx.source == "docker" and ctx.service == "api"
    assert [c.name for c in ctx.containers] == ["ops-api-1", "ops-api-2"]
    for c in ctx.containers:
        assert (c.state, c.image, c.tag, c.restarts, c.oom_killed) == (
            "running", "warroom-busybox", "test", 0, False,
        )  # fmt: skip
        assert c.started_at is not None and c.exit_code is None and c.health == ""
    starts = [ch for ch in ctx.changes if ch.kind is ChangeKind.START]
    assert {ch.subject for ch in starts} == {"ops-api-1", "ops-api-2"}
    assert all(ch.source == "docker" for ch in ctx.changes)


async def test_a_crash_shows_its_exit_code_restarts_and_events(dockerd: DockerDaemon) -> None:
    """Exits 3 once, then runs: its own inspect says exit code 0 again, the die event says 3."""
    dockerd.remove_all()
    window = _window()
    once = "if [ -f /tmp/ran ]; then exec sleep 1000; fi; touch /tmp/ran; sleep 0.5; exit 3"
    _run(dockerd, "ops-api-1", "--restart", "on-failure:5", IMAGE, "sh", "-c", once, labels=COMPOSE)
    source = _source(dockerd)
    before = await source.context("api", window)
    _until(lambda: _state(dockerd, "ops-api-1", "{{.RestartCount}}") == "1", "one restart")
    _until(lambda: _state(dockerd, "ops-api-1", "{{.State.Status}}") == "running", "running")
    after = await source.context("api", window)
    await source.aclose()
    (c,) = after.containers
    assert (c.state, c.restarts, c.exit_code) == ("running", 1, 3)
    assert before.containers[0].restarts == 0
    dies = [ch for ch in after.changes if ch.kind is ChangeKind.DIE]
    assert [ch.text for ch in dies] == ["ops-api-1 exited with code 3"]
    starts = [ch for ch in after.changes if ch.kind is ChangeKind.START]
    assert len(starts) == 2 and starts[0].at > dies[0].at > starts[1].at  # newest first
    assert len({ch.key for ch in after.changes}) == len(after.changes)
    keys = {ch.key for ch in before.changes}
    assert keys <= {ch.key for ch in after.changes}  # a key is stable across polls


async def test_an_exited_container_keeps_its_exit_code(dockerd: DockerDaemon) -> None:
    dockerd.remove_all()
    window = _window()
    _run(
        dockerd,
        "ops-api-1",
        "--restart",
        "on-failure:2",
        IMAGE,
        "sh",
        "-c",
        "exit 3",
        labels=COMPOSE,
    )
    _until(lambda: _state(dockerd, "ops-api-1", "{{.State.Status}}") == "exited", "gave up")
    source = _source(dockerd)
    ctx = await source.context("api", window)
    await source.aclose()
    (c,) = ctx.containers
    assert (c.state, c.exit_code, c.restarts) == ("exited", 3, 2)
    assert sum(ch.kind is ChangeKind.DIE for ch in ctx.changes) == 3


async def test_docker_restart_is_seen(dockerd: DockerDaemon) -> None:
    dockerd.remove_all()
    window = _window()
    _run(dockerd, "ops-api-1", IMAGE, *LOOP, labels=COMPOSE)
    source = _source(dockerd)
    first = await source.context("api", window)
    assert not any(ch.kind is ChangeKind.RESTART for ch in first.changes)
    dockerd.docker("restart", "-t", "1", "ops-api-1")
    second = await source.context("api", window)
    await source.aclose()
    restarts = [ch for ch in second.changes if ch.kind is ChangeKind.RESTART]
    assert [ch.text for ch in restarts] == ["ops-api-1 restarted"]
    assert second.containers[0].started_at != first.containers[0].started_at


async def test_an_oom_kill_is_flagged_and_listed(dockerd: DockerDaemon) -> None:
    dockerd.remove_all()
    window = _window()
    hog = "x=0123456789abcdef; while true; do x=$x$x; done"
    limits = ("-m", "8m", "--memory-swap", "8m")
    _run(dockerd, "ops-api-1", *limits, IMAGE, "sh", "-c", hog, labels=COMPOSE)
    _until(lambda: _state(dockerd, "ops-api-1", "{{.State.Status}}") == "exited", "OOM kill")
    source = _source(dockerd)
    ctx = await source.context("api", window)
    await source.aclose()
    (c,) = ctx.containers
    assert c.oom_killed and c.exit_code == 137
    assert [ch.text for ch in ctx.changes if ch.kind is ChangeKind.OOM] == [
        "ops-api-1 ran out of memory (OOM)"
    ]


async def test_image_changes_by_tag_and_by_rebuilt_tag(dockerd: DockerDaemon) -> None:
    dockerd.remove_all()
    window = _window()
    dockerd.docker("tag", IMAGE, "shop/web:1.0")
    dockerd.docker("tag", IMAGE, "shop/web:1.1")
    web = {**COMPOSE, "com.docker.compose.service": "web"}
    _run(dockerd, "ops-web-1", "shop/web:1.0", *LOOP, labels=web)
    source = _source(dockerd)
    await source.context("web", window)
    dockerd.docker("rm", "-f", "ops-web-1")
    _run(dockerd, "ops-web-1", "shop/web:1.1", *LOOP, labels=web)  # a compose recreate
    ctx = await source.context("web", window)
    images = [ch.text for ch in ctx.changes if ch.kind is ChangeKind.IMAGE]
    assert images == ["ops-web-1 now runs shop/web:1.1 (was shop/web:1.0)"]
    assert ctx.containers[0].tag == "1.1"
    # the same tag, rebuilt: only the image id tells
    dockerd.docker("commit", "ops-web-1", "shop/web:1.1")
    dockerd.docker("rm", "-f", "ops-web-1")
    _run(dockerd, "ops-web-1", "shop/web:1.1", *LOOP, labels=web)
    ctx = await source.context("web", window)
    await source.aclose()
    rebuilt = [ch.text for ch in ctx.changes if "another build" in ch.text]
    assert len(rebuilt) == 1 and rebuilt[0].startswith("ops-web-1 now runs another build of")


async def test_a_label_selector_or_the_name(dockerd: DockerDaemon) -> None:
    dockerd.remove_all()
    window = _window()
    _run(dockerd, "billing-7", IMAGE, *LOOP, labels={"team.example/app": "billing"})
    _run(dockerd, "shop_cart_1", IMAGE, *LOOP)
    _run(dockerd, "cart-gateway", IMAGE, *LOOP)
    by_label = _source(dockerd, selector_label="team.example/app")
    assert [c.name for c in (await by_label.context("billing", window)).containers] == ["billing-7"]
    await by_label.aclose()
    by_name = _source(dockerd)
    ctx = await by_name.context("cart", window)
    await by_name.aclose()
    assert [c.name for c in ctx.containers] == ["shop_cart_1"]
    assert {ch.subject for ch in ctx.changes} == {"shop_cart_1"}  # not cart-gateway's events


async def test_a_hostile_service_name_matches_nothing(dockerd: DockerDaemon) -> None:
    dockerd.remove_all()
    window = _window()
    _run(dockerd, "ops-api-1", IMAGE, *LOOP, labels=COMPOSE)
    source = _source(dockerd)
    for hostile in ("api,com.docker.compose.project=ops", ".*", "api\x1b[2J", ""):
        ctx = await source.context(hostile, window)
        assert ctx.containers == () and ctx.changes == ()
    ctx = await source.context(None, window)
    await source.aclose()
    assert ctx.containers == ()


# --- failures: one line, a SourceError, never a hang -------------------------------------


async def test_daemon_down(tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = DockerContextSource(host=f"unix://{tmp_path}/none.sock", timeout_s=2)
    with pytest.raises(SourceUnavailable) as err:
        await source.context("api", _window())
    assert str(err.value) == f"docker: no daemon answers at unix://{tmp_path}/none.sock"
    assert not docker_reachable(f"unix://{tmp_path}/none.sock")


@pytest.mark.parametrize(
    ("mode", "error", "says"),
    [
        ("500", SourceBadResponse, "internal error: etcd cluster is unavailable"),
        ("garbage", SourceBadResponse, "answered something that is not JSON"),
        ("hang", SourceTimeout, "did not answer"),
    ],
)
async def test_a_misbehaving_daemon(
    bad_server: BadServer, mode: str, error: type[Exception], says: str
) -> None:
    bad_server.mode = mode
    source = DockerContextSource(host=bad_server.url.replace("http", "tcp"), timeout_s=1)
    with pytest.raises(error) as err:
        await source.context("api", _window())
    message = str(err.value)
    assert message.startswith("docker: ") and says in message
    assert "\n" not in message and len(message) < 300
    if mode == "hang":  # the stuck call is not joined by a second one
        with pytest.raises(SourceTimeout):
            await source.context("api", _window())


def test_permission_denied_on_the_socket_is_said() -> None:
    """Root here, so the socket cannot refuse us: the SDK's own exception chain, recorded."""
    try:
        try:
            raise PermissionError(13, "Permission denied")
        except PermissionError as inner:
            raise ConnectionError("('Connection aborted.', PermissionError(13, ...))") from inner
    except ConnectionError as exc:
        error = source_error(exc, "unix:///var/run/docker.sock")
    assert isinstance(error, SourceAuthError)
    assert str(error) == (
        "docker: permission denied on unix:///var/run/docker.sock "
        "(is this user in the docker group?)"
    )


def test_mapping_of_a_recorded_inspect() -> None:
    recorded = {
        "Id": "f3c1",
        "Name": "/ops-worker-2",
        "RestartCount": 4,
        "Image": "sha256:" + "ab" * 32,
        "Config": {"Image": "registry.example:5000/shop/worker:2.3.1"},
        "State": {
            "Status": "restarting",
            "OOMKilled": True,
            "ExitCode": 137,
            "StartedAt": "2025-01-10T09:12:44.123456789Z",
            "FinishedAt": "2025-01-10T09:13:01.5Z",
            "Health": {"Status": "unhealthy"},
        },
    }
    c = container_from(recorded)
    assert (c.name, c.image, c.tag, c.state, c.health) == (
        "ops-worker-2", "registry.example:5000/shop/worker", "2.3.1", "restarting", "unhealthy",
    )  # fmt: skip
    assert (c.restarts, c.exit_code, c.oom_killed) == (4, 137, True)
    assert c.started_at == datetime(2025, 1, 10, 9, 12, 44, 123456, UTC)
    never = container_from(
        {"Name": "/x", "State": {"Status": "created", "StartedAt": "0001-01-01T00:00:00Z"}}
    )
    assert never.started_at is None and never.exit_code is None


def test_names_and_references() -> None:
    assert split_image("api") == ("api", "latest")
    assert split_image("localhost:5000/api") == ("localhost:5000/api", "latest")
    assert split_image("api:1.2@sha256:" + "0" * 64) == ("api", "1.2")
    assert split_image("api@sha256:" + "1" * 64)[1].startswith("sha256:")
    assert name_matches("api", "api") and name_matches("ops-api-1", "api")
    assert name_matches("api.1.x9z3k", "api") and name_matches("ops_api_1", "api")
    assert not name_matches("api-gateway", "api") and not name_matches("xapi", "api")
    assert not name_matches("ops-api-1", "a.i")


async def test_health_through_docker_host(docker_env: DockerDaemon) -> None:
    """No host configured: the SDK's own `DOCKER_HOST` (the fixture points it at the daemon)."""
    window = _window()
    health = ("--health-cmd", "true", "--health-interval", "1s", "--health-start-period", "0s")
    _run(docker_env, "ops-api-1", *health, IMAGE, *LOOP, labels=COMPOSE)
    _run(docker_env, "ops-api-2", IMAGE, *LOOP, labels=COMPOSE)
    _until(
        lambda: _state(docker_env, "ops-api-1", "{{.State.Health.Status}}") == "healthy", "healthy"
    )
    source = DockerContextSource(timeout_s=10)
    ctx = await source.context("api", window)
    await source.aclose()
    assert [(c.name, c.health) for c in ctx.containers] == [
        ("ops-api-1", "healthy"),
        ("ops-api-2", ""),
    ]


async def test_a_restart_from_a_runbook_step_is_seen(docker_env: DockerDaemon) -> None:
    """The runbook's `docker compose restart` step (the docker executor, through the SDK) shows
    up as the compose service's restart on the next poll."""
    from tests.runbooks.helpers import Sink, rendered
    from warroom.sources.executors.docker import DockerExecutor

    window = _window()
    _run(docker_env, "ops-api-1", IMAGE, *LOOP, labels=COMPOSE)
    source = DockerContextSource(timeout_s=10)
    before = await source.context("api", window)
    step = rendered("docker compose -p ops restart -t 1 api")
    result = await DockerExecutor().execute(step, Sink(), 30)
    assert result.exit_code == 0 and result.executor == "docker"
    after = await source.context("api", window)
    await source.aclose()
    assert [c.text for c in after.changes if c.kind is ChangeKind.RESTART] == [
        "ops-api-1 restarted"
    ]
    assert after.containers[0].started_at != before.containers[0].started_at
