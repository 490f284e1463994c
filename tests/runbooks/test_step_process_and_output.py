"""Shell steps with real subprocesses: every process a step started ends on cancel and timeout,
the environment is an allow-list, output is cut, coalesced, redacted and kept in full in a file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.runbooks.helpers import Sink, rendered
from warroom.domain.redaction import MASK
from warroom.services.steps import step_entry
from warroom.sources.executors.process_tree import alive
from warroom.sources.executors.shell import ShellExecutor
from warroom.sources.executors.step_env import step_environment
from warroom.sources.executors.step_output import StepOutput

NOW = datetime(2026, 1, 1, tzinfo=UTC)

ESCAPES = {
    "background": "sleep 1000 & echo $! > {pids}/a; wait",
    "setsid": "setsid sleep 1000 & sleep 0.2; pgrep -n -f 'sleep 1000' > {pids}/a; wait",
    "nohup": "nohup sleep 1000 > /dev/null 2>&1 & echo $! > {pids}/a; sleep 1000",
    "double fork": "( ( sleep 1000 & echo $! > {pids}/a ) & ) ; sleep 1000",
    "setsid double fork": (
        "setsid bash -c '( sleep 1000 & echo $! > {pids}/a ) & sleep 1000 &"
        " echo $! > {pids}/b' > /dev/null 2>&1 < /dev/null & sleep 1000"
    ),
    "ignores TERM": "bash -c 'trap \"\" TERM; echo $$ > {pids}/a; sleep 1000 & wait' & sleep 1000",
}


async def _pids(folder: Path, want: int = 1) -> list[int]:
    for _ in range(500):
        files = [f for f in folder.iterdir() if f.read_text().strip()]
        if len(files) >= want:
            return [int(f.read_text()) for f in files]
        await asyncio.sleep(0.01)
    raise AssertionError("the step never wrote its pids")


@pytest.mark.parametrize("how", ["cancel", "timeout"])
@pytest.mark.parametrize("name", list(ESCAPES))
async def test_nothing_the_step_started_outlives_it(tmp_path: Path, name: str, how: str) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    command = ESCAPES[name].format(pids=pids)
    want = 2 if "{pids}/b" in ESCAPES[name] else 1
    timeout = 60.0 if how == "cancel" else 1.5
    task = asyncio.create_task(ShellExecutor().execute(rendered(command), Sink(), timeout))
    started = await _pids(pids, want)
    assert all(alive(p) for p in started), "the escape never ran"
    if how == "cancel":
        task.cancel()
    result = await task
    assert result.cancelled if how == "cancel" else result.timed_out
    assert [p for p in started if alive(p)] == []


async def test_env_step_sees_no_secret_of_the_console(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {
        "WARROOM_TOKEN": "wr-tok-5f1d9a",
        "PGPASSWORD": "pg-pass-83kd",
        "MY_API_TOKEN": "api-tok-77ab",
        "DATABASE_URL": "postgresql://u:dsn-pass-19@db/app",
    }
    for key, value in secrets.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LC_TIME", "C")
    monkeypatch.setenv("KUBECONFIG", "/k/config")
    sink = Sink()
    result = await ShellExecutor(env_allow=["ONCALL_*"]).execute(rendered("env"), sink, 10)
    printed = "\n".join(sink.lines) + result.output
    for key, value in secrets.items():
        assert key not in printed and value not in printed
    assert "KUBECONFIG=/k/config" in printed and "LC_TIME=C" in printed
    assert "PATH=" in printed


def test_extra_names_and_prefixes_are_allowed_nothing_else() -> None:
    base = {"PATH": "/bin", "ONCALL_TEAM": "db", "ONCALL": "x", "AWS_SECRET": "s", "HOME": "/h"}
    env = step_environment(["ONCALL_*", "*"], base=base, marker="m")
    assert env == {"PATH": "/bin", "HOME": "/h", "ONCALL_TEAM": "db", "WARROOM_STEP": "m"}


async def test_output_and_logged_entry_are_redacted() -> None:
    sink = Sink()
    cmd = "echo token=abc123secret; echo the password is Hunter2Hunter2"
    result = await ShellExecutor(secrets=["Hunter2Hunter2"]).execute(rendered(cmd), sink, 10)
    assert sink.lines == [f"token={MASK}", f"the password is {MASK}"]
    assert "abc123secret" not in result.output and "Hunter2" not in result.output


async def test_a_100_mb_line_is_cut_and_kept_in_full_in_a_file(tmp_path: Path) -> None:
    sink = Sink()
    cmd = "head -c 100000000 /dev/zero | tr '\\0' x; echo; echo after"
    result = await ShellExecutor(output_dir=tmp_path).execute(rendered(cmd), sink, 120)
    assert result.exit_code == 0
    first = sink.lines[0]
    assert first.startswith("x" * 4000) and "x" * 4001 not in first
    assert "line cut: 99,996,000 more bytes" in first and result.output_file in first
    assert sink.lines[1:] == ["after"]
    assert len(result.output) < 10_000
    full = Path(result.output_file)
    assert full.parent == tmp_path and full.stat().st_size == 100_000_000 + len("\nafter\n")
    assert full.read_bytes()[-7:] == b"\nafter\n"
    assert oct(full.stat().st_mode & 0o777) == "0o600"
    entry = step_entry("INC-1", rendered(cmd), result, author="a", now=NOW)
    assert entry.data["output_ref"] == result.output_file
    assert len(str(entry.data)) < 20_000


async def test_a_fast_stream_is_coalesced_and_kept_whole_in_the_file(tmp_path: Path) -> None:
    sink = Sink()
    result = await ShellExecutor(output_dir=tmp_path).execute(rendered("seq 1 200000"), sink, 60)
    assert result.exit_code == 0
    full = Path(result.output_file).read_text().splitlines()
    assert full == [str(i) for i in range(1, 200001)]  # nothing lost
    shown = [line for line in sink.lines if not line.startswith("[… ")]
    skips = [line for line in sink.lines if line.startswith("[… ")]
    assert shown[-1] == "200000" and set(shown) <= set(full)
    assert [int(x) for x in shown] == sorted(int(x) for x in shown)  # in order
    assert all("lines not shown (too fast)" in m and result.output_file in m for m in skips)
    skipped = sum(int(m.split()[1].replace(",", "")) for m in skips)
    assert skipped + len(shown) == 200000  # every line either shown or counted
    assert sink.batches <= 200000 // 1000 + 5
    assert len(result.output.encode()) < 300 * 1024 and "full output in" in result.output


def test_batches_wait_for_the_interval_and_a_flood_is_cut_to_the_screen() -> None:
    now = [0.0]
    got: list[str] = []
    out = StepOutput(got.append, interval_s=0.05, screen_lines=3, monotonic=lambda: now[0])
    out.feed(b"a\nb\n")
    out.flush_due()
    assert got == []  # not yet due
    now[0] = 0.06
    out.flush_due()
    assert got == ["a\nb"]
    out.feed(b"c\nd\ne\nf\ng\nh")
    now[0] = 0.2
    out.flush_due()
    assert got[-1] == "[… 2 lines not shown (too fast); no file could be written]\ne\nf\ng"
    out.close()
    assert got[-1] == "h" and out.output == "a\nb\nc\nd\ne\nf\ng\nh"


def test_no_output_dir_means_no_file_and_says_so() -> None:
    got: list[str] = []
    out = StepOutput(got.append, line_cap=10, keep_bytes=30)
    out.feed(b"0123456789abcdef\n" + b"line\n" * 10)
    out.close()
    assert got[0].startswith("0123456789 … [line cut: 6 more bytes") and out.file == ""
    assert "no file could be written" in out.output


async def test_sdk_and_query_executors_share_the_bounds_and_redaction(
    postgres_dsn: str, tmp_path: Path
) -> None:
    """A SQL step's rows go through the same redaction and line cap as shell output."""
    from warroom.domain.runbooks import StepKind
    from warroom.sources.executors import build_executors

    sql = next(
        e
        for e in build_executors(
            postgres_dsn=postgres_dsn,
            statement_timeout_ms=2000,
            prometheus=None,
            secrets=["Kx9-secret-value"],
            output_dir=tmp_path,
        )
        if e.name == "sql"
    )
    sink = Sink()
    query = "SELECT 'Kx9-secret-value' AS a, repeat('q', 9000) AS b"
    result = await sql.execute(rendered(query, StepKind.SQL), sink, 10)
    assert result.exit_code == 0, result.error
    shown = "\n".join(sink.lines)
    assert "Kx9-secret-value" not in shown and MASK in shown
    assert all(len(line) < 4200 for line in sink.lines) and "line cut:" in shown
    assert Path(result.output_file).parent == tmp_path


def test_a_batch_of_long_lines_is_bounded_in_size_too() -> None:
    got: list[str] = []
    out = StepOutput(got.append, monotonic=lambda: 0.0)
    out.feed(b"".join(b"%04d" % i + b" y" * 1498 + b"\n" for i in range(200)))  # 600 KB
    out.flush()
    first, *shown = got[0].split("\n")
    assert first.startswith("[… ") and "lines not shown (too fast)" in first
    assert 256 * 1024 // 3001 - 10 <= len(shown) <= 256 * 1024 // 3001 + 1
    assert shown[-1].startswith("0199") and int(first.split()[1]) + len(shown) == 200


async def test_cancelled_while_starting_still_ends_everything(tmp_path: Path) -> None:
    """Cancel lands while the subprocess is being set up (one loop turn after the start)."""
    pidfile = tmp_path / "pid"
    command = f"sleep 1000 & echo $! > {pidfile}; wait"
    task = asyncio.create_task(ShellExecutor().execute(rendered(command), Sink(), 60))
    await asyncio.sleep(0)
    task.cancel()
    result = await task
    assert result.cancelled and result.exit_code is None
    if pidfile.exists() and pidfile.read_text().strip():
        assert not alive(int(pidfile.read_text()))
