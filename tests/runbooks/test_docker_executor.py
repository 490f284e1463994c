"""Docker steps against a real dockerd started by the suite (tests/servers/dockerd.py)."""

from __future__ import annotations

import json

from tests.runbooks.helpers import Sink, rendered
from tests.servers.dockerd import DockerDaemon
from warroom.domain.runbooks import Risk
from warroom.services.steps import StepRunner
from warroom.sources.executors import build_executors
from warroom.sources.executors.docker import DockerExecutor, parse_docker

# PID 1 ignores SIGTERM unless it traps it: trap so that restarts are quick
LOOP = ["sh", "-c", "trap 'exit 0' TERM; echo booted; while true; do sleep 0.2; done"]


def _started_at(d: DockerDaemon, name: str) -> str:
    return d.docker("inspect", "-f", "{{.State.StartedAt}}", name).stdout.strip()


def test_parse_only_what_the_sdk_can_do() -> None:
    assert parse_docker("docker restart api") is not None
    assert parse_docker("docker compose -f ops/docker-compose.yml restart api") is not None
    assert parse_docker("docker-compose -p ops logs --tail 5 worker") is not None
    assert parse_docker("docker ps | grep api") is None
    assert parse_docker("docker logs -f api") is None
    assert parse_docker('docker ps --format "{{.Names}}"') is None
    assert parse_docker("docker compose -f x.yml up -d --scale worker=4") is None
    assert parse_docker("docker exec api ls") is None


async def test_restart_logs_ps_inspect_through_the_sdk(docker_env: DockerDaemon) -> None:
    docker_env.run("api", *LOOP)
    before = _started_at(docker_env, "api")
    ex = DockerExecutor()
    sink = Sink()
    r = rendered("docker restart -t 1 api")
    assert ex.handles(r) and r.risk is Risk.WRITE
    result = await ex.execute(r, sink, 30)
    assert result.exit_code == 0 and result.executor == "docker" and sink.lines == ["api"]
    assert _started_at(docker_env, "api") != before

    logs = await ex.execute(rendered("docker logs --tail 1 api"), Sink(), 30)
    assert logs.exit_code == 0 and logs.output == "booted\n"

    ps = await ex.execute(rendered("docker ps"), Sink(), 30)
    assert ps.output.splitlines()[0].split()[:2] == ["CONTAINER", "ID"]
    assert "api" in ps.output and "Up" in ps.output

    inspect = await ex.execute(rendered("docker inspect api"), Sink(), 30)
    assert json.loads(inspect.output)[0]["Name"] == "/api"

    stop = await ex.execute(rendered("docker stop -t 1 api"), Sink(), 30)
    assert stop.exit_code == 0
    state = docker_env.docker("inspect", "-f", "{{.State.Running}}", "api").stdout.strip()
    assert state == "false"


async def test_missing_container_is_a_real_failure(docker_env: DockerDaemon) -> None:
    result = await DockerExecutor().execute(rendered("docker restart nosuch"), Sink(), 30)
    assert result.exit_code == 1 and "No such container: nosuch" in result.output


async def test_compose_restart_acts_on_labelled_containers(docker_env: DockerDaemon) -> None:
    labels = {"com.docker.compose.project": "ops", "com.docker.compose.service": "worker"}
    docker_env.run("ops-worker-1", *LOOP, labels=labels)
    docker_env.run("ops-worker-2", *LOOP, labels=labels)
    docker_env.run("ops-api-1", *LOOP, labels={**labels, "com.docker.compose.service": "api"})
    before = {n: _started_at(docker_env, n) for n in ("ops-worker-1", "ops-worker-2", "ops-api-1")}
    runner = StepRunner(
        build_executors(postgres_dsn=None, statement_timeout_ms=1000, prometheus=None),
        viewer=False,
        default_timeout_s=60,
    )
    sink = Sink()
    cmd = "docker compose -f ops/docker-compose.yml restart -t 1 worker"
    result = await runner.run(rendered(cmd), sink, confirmed=True)
    assert result.exit_code == 0 and result.executor == "docker"
    assert sink.lines == [
        " Container ops-worker-1  Restarting",
        " Container ops-worker-1  Started",
        " Container ops-worker-2  Restarting",
        " Container ops-worker-2  Started",
    ]
    assert _started_at(docker_env, "ops-worker-1") != before["ops-worker-1"]
    assert _started_at(docker_env, "ops-worker-2") != before["ops-worker-2"]
    assert _started_at(docker_env, "ops-api-1") == before["ops-api-1"]

    logs = await runner.run(rendered("docker compose -p ops logs --tail 1 api"), Sink())
    assert logs.output == "ops-api-1  | booted\n"


async def test_falls_back_to_shell_when_nothing_matches(docker_env: DockerDaemon) -> None:
    # no container of project "elsewhere": the compose CLI itself gets the command
    result = await DockerExecutor().execute(
        rendered("docker compose -p elsewhere restart api"), Sink(), 30
    )
    assert result.executor == "shell"


async def test_falls_back_to_shell_when_the_daemon_is_away(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nothing.sock")
    sink = Sink()
    result = await DockerExecutor().execute(rendered("docker restart api"), sink, 30)
    assert result.executor == "shell" and result.exit_code != 0
    assert any("Cannot connect" in line or "nothing.sock" in line for line in sink.lines)
