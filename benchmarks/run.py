"""`make bench`: run every benchmarks/bench_*.py, print a table, rewrite BENCHMARKS.md.

Each module exposes `run() -> list[dict]` with keys name, value, unit, target, notes. Modules run
one at a time, each in its own interpreter (so one's imports, memory peak or crash cannot skew
or stop another); a module that fails becomes a row saying why, and the runner exits non-zero
at the end. Targets are compared, never asserted: the machine is small and noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "benchmarks"
KEYS = ("name", "value", "unit", "target", "notes")
DEFAULT_TIMEOUT_S = 1800.0

Row = dict[str, Any]


@dataclass(slots=True)
class ModuleResult:
    """What one benchmark module produced, or why it produced nothing."""

    module: str
    rows: list[Row] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    doc: str = ""

    @property
    def failed(self) -> bool:
        return self.error is not None or any(verdict(r) == "FAILED" for r in self.rows)


# -- discovery and running ---------------------------------------------------------------------
def discover(package: str = PACKAGE, root: Path = ROOT) -> list[str]:
    """Every `bench_*.py` module of the package, in name order."""
    folder = root.joinpath(*package.split("."))
    return [f"{package}.{p.stem}" for p in sorted(folder.glob("bench_*.py"))]


def run_module(
    module: str,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
) -> ModuleResult:
    """Run one module's `run()` in a child interpreter; its output streams to ours."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "rows.json"
        argv = [sys.executable, "-m", f"{PACKAGE}.run", "--child", module, "--child-out", str(out)]
        proc = subprocess.Popen(argv, cwd=cwd, env=env, start_new_session=True)
        try:
            code = proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            _stop(proc)
            return ModuleResult(
                module,
                error=f"timed out after {timeout_s:g} s",
                seconds=time.perf_counter() - started,
            )
        seconds = time.perf_counter() - started
        try:
            payload = json.loads(out.read_text())
        except (OSError, ValueError):
            return ModuleResult(
                module, error=f"exited with code {code} and no rows", seconds=seconds
            )
    result = ModuleResult(module, seconds=seconds, doc=payload.get("doc", ""))
    if payload.get("error"):
        result.error = payload["error"]
    else:
        result.rows = [normalise(r, module) for r in payload.get("rows", [])]
        if not result.rows:
            result.error = "run() returned no rows"
    return result


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM first so the module's context managers stop the programs it started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def child_main(module: str, out: Path) -> int:
    """Inside the child: import the module, call run(), write its rows (or its error) as JSON."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    payload: dict[str, Any] = {"module": module}
    try:
        mod = importlib.import_module(module)
        payload["doc"] = (mod.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        rows = mod.run()
        if not isinstance(rows, list):
            raise TypeError(f"run() returned {type(rows).__name__}, not a list of dicts")
        payload["rows"] = rows
    except Exception as exc:
        traceback.print_exc()
        payload["error"] = f"{type(exc).__name__}: {exc}"
    out.write_text(json.dumps(payload, default=str))
    return 1 if "error" in payload else 0


def normalise(raw: Any, module: str) -> Row:
    """A row with every expected key, whatever shape the module returned."""
    if not isinstance(raw, dict):
        return {"name": f"{module}: bad row {raw!r}", "value": None, "unit": "", "target": "",
                "notes": "failed: row is not a dict"}  # fmt: skip
    r: Row = {k: raw.get(k, "") for k in KEYS}
    r["name"] = str(r["name"] or "(unnamed)")
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        with contextlib.suppress(TypeError, ValueError):
            value = float(value) if value not in (None, "") else None
        if not isinstance(value, int | float):
            value = None
    r["value"] = value
    for k in ("unit", "target", "notes"):
        r[k] = "" if r[k] is None else r[k]
    return r


# -- verdicts ----------------------------------------------------------------------------------
_TARGET = re.compile(r"^\s*(<=|≤|<|>=|≥|>|=)?\s*([-+]?\d+(?:\.\d+)?)\s*(.*?)\s*$")


def verdict(r: Row) -> str:
    """ "met", "MISSED", "FAILED" (not measured), "?" (target not comparable) or "" (none)."""
    value = r.get("value")
    if value is None:
        return "FAILED"
    target = r.get("target")
    if target in (None, ""):
        return ""
    if isinstance(target, int | float) and not isinstance(target, bool):
        op, limit, unit = "<=", float(target), ""
    else:
        m = _TARGET.match(str(target))
        if not m:
            return "?"
        op, limit, unit = m.group(1) or "<=", float(m.group(2)), m.group(3)
    if unit and _unit_key(unit) != _unit_key(str(r.get("unit", ""))):
        return "?"
    ok = {
        "<": value < limit,
        "<=": value <= limit,
        "≤": value <= limit,
        ">": value > limit,
        ">=": value >= limit,
        "≥": value >= limit,
        "=": value == limit,
    }[op]
    return "met" if ok else "MISSED"


def _unit_key(unit: str) -> str:
    return unit.replace(" ", "").lower()


# -- facts and rendering -------------------------------------------------------------------------
def machine_facts() -> dict[str, str]:
    """What a reader needs to judge the numbers: how big and how busy the machine was."""
    facts = {
        "nproc": str(len(os.sched_getaffinity(0))),
        "CPU": _cpu_model(),
        "memory": _mem_total(),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Textual": _version("textual"),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    return facts


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _mem_total() -> str:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def command_line(argv: Sequence[str]) -> str:
    """The exact command, with any BENCH_* settings that changed what was measured."""
    env = [f"{k}={shlex.quote(v)}" for k, v in sorted(os.environ.items()) if k.startswith("BENCH_")]
    return " ".join([*env, "python", "-m", f"{PACKAGE}.run", *map(shlex.quote, argv)])


def format_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if value == 0 or abs(value) >= 100:
            return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.1f}"
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    return str(value)


def render_table(results: Sequence[ModuleResult]) -> str:
    """A plain-text table for the terminal that ran `make bench`."""
    header = ("benchmark", "value", "unit", "target", "verdict")
    lines: list[tuple[str, ...]] = [header]
    for res in results:
        if res.error:
            lines.append((f"{res.module}: FAILED", "—", "", "", "FAILED"))
        for r in res.rows:
            lines.append(
                (r["name"], format_value(r["value"]), str(r["unit"]), str(r["target"]), verdict(r))
            )
    widths = [min(72, max(len(line[i]) for line in lines)) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(cell[:72].ljust(w) for cell, w in zip(line, widths, strict=True)))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    failures = [
        f"  {res.module}: {res.error}" if res.error else f"  {r['name']}: {r['notes']}"
        for res in results
        for r in (res.rows if not res.error else [{}])
        if res.error or verdict(r) == "FAILED"
    ]
    if failures:
        out += ["", "Failed:", *failures]
    return "\n".join(out)


def scrub(text: str) -> str:
    """Keep this machine's paths out of the committed file (tracebacks name them)."""
    replacements = {
        sys.prefix + os.sep: "$VENV/",
        str(ROOT) + os.sep: "",
        tempfile.gettempdir() + os.sep: "$TMPDIR/",
        str(Path.home()) + os.sep: "~/",
    }
    for path in sorted(replacements, key=len, reverse=True):  # most specific first
        text = text.replace(path, replacements[path])
    return text


def _cell(text: Any) -> str:
    return scrub(str(text)).replace("|", "\\|").replace("\n", " ")


def render_markdown(
    results: Sequence[ModuleResult],
    facts: dict[str, str],
    command: str,
    started: datetime,
    total_s: float,
) -> str:
    """BENCHMARKS.md: the results with everything needed to reproduce and judge them."""
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m benchmarks.run`); do not edit by hand, rerun it.",
        "Targets are reported, never asserted: this is a small shared machine, so compare with",
        "the baselines measured in the same run (the ratios) rather than with absolute numbers.",
        "",
        f"- Command: `{scrub(command)}`",
        f"- Date: {started.strftime('%Y-%m-%d %H:%M UTC')} ({total_s:.0f} s in all)",
    ]
    lines += [f"- {k}: {v}" for k, v in facts.items()]
    lines += [
        "",
        "Verdict: **met** or **MISSED** against the target, **FAILED** when it could not be",
        "measured (the notes say why).",
    ]
    for res in results:
        lines += ["", f"## {res.module.rsplit('.', 1)[-1]}", ""]
        if res.doc:
            lines += [res.doc, ""]
        if res.error:
            lines += [f"**FAILED** after {res.seconds:.0f} s: {_cell(res.error)}"]
            continue
        lines += [
            "| benchmark | value | unit | target | verdict | notes |",
            "|---|---:|---|---|---|---|",
        ]
        for r in res.rows:
            v = verdict(r)
            shown = f"**{v}**" if v else ""
            cells = [r["name"], format_value(r["value"]), r["unit"], r["target"], shown, r["notes"]]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines += ["", f"_{len(res.rows)} rows in {res.seconds:.0f} s._"]
    return "\n".join(lines) + "\n"


# -- entry point -------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="run only modules whose name contains TEXT (implies --no-write)")  # fmt: skip
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=None,
                        help="rewrite the output file (default: yes unless --only)")  # fmt: skip
    parser.add_argument("--timeout", type=float,
                        default=float(os.environ.get("BENCH_MODULE_TIMEOUT", DEFAULT_TIMEOUT_S)),
                        help="seconds one module may take")  # fmt: skip
    parser.add_argument("--package", default=PACKAGE, help="where to find bench_*.py modules")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child, args.child_out)

    root = ROOT if args.package == PACKAGE else Path.cwd()
    modules = [
        m for m in discover(args.package, root) if not args.only or any(o in m for o in args.only)
    ]
    if not modules:
        print("no benchmark modules found", file=sys.stderr)
        return 1
    write = args.write if args.write is not None else not args.only
    started = datetime.now(UTC)
    facts = machine_facts()
    t0 = time.perf_counter()
    results = []
    for module in modules:
        print(f"== {module}", flush=True)
        results.append(run_module(module, args.timeout))
    total = time.perf_counter() - t0
    facts["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print()
    print(render_table(results))
    if write:
        text = render_markdown(results, facts, command_line(argv), started, total)
        args.output.write_text(text)
        print(f"\nwrote {args.output}")
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
