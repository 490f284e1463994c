"""Runbook steps that flood and steps that hide processes, through the real shell executor.

- Event-loop lag while a step prints 100 MB on one line and while it prints 2 million short
  lines: a probe sleeps 5 ms over and over and records how late it wakes (what a key press
  would wait for the loop); messages the UI would get per second (batches, not lines).
- Peak RSS growth for the 100 MB line (output is cut and spilled to a file, not held).
- Cancel of a step with background, setsid, nohup and double-forked children: time until none
  of them is alive.
Run alone: `python -m benchmarks.bench_steps`.
"""

from __future__ import annotations

import asyncio
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

FLOODS = {
    "100 MB on one line": "head -c 100000000 /dev/zero | tr '\\0' x",
    "2 million short lines": "seq 1 2000000",
}
HIDERS = (
    "sleep 1000 & echo $! >> {pids}; nohup sleep 1000 >/dev/null 2>&1 & echo $! >> {pids};"
    " setsid bash -c 'sleep 1000 & echo $! >> {pids}; wait' & "
    " ( ( sleep 1000 & echo $! >> {pids} ) & ) ; sleep 1000"
)


def row(name: str, value: float | None, unit: str, target: str, notes: str) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "target": target, "notes": notes}


async def _flood(command: str, out_dir: Path) -> tuple[list[float], int, float, int]:
    from warroom.domain.ports import RenderedStep
    from warroom.domain.runbooks import Risk, Step, StepKind
    from warroom.sources.executors.shell import ShellExecutor

    step = Step(kind=StepKind.SHELL, command=command, line=1, risk=Risk.READ)
    batches = [0]

    def emit(batch: str) -> None:
        batches[0] += 1

    lags: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(0.005)
            lags.append((time.perf_counter() - start - 0.005) * 1000)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    prober = asyncio.create_task(probe())
    started = time.perf_counter()
    result = await ShellExecutor(output_dir=out_dir).execute(
        RenderedStep(step=step, command=command), emit, 300
    )
    took = time.perf_counter() - started
    done.set()
    await prober
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert result.exit_code == 0, result
    return lags, batches[0], took, rss_kb


async def _cancel_hiders(out_dir: Path) -> tuple[float, int]:
    from warroom.domain.ports import RenderedStep
    from warroom.domain.runbooks import Risk, Step, StepKind
    from warroom.sources.executors.process_tree import alive
    from warroom.sources.executors.shell import ShellExecutor

    pids = out_dir / "pids"
    command = HIDERS.format(pids=pids)
    step = Step(kind=StepKind.SHELL, command=command, line=1, risk=Risk.READ)
    task = asyncio.create_task(
        ShellExecutor().execute(RenderedStep(step=step, command=command), lambda _: None, 60)
    )
    while not pids.exists() or len(pids.read_text().split()) < 4:
        await asyncio.sleep(0.01)
    start = time.perf_counter()
    task.cancel()
    result = await task
    took = time.perf_counter() - start
    assert result.cancelled
    left = [int(p) for p in pids.read_text().split() if alive(int(p))]
    return took * 1000, len(left)


def run() -> list[dict[str, Any]]:
    rows = []
    out_dir = Path(tempfile.mkdtemp(prefix="warroom-bench-steps-"))
    try:
        for name, command in FLOODS.items():
            lags, batches, took, rss_kb = asyncio.run(_flood(command, out_dir))
            lags.sort()
            p95 = lags[round(0.95 * (len(lags) - 1))]
            note = (
                f"probe wakes {len(lags)}x; {batches} batches in {took:.1f} s "
                f"({batches / took:.0f}/s to the UI); max lag {lags[-1]:.1f} ms"
            )
            rows.append(
                row(f"loop lag p95, step prints {name}", round(p95, 2), "ms", "< 30 ms", note)
            )
            rows.append(
                row(
                    f"peak RSS growth, {name}",
                    round(rss_kb / 1024, 1),
                    "MB",
                    "< 50 MB",
                    f"median lag {statistics.median(lags):.2f} ms; full output spilled to a file",
                )
            )
        took_ms, left = asyncio.run(_cancel_hiders(out_dir))
        rows.append(
            row(
                "cancel: background+setsid+nohup+double fork all ended",
                round(took_ms, 1),
                "ms",
                "< 3000 ms",
                f"{left} of 4 still alive after; TERM, 2 s grace only while one lives, then KILL",
            )
        )
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    return rows


if __name__ == "__main__":
    for r in run():
        print(f"{r['name']:<60} {r['value']!s:>10} {r['unit']:<4} {r['target']:<10} {r['notes']}")
