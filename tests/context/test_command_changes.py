"""Changes from a configured command, run for real (git, sh) through the step runner."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warroom.domain.clock import FrozenClock
from warroom.domain.errors import SourceBadResponse, SourceTimeout
from warroom.domain.service_context import ChangeKind, ServiceContextSource
from warroom.sources.command_changes import CommandChangesSource, parse_lines

SINCE = datetime(2025, 1, 10, 9, 30, tzinfo=UTC)
NOW = datetime(2025, 1, 10, 10, 0, tzinfo=UTC)


def _git(repo: Path, *args: str, when: str = "") -> None:
    env = {
        "GIT_COMMITTER_DATE": when,
        "GIT_AUTHOR_DATE": when,
        "HOME": str(repo),
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(
        ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.invalid", *args],
        cwd=repo, env=env, check=True, capture_output=True,
    )  # fmt: skip


async def test_git_log_of_a_deploy_repository(tmp_path: Path) -> None:
    repo = tmp_path / "deploys"
    repo.mkdir()
    _git(repo, "init", "-q")
    for when, message in [
        ("2025-01-10T08:00:00+00:00", "api 1.8.0 to prod"),
        ("2025-01-10T09:41:00+01:00", "before the window too (08:41 UTC)"),
        ("2025-01-10T09:47:12+00:00", "api 1.8.2 to prod\ttabbed"),
    ]:
        _git(repo, "commit", "-q", "--allow-empty", "-m", message, when=when)
    command = ["git", "-C", str(repo), "log", "--format=%cI%x09%s"]
    source = CommandChangesSource("deploys", command, clock=FrozenClock(NOW))
    assert isinstance(source, ServiceContextSource)
    ctx = await source.context("api", SINCE)
    await source.aclose()
    assert ctx.source == "deploys" and ctx.fetched_at == NOW
    assert [(c.at, c.kind, c.text, c.source) for c in ctx.changes] == [
        (datetime(2025, 1, 10, 9, 47, 12, tzinfo=UTC), ChangeKind.COMMAND, "api 1.8.2 to prod tabbed", "deploys")
    ]  # fmt: skip


async def test_service_filled_only_when_it_is_a_plain_name(tmp_path: Path) -> None:
    script = 'printf "2025-01-10T09:40:00Z\\tdeployed %s\\n" "$1"'
    source = CommandChangesSource("tool", ["sh", "-c", script, "sh", "$service"], every_s=1)
    assert [c.text for c in (await source.context("api", SINCE)).changes] == ["deployed api"]
    for hostile in ("--upload-pack=touch /tmp/x", "-x", "a b", "api;id", "", None):
        assert source.argv(hostile) is None
        assert (await source.context(hostile, SINCE)).changes == ()


async def test_a_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_TEST_TOKEN", "s3cr3t-token-value")
    script = 'printf "2025-01-10T09:40:00Z\\t%s\\n" "${WARROOM_TEST_TOKEN:-clean}"'
    ctx = await CommandChangesSource("env", ["sh", "-c", script]).context(None, SINCE)
    assert [c.text for c in ctx.changes] == ["clean"]


async def test_kept_for_every_s(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    script = f'echo run >> {runs}; printf "2025-01-10T09:40:00Z\\tone\\n"'
    ticks = [100.0]
    source = CommandChangesSource("t", ["sh", "-c", script], every_s=60, monotonic=lambda: ticks[0])
    first = await source.context(None, SINCE)
    ticks[0] += 30
    second = await source.context(None, SINCE)
    assert runs.read_text().count("run") == 1 and first.changes == second.changes
    ticks[0] += 31
    await source.context(None, SINCE)
    assert runs.read_text().count("run") == 2


async def test_failures_are_one_line() -> None:
    failing = CommandChangesSource(
        "deploys", ["sh", "-c", "echo 'fatal: not a git repository' >&2; exit 128"]
    )
    with pytest.raises(SourceBadResponse) as err:
        await failing.context(None, SINCE)
    assert str(err.value) == "deploys: `sh` exited with code 128: fatal: not a git repository"
    slow = CommandChangesSource("slow", ["sh", "-c", "sleep 30 & sleep 30"], timeout_s=0.3)
    with pytest.raises(SourceTimeout, match=r"^slow: `sh` did not finish in 0.3 s$"):
        await slow.context(None, SINCE)
    missing = CommandChangesSource("gone", ["/nonexistent/deploy-tool", "history"])
    with pytest.raises(
        SourceBadResponse, match=r"^gone: `/nonexistent/deploy-tool` exited with code 127"
    ):
        await missing.context(None, SINCE)


def test_lines_that_are_not_changes_are_skipped() -> None:
    output = "\n".join(
        [
            "2025-01-10T09:40:00Z\trevision 14",
            "2025-01-10T09:40:00Z\trevision 14",  # the same line twice: one change
            "not a time\tx",
            "2025-01-10T09:41:00Z no tab",
            "2025-01-10T09:42:00.123456789Z\t",
            "2025-01-10 09:43:00\tnaive is UTC",
            "2025-01-10T09:44:00Z\tcontrol \x1b[2J kept for the screen to show",
        ]
    )
    changes = parse_lines(output, "x", SINCE)
    assert [c.text for c in changes] == [
        "control \x1b[2J kept for the screen to show", "naive is UTC", "revision 14",
    ]  # fmt: skip
    assert len({c.key for c in changes}) == 3


async def test_a_naive_window_start_is_utc() -> None:
    source = CommandChangesSource("t", ["sh", "-c", 'printf "2025-01-10T09:40:00Z\\tone\\n"'])
    ctx = await source.context(None, SINCE.replace(tzinfo=None))
    assert [c.text for c in ctx.changes] == ["one"]
