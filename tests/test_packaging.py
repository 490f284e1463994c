"""The installed wheel carries the default themes, runbooks, drill scenarios and stylesheet."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_themes_runbooks_and_scenarios(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("warroom-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for theme in (ROOT / "themes").glob("*.toml"):
        assert f"warroom/_data/themes/{theme.name}" in names
    for book in (ROOT / "runbooks").glob("*.md"):
        assert f"warroom/_data/runbooks/{book.name}" in names
    assert "warroom/ui/app.tcss" in names
    assert {n for n in names if n.startswith("warroom/drill/scenarios/")} >= {
        f"warroom/drill/scenarios/{name}.toml"
        for name in (
            "service-down",
            "error-rate",
            "slow-queries",
            "db-connections",
            "queue-backlog",
        )
    }
