"""Remedy memory in the runbook pane: five past incidents of one alert, written through the
console's own code paths (`tests.history.test_remedy_memory.seed`: IncidentLog on a real
SQLite store), rank the steps that fixed it beside the runbook; nothing runs by itself."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from tests.history.test_remedy_memory import FAILOVER, RESTART, db_down, label_of, seed
from tests.ui.factory import FIXED_TIME
from tests.ui.fakes import FakeAlertSource
from warroom.config import Settings
from warroom.domain.clock import FrozenClock
from warroom.domain.ports import Sources
from warroom.services.runbook_library import load_library
from warroom.stores.sqlite import SqliteStore
from warroom.ui.app import build_app
from warroom.ui.context import ConsoleContext

RUNBOOK = """# DBDown

## Mitigation

```bash
systemctl restart pgbouncer
```
"""


async def test_the_pane_ranks_what_fixed_the_alert_before(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "incidents.db")
    await store.open()
    await seed(store)
    await store.close()
    (tmp_path / "rb").mkdir()
    (tmp_path / "rb" / "db.md").write_text(RUNBOOK)
    source = FakeAlertSource([db_down()])
    ctx = ConsoleContext(
        settings=Settings(),
        sources=Sources(environment="test", alert_sources=[source]),
        clock=FrozenClock(FIXED_TIME),
        library=load_library([tmp_path / "rb"]),
        store=SqliteStore(tmp_path / "incidents.db"),
        author="bob@two",
    )
    app = build_app(ctx, boot=False)
    async with app.run_test(size=(160, 48)) as pilot:
        title = ""
        for _ in range(400):  # hang guard: until past incidents are read and shown
            await pilot.pause(0.05)
            title = str(app.screen.query_one("#runbook-title", Static).render())
            if "fixed it" in title:
                break
        assert f"✓ before: {label_of(RESTART)}: fixed it 3 of 4 times, median 2m" in title
        assert f"✓ before: {label_of(FAILOVER)}: fixed it 1 of 1 time" in title
        assert "recovered by itself 1 of 5 times" in title
        assert source.calls >= 1 and not source.silences  # shown, never acted on
