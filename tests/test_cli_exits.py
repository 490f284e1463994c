"""Every way out of `warroom` is calm: a crash is one line naming where the full trace went
(non-zero exit), a closed pipe (`| head`) is silent, a known error is one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.pilot import Pilot

from warroom.cli import main
from warroom.cli.crash import EXIT_BROKEN_PIPE, EXIT_CRASH, ConsoleCrashed, raise_if_crashed
from warroom.config import Settings
from warroom.drill import DrillWorld, load_scenario
from warroom.stores import open_store
from warroom.ui.app import build_app
from warroom.ui.context import ConsoleContext

WARROOM = Path(sys.executable).parent / "warroom"


def test_a_crash_is_one_line_and_the_trace_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(args: object) -> int:
        raise RuntimeError("the flux capacitor broke, dsn postgresql://ic:hunter2secret@db/x")

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr("warroom.cli.console.run_live", boom)
    assert main([]) == EXIT_CRASH
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("warroom: crashed: RuntimeError: the flux capacitor broke")
    traces = list((tmp_path / "state").rglob("crash-*.txt"))
    assert len(traces) == 1 and f"full trace in {traces[0]}" in err
    text = traces[0].read_text()
    assert "Traceback" in text and "in boom" in text
    assert "hunter2secret" not in text and "hunter2secret" not in err


def test_a_crash_inside_the_console_is_raised_after_it_closes_without_a_traceback(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    world = DrillWorld(load_scenario("error-rate"), seed=1)
    ctx = ConsoleContext(
        settings=Settings(),
        sources=world.sources(),
        clock=world.clock,
        library=None,
        runbook_paths=(),
        store=open_store(str(tmp_path / "incidents.db")),
        author="tester@bastion",
        viewer=False,
        scenario="error-rate",
    )
    app = build_app(ctx, boot=False)

    async def crash(pilot: Pilot[None]) -> None:
        pilot.app.call_later(lambda: 1 / 0)

    app.run(headless=True, auto_pilot=crash)
    with pytest.raises(ConsoleCrashed) as err:
        raise_if_crashed(app)
    assert isinstance(err.value.__cause__, ZeroDivisionError)
    assert app.return_code == 1
    out, errors = capfd.readouterr()
    assert "Traceback" not in out + errors and "ZeroDivisionError" not in out + errors


@pytest.mark.parametrize("command", [["drill", "--list"], ["--help"], ["runbooks", "--help"]])
def test_a_closed_pipe_is_silent(tmp_path: Path, command: list[str]) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte, as with `| head -0`
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    result = subprocess.run(
        [str(WARROOM), *command], stdout=write, stderr=subprocess.PIPE, text=True, env=env
    )
    os.close(write)
    assert result.stderr == ""
    assert result.returncode in (0, EXIT_BROKEN_PIPE)


def test_the_console_runs_with_a_tuned_collector_and_restores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one interpreter setting (warroom/cli/interpreter.py): young collections less often
    while the console runs, the collector never disabled, the setting restored when it ends,
    also when it crashes."""
    import gc

    from warroom.cli.interpreter import YOUNG_EVERY

    before = gc.get_threshold()
    seen: list[tuple[tuple[int, int, int], bool]] = []

    def console(args: object) -> int:
        seen.append((gc.get_threshold(), gc.isenabled()))
        raise RuntimeError("crash")

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # (the crash trace)
    monkeypatch.setattr("warroom.cli.console.run_live", console)
    assert main([]) == EXIT_CRASH
    assert seen == [((YOUNG_EVERY, *before[1:]), True)]
    assert gc.get_threshold() == before


def test_console_flags_count_before_or_after_the_subcommand() -> None:
    """`warroom --user alice drill` and `warroom drill --user alice` mean the same; argparse
    would otherwise let the subcommand's unset flags overwrite the ones given before it."""
    from warroom.cli import build_parser

    parser = build_parser()
    before = parser.parse_args(["--user", "alice", "--viewer", "drill", "--scenario", "x"])
    after = parser.parse_args(["drill", "--user", "alice", "--viewer", "--scenario", "x"])
    assert (before.user, before.viewer) == (after.user, after.viewer) == ("alice", True)
    assert parser.parse_args(["--user", "a", "drill", "--user", "b"]).user == "b"
    assert getattr(parser.parse_args(["drill"]), "user", None) is None
    assert parser.parse_args(["--theme", "warroom-light", "serve"]).theme == "warroom-light"
