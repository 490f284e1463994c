"""Loading runbooks from files and folders into one `RunbookLibrary`.

The parser is pure; this is the small IO shell around it. Unreadable files become
`RunbookIssue`s on an empty runbook, so one broken file never hides the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from warroom.domain.runbook_parse import parse_runbook, parse_runbook_full
from warroom.domain.runbooks import Runbook, RunbookIssue, RunbookLibrary


def runbook_files(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given, folders searched recursively for *.md (sorted, no repeats)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.md") if p.is_file()))
        else:
            found.append(path)
    unique: dict[Path, None] = {}
    for p in found:
        unique.setdefault(p, None)
    return list(unique)


def read_text(path: Path) -> str:
    """UTF-8 with a fallback that never fails (real runbooks carry mojibake)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def load_runbook(path: Path) -> Runbook:
    try:
        text = read_text(path)
    except OSError as exc:
        runbook = Runbook(path=str(path), title=path.name)
        runbook.errors.append(RunbookIssue(str(path), 0, f"cannot read: {exc.strerror or exc}"))
        return runbook
    return parse_runbook(text, str(path))


def load_library(paths: Iterable[Path | str]) -> RunbookLibrary:
    """Every runbook under `paths`, in a stable order (alert lookup takes the first match)."""
    return RunbookLibrary([load_runbook(p) for p in runbook_files(paths)])


def named_alerts(path: Path) -> list[str]:
    """Every alert a file names anywhere (sections, alert lists, alert tables)."""
    try:
        return parse_runbook_full(read_text(path), str(path)).named_alerts
    except OSError:
        return []
