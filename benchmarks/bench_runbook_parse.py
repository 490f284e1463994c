"""Runbook parsing benchmarks: linear in the page's size, steps capped.

- one-line step: a 5 MB page whose one bash block is one 5 MB line (capped, shown as text).
- ordinary page: 1 MB and 5 MB of headings, prose and small bash blocks (the ratio shows it is
  linear: 5 MB should take about five times the 1 MB time).
- the shared reference pages: every page in ../shared/reference (both documents and the public
  pages), parsed one after another. Median of 3 runs each.
- 5 MB shapes (median of 3 runs, the first run in the notes; target < 1 s): the public pages
  repeated, the same with every code line made unique (`X<k>=1 ` before it: nothing a memo
  remembers helps), the project's runbooks repeated, one 5 MB bash block of short commands,
  one 5 MB untagged block of sample output, lists nested 60 deep, quotes nested 100 deep,
  thousands of alert headings with phases (many small sections), one 5 MB table, one 5 MB
  paragraph of inline code. The machine's load average is the last row: on a shared machine
  read the times against it. `python benchmarks/bench_runbook_parse.py` prints them.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

from warroom.domain.runbook_parse import parse_runbook_full

MB = 1024 * 1024
BLOCK = (
    "## Phase\n\nRun this:\n\n```bash\nkubectl get pods -n shop\nNS=shop\n"
    "kubectl -n $NS get deploy\n```\n\n"
)


def row(name: str, value: float | None, unit: str, target: str, notes: str) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "target": target, "notes": notes}


def _times_ms(text: str, runs: int = 3) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        parse_runbook_full(text, "bench.md")
        times.append(round((time.perf_counter() - t0) * 1000, 1))
    return times


def _median_ms(text: str, runs: int = 3) -> float:
    return statistics.median(_times_ms(text, runs))


def _unique_code(page: str, size: int = 5 * MB) -> str:
    """`page` repeated to `size`, every line inside a fence prefixed `X<k>=1 ` for repeat k."""
    out: list[str] = []
    total, k = 0, 0
    while total < size:
        fenced = False
        for line in page.split("\n"):
            if line.lstrip().startswith(("```", "~~~")):
                fenced = not fenced
            elif fenced and line.strip():
                line = f"X{k}=1 {line}"
            out.append(line)
            total += len(line) + 1
        k += 1
    return "\n".join(out)[:size]


def _repeat(text: str, size: int = 5 * MB) -> str:
    return (text * (size // max(1, len(text)) + 1))[:size]


def _shapes(pages: list[Path]) -> dict[str, str]:
    """Realistic 5 MB pages: what real runbooks are made of, at a size nobody writes by hand."""
    public = "".join(p.read_text(encoding="utf-8", errors="replace") + "\n" for p in pages)
    runbooks = Path(__file__).resolve().parent.parent / "runbooks"
    project = "".join(p.read_text(encoding="utf-8") + "\n" for p in sorted(runbooks.glob("*.md")))
    nest = "".join("  " * d + "- > item `ls -la` text\n" for d in range(60))
    page = "# DeepNestFiring\n\n"
    shapes = {  # name: (what opens the page once, what is repeated to 5 MB)
        "reference pages repeated": ("", public),
        "reference pages, every code line unique": ("", ""),
        "project runbooks repeated": ("", project),
        "one bash block of commands": ("# BigStepFiring\n\n```bash\n", "echo hi; ls -la /tmp\n"),
        "one untagged block of output": ("# BigStepFiring\n\n```\n", "NAME  READY  STATUS\n"),
        "lists nested 60 deep": (page, nest),
        "quotes nested 100 deep": (page, ">" * 100 + " `kubectl get pods`\n"),
        "alert headings with phases": ("", "## KubePodCrashLooping\n\n### Diagnosis\n\ntext\n\n"),
        "table": (
            "# TableFiring\n\n| Alert | Link | Check |\n|---|---|---|\n",
            "| KubePodCrashLooping | [go](#x) | `kubectl get pods` |\n",
        ),
        "one paragraph of inline code": ("# X\n\n", "word `kubectl get pods` **b** [l](#x) "),
    }
    out = {name: head + _repeat(unit) for name, (head, unit) in shapes.items() if unit}
    out["reference pages, every code line unique"] = _unique_code(public)
    return out


def _reference() -> list[Path]:
    here = Path(__file__).resolve().parent.parent
    for parent in here.parents:
        folder = parent / "shared" / "reference"
        if folder.is_dir():
            return sorted(folder.rglob("*.md"))
    return []


def run() -> list[dict[str, Any]]:
    one_line = "# BigStepFiring\n\n```bash\necho " + "x" * (5 * MB) + "\n```\n"
    small = "# BigPageDown\n\n" + BLOCK * (MB // len(BLOCK))
    large = "# BigPageDown\n\n" + BLOCK * (5 * MB // len(BLOCK))
    t_small, t_large = _median_ms(small), _median_ms(large, runs=1)
    rows = [
        row("runbook parse: 5 MB one-line step", _median_ms(one_line), "ms", "< 2000 ms", "capped"),
        row("runbook parse: 1 MB ordinary page", t_small, "ms", "", f"{len(small)} chars"),
        row("runbook parse: 5 MB ordinary page", t_large, "ms", "", f"{len(large)} chars"),
        row("runbook parse: 5 MB / 1 MB time", round(t_large / t_small, 2), "x", "< 7 x",
            "linear is ~5"),
    ]  # fmt: skip
    pages = _reference()
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in pages]
    t0 = time.perf_counter()
    for p, text in zip(pages, texts, strict=True):
        parse_runbook_full(text, str(p))
    took = round((time.perf_counter() - t0) * 1000, 1)
    rows.append(row("runbook parse: shared reference pages", took if pages else None, "ms",
                    "< 500 ms", f"{len(pages)} pages"))  # fmt: skip
    for name, text in _shapes(pages).items():
        times = _times_ms(text)
        rows.append(row(f"runbook parse: 5 MB {name}", statistics.median(times), "ms",
                        "< 1000 ms", f"first run {times[0]} ms"))  # fmt: skip
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    rows.append(row("runbook parse: machine load (1 min)", load, "", "", f"{os.cpu_count()} CPUs"))
    return rows


if __name__ == "__main__":
    for r in run():
        value = "FAILED" if r["value"] is None else f"{r['value']} {r['unit']}"
        print(f"{r['name']:<48} {value:>14}  target {r['target'] or '-':<10} {r['notes']}")
