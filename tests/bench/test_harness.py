"""The benchmark harness itself: it must see what a terminal sees and count what it costs.

These run real programs in real pseudo-terminals (the baseline Textual apps, small Python
children). Nothing here asserts a performance target: that is BENCHMARKS.md's job.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks import bench_console, run
from benchmarks.apps import minimal, naive
from benchmarks.pty_harness import (
    KEY_DOWN,
    MarkerTimeout,
    PtyApp,
    as_installed,
    cpu_seconds,
    describe_rows,
    python_argv,
    strip_ansi,
    terminal_env,
)


def py(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def test_program_sees_a_160x48_xterm() -> None:
    code = """
        import os, sys
        size = os.get_terminal_size(sys.stdout.fileno())
        print(f"size={size.columns}x{size.lines} term={os.environ['TERM']} tty={os.isatty(0)}")
    """
    with PtyApp(py(code)) as app:
        app.wait_for_text("tty=", timeout=20)
        app.wait_for_text("\n", timeout=5)
        assert "size=160x48 term=xterm-256color tty=True" in app.output_text()


def test_first_frame_of_minimal_app_is_detected_and_bytes_counted() -> None:
    with PtyApp(python_argv(minimal.__name__)) as app:
        seconds = app.first_frame_seconds(minimal.MARKER, timeout=30)
        assert 0 < seconds < 30
        assert app.bytes_total > 0
        assert minimal.MARKER in app.output_text()
        # Textual draws on the alternate screen: the raw stream holds escapes the text does not.
        assert "\x1b[" not in app.output_text()


def test_bench_first_frame_function_on_minimal_app() -> None:
    assert bench_console.first_frame(bench_console.minimal_app()) > 0


def test_missing_marker_fails_with_what_the_program_said() -> None:
    with (
        PtyApp(py("print('hello from a console that crashed')")) as app,
        pytest.raises(MarkerTimeout) as err,
    ):
        app.wait_for_text("DRILL", timeout=20)
    assert "exit code 0" in str(err.value)
    assert "hello from a console that crashed" in str(err.value)


def test_marker_split_by_style_changes_is_found() -> None:
    code = r"""
        import sys
        sys.stdout.write("\x1b[1mDR\x1b[38;5;196mI\x1b[0mLL\x1b]0;title\x07 banner\n")
        sys.stdout.flush()
        import time; time.sleep(5)
    """
    with PtyApp(py(code)) as app:
        app.wait_for_text("DRILL banner", timeout=20)
    assert strip_ansi("\x1b[?1049h\x1b[2;3HA\x1b(BB") == "AB"


def test_idle_sampler_over_two_seconds_is_sane() -> None:
    program = bench_console.naive_app(refresh_s=0.25)
    with program.start() as app:
        app.first_frame_seconds(program.marker, timeout=30)
        sample = app.idle(2.0)
    assert sample.seconds >= 2.0
    assert 0 <= sample.cpu_seconds <= sample.seconds * (os.cpu_count() or 1)
    assert sample.bytes_written > 0  # it redraws every 0.25 s
    assert 1 <= sample.frames <= sample.bytes_written
    assert sample.bytes_per_second == pytest.approx(sample.bytes_written / sample.seconds)
    assert 0 <= sample.cpu_percent <= 100 * (os.cpu_count() or 1)


def test_idle_sampler_on_minimal_app() -> None:
    sample = bench_console.idle_cost(bench_console.minimal_app(), warmup_s=0.5, seconds=2.0)
    assert sample.seconds >= 2.0
    assert sample.cpu_seconds >= 0
    assert sample.bytes_written >= 0


def test_cpu_seconds_include_finished_and_live_children() -> None:
    burn = "import time\nwhile time.process_time() < 0.5: pass"
    code = f"""
        import subprocess, sys, time
        subprocess.run([sys.executable, "-c", {burn!r}])
        print("first child done", flush=True)
        live = subprocess.Popen([sys.executable, "-c", {burn!r} + "\\nprint('x', flush=True)\\ntime.sleep(60)"])
        time.sleep(60)
    """
    with PtyApp(py(code)) as app:
        app.wait_for_text("first child done", timeout=30)
        after_first = cpu_seconds(app.pid)
        app.wait_for_text("x", timeout=30, since=app.bytes_total)
        after_live = cpu_seconds(app.pid)
    assert after_first >= 0.45  # the waited-for child's cost (cutime/cstime)
    assert after_live - after_first >= 0.45  # the live grandchild's cost


def test_press_times_the_frame_that_answers_a_key() -> None:
    result = bench_console.key_latency(
        bench_console.naive_app(refresh_s=1.0), presses=4, warmup_s=0.5
    )
    assert len(result.latencies_s) + result.unanswered == 4
    assert result.latencies_s, "the DataTable cursor moved at least once"
    assert all(0 <= s < 1.0 for s in result.latencies_s)


def test_press_reports_nothing_when_nothing_is_drawn() -> None:
    code = """
        import sys, time, tty
        tty.setraw(0)
        sys.stdout.write("raw and silent\\r\\n"); sys.stdout.flush()
        time.sleep(60)
    """
    with PtyApp(py(code)) as app:
        app.wait_for_text("raw and silent", timeout=20)
        assert app.press(KEY_DOWN, timeout=0.3) is None


def test_stop_ends_the_program() -> None:
    with PtyApp(python_argv(naive.__name__)) as app:
        app.first_frame_seconds(naive.MARKER, timeout=30)
        proc = app.proc
    assert proc is not None and proc.returncode is not None
    assert not Path(f"/proc/{proc.pid}").exists()


def test_terminal_env_drops_settings_that_change_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TEXTUAL_DEVTOOLS", "1")
    monkeypatch.setenv("COLUMNS", "80")
    env = terminal_env({"WARROOM_REFRESH_S": "1"})
    assert env["TERM"] == "xterm-256color"
    assert "NO_COLOR" not in env and "TEXTUAL_DEVTOOLS" not in env and "COLUMNS" not in env
    assert env["WARROOM_REFRESH_S"] == "1"


def test_children_load_bytecode_as_an_installed_console_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An inherited PYTHONDONTWRITEBYTECODE would make every measured spawn compile warroom
    from source while the peer's Textual loads bytecode: the children get a shared cache."""
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    env = terminal_env()
    again = as_installed({"PYTHONDONTWRITEBYTECODE": "1"})
    assert "PYTHONDONTWRITEBYTECODE" not in env and "PYTHONDONTWRITEBYTECODE" not in again
    assert Path(env["PYTHONPYCACHEPREFIX"]).is_dir()
    assert again["PYTHONPYCACHEPREFIX"] == env["PYTHONPYCACHEPREFIX"]


def test_repaints_say_which_rows_were_redrawn() -> None:
    code = r"""
        import sys, time
        print("ready", flush=True)
        time.sleep(0.7)
        for _ in range(3):
            sys.stdout.write("\x1b[2;1Hclock\x1b[7;5Hvalue\x1b[8;5Hmore"); sys.stdout.flush()
            time.sleep(0.3)
        sys.stdout.write("\x1b[40;1Honce"); sys.stdout.flush()
        time.sleep(60)
    """
    with PtyApp(py(code)) as app:
        app.wait_for_text("ready", timeout=20)
        app.settle(0.2)  # the line end may trail the word in a chunk of its own
        sample = app.idle(2.5)
    assert sample.frames == 4
    assert [r.rows for r in sample.repaints][:3] == [frozenset({2, 7, 8})] * 3
    assert sample.repaints[3].rows == frozenset({40})
    assert sum(r.nbytes for r in sample.repaints) == sample.bytes_written
    assert describe_rows(sample.hot_rows()) == "2, 7-8"
    assert describe_rows([1, 2, 3, 7, 9, 10]) == "1-3, 7, 9-10"
    assert describe_rows([]) == ""


def test_percentile_and_key_sequence() -> None:
    values = [i / 100 for i in range(1, 101)]
    assert bench_console.percentile(values, 95) == 0.95
    assert bench_console.percentile(values, 50) == 0.50
    assert bench_console.percentile([0.2], 95) == 0.2
    assert bench_console.key_sequence(4, "down") == [KEY_DOWN] * 4
    alternate = bench_console.key_sequence(50, "alternate")
    assert len(alternate) == 50 and alternate.count(KEY_DOWN) == 25


# -- the runner --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "unit", "target", "expected"),
    [
        (1.2, "x", "≤ 1.5", "met"),
        (1.6, "x", "≤ 1.5", "MISSED"),
        (499.0, "B/s", "< 500", "met"),
        (0.4, "s", "< 0.5 s", "met"),
        (0.6, "s", "< 0.5 s", "MISSED"),
        (0.4, "s", "< 500 ms", "?"),
        (12.0, "ms", 30, "met"),
        (None, "ms", "< 30", "FAILED"),
        (3.0, "ms", "", ""),
        (3.0, "ms", "fast", "?"),
    ],
)
def test_verdicts(value: float | None, unit: str, target: object, expected: str) -> None:
    row = {"name": "n", "value": value, "unit": unit, "target": target, "notes": ""}
    assert run.verdict(row) == expected


FAKE_MODULES = {
    "bench_ok.py": '''
        """Fake module that measures nothing, quickly."""
        def run():
            return [{"name": "answer", "value": 42, "unit": "ms", "target": "< 30", "notes": "n"},
                    {"name": "partial", "value": None, "unit": "s", "target": "", "notes": "x"}]
    ''',
    "bench_boom.py": """
        def run():
            raise RuntimeError("server would not start")
    """,
    "bench_shape.py": """
        def run():
            return {"name": "not a list"}
    """,
}


@pytest.fixture
def fake_package(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    pkg = tmp_path / "fakebench"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name, body in FAKE_MODULES.items():
        (pkg / name).write_text(textwrap.dedent(body))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(run.ROOT)]))
    return tmp_path, env


def test_runner_runs_modules_and_tolerates_failures(
    fake_package: tuple[Path, dict[str, str]],
) -> None:
    root, env = fake_package
    modules = run.discover("fakebench", root)
    assert modules == ["fakebench.bench_boom", "fakebench.bench_ok", "fakebench.bench_shape"]
    boom, ok, shape = (run.run_module(m, timeout_s=60, env=env) for m in modules)
    assert boom.error == "RuntimeError: server would not start" and boom.failed
    assert shape.error is not None and "not a list" in shape.error
    assert ok.error is None and ok.doc == "Fake module that measures nothing, quickly."
    assert [r["value"] for r in ok.rows] == [42, None]
    assert ok.failed  # the row without a value
    assert run.verdict(ok.rows[0]) == "MISSED"

    when = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
    md = run.render_markdown(
        [ok, boom], run.machine_facts(), "python -m benchmarks.run", when, 12.0
    )
    assert "| answer | 42 | ms | < 30 | **MISSED** | n |" in md
    assert "**FAILED**" in md and "server would not start" in md
    assert "- Command: `python -m benchmarks.run`" in md
    assert "- nproc: " in md and "- Textual: " in md and "- Python: " in md
    table = run.render_table([ok, boom])
    assert "answer" in table and "server would not start" in table


def test_markdown_keeps_machine_paths_out() -> None:
    where = f"{run.ROOT}/warroom/cli/console.py and {sys.prefix}/lib/x.py"
    assert run.scrub(where) == "warroom/cli/console.py and $VENV/lib/x.py"


def test_runner_stops_a_module_that_hangs(tmp_path: Path) -> None:
    pkg = tmp_path / "slowbench"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "bench_hang.py").write_text("import time\ndef run():\n    time.sleep(600)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(run.ROOT)]))
    result = run.run_module("slowbench.bench_hang", timeout_s=3, env=env)
    assert result.error == "timed out after 3 s"


def test_runner_main_writes_the_file_and_exits_nonzero_on_failure(
    fake_package: tuple[Path, dict[str, str]],
) -> None:
    root, env = fake_package
    out = root / "BENCHMARKS.md"
    env["BENCH_IDLE_SECONDS"] = "7"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--package", "fakebench", "--output", str(out)],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    text = out.read_text()
    assert "## bench_ok" in text and "## bench_boom" in text and "## bench_shape" in text
    assert "BENCH_IDLE_SECONDS=7 python -m benchmarks.run --package fakebench" in text
    assert "server would not start" in proc.stdout


def test_runner_exits_zero_when_everything_was_measured(tmp_path: Path) -> None:
    pkg = tmp_path / "goodbench"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "bench_fine.py").write_text(
        "def run():\n    return [{'name': 'n', 'value': 1.0, 'unit': 's', 'target': '< 2 s',"
        " 'notes': ''}]\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(run.ROOT)]))
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--package", "goodbench", "--no-write"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "met" in proc.stdout
    assert not (tmp_path / "BENCHMARKS.md").exists()


def test_warroom_program_is_sandboxed_and_refresh_is_passed() -> None:
    program = bench_console.warroom(1.0)
    try:
        assert program.argv[-3:] == ["drill", "--refresh", "1"]
        assert program.env["WARROOM_REFRESH_S"] == "1"
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
            assert Path(program.env[var]).is_dir()
            assert Path(program.env[var]) != Path.home()
        assert program.marker == "DRILL"
    finally:
        bench_console.cleanup_sandbox()
    assert not Path(program.env["XDG_DATA_HOME"]).exists()
