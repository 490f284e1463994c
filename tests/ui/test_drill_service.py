"""Issue 16 in the drill: the error-rate scenario's bad deploy (revision 14, a few minutes
before the first alert) is in the Service region at once, marked on the error-rate sparkline
at the same time, recorded once as a `change` entry when an incident is declared, and the
exported post-mortem holds it in its timeline and names it in its Trigger prompt."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from tests.ui.factory import FIXED_TIME, screen_text
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import EntryKind
from warroom.drill import DrillWorld, load_scenario
from warroom.ui.regions.signals.signal_panel import SignalPanel


async def _settle(pilot, app) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _until(pilot, app, predicate) -> None:  # type: ignore[no-untyped-def]
    """Wait for a fact on screen (a guard against hanging, not a timing assertion)."""
    for _ in range(300):
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"never happened; the screen:\n{screen_text(app)}")


async def test_the_bad_deploy_is_in_the_region_on_the_sparkline_and_in_the_postmortem(
    make_app, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    real = FrozenClock(FIXED_TIME)
    world = DrillWorld(load_scenario("error-rate"), seed=5, speed=1.0, clock=real)
    app = make_app(world.sources(), world.clock, refresh_s=5.0)
    out = tmp_path / "postmortem.md"
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        await _settle(pilot, app)
        lines = screen.query_one("#service-lines")
        await _until(pilot, app, lambda: "revision 14 rolled out" in "\n".join(lines.texts))
        shown = "\n".join(lines.texts)
        assert "deployment/api  revision 14 (previous 13)" in shown
        assert "02:55:00Z ▲ deployment/api: revision 14 rolled out (ops/api:v2.14.0)" in shown
        panel = screen.query_one("#signal-error_rate", SignalPanel)
        await _until(pilot, app, lambda: any("▲" in t for t in panel.texts))
        (row,) = [t for t in panel.texts if "▲" in t]
        assert row.strip() == "▲"  # the one change in the window, drawn on its own row

        await pilot.press("d")  # declare: the deploy is inside the incident window
        await pilot.pause()
        await pilot.press("ctrl+s")
        await _settle(pilot, app)
        real.advance(5)
        await pilot.press("r")
        await _settle(pilot, app)
        incident = screen.incident_log.incident
        await _until(
            pilot,
            app,
            lambda: any(e.kind is EntryKind.CHANGE for e in incident.entries if incident),
        )
        for _ in range(2):  # more polls record nothing twice
            real.advance(5)
            await pilot.press("r")
            await _settle(pilot, app)
        incident = screen.incident_log.incident
        changes = [e for e in incident.entries if e.kind is EntryKind.CHANGE]
        assert [e.text for e in changes] == [
            "deployment/api: revision 14 rolled out (ops/api:v2.14.0)"
        ]
        assert changes[0].at.strftime("%H:%M:%S") == "02:55:00"  # the change's own time
        log_text = "\n".join(screen.query_one("#log-region").query_one("TextLog").texts)
        assert "revision 14 rolled out" in log_text

        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(Input).value = str(out)
        await pilot.press("enter")
        await _settle(pilot, app)
    exported = out.read_text(encoding="utf-8")
    assert (
        "| 02:55:00 (logged 03:00:00) | change | deployment/api: revision 14 rolled out "
        "(ops/api:v2.14.0) |" in exported
    )
    trigger = exported.split("## Trigger and detection")[1].split("\n## ")[0]
    assert "revision 14 rolled out\n(ops/api:v2.14.0) 4 min before the first alert" in trigger


async def test_at_80_columns_the_containers_exit_code_and_oom_are_not_cut(make_app) -> None:  # type: ignore[no-untyped-def]
    """Seen in tmux at 80x24 (queue-backlog, service-down): the containers table was wider than
    the pane, so EXIT was cut to `EXI` and the exit code (an OOM flag too) fell off the edge."""
    real = FrozenClock(FIXED_TIME)
    world = DrillWorld(load_scenario("queue-backlog"), seed=5, speed=1.0, clock=real)
    app = make_app(world.sources(), world.clock, refresh_s=5.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await _until(pilot, app, lambda: "5 Service" in screen_text(app))
        await pilot.press("shift+tab")  # from the alerts back to the last tab: Service
        await _settle(pilot, app)
        await _until(pilot, app, lambda: "CONTAINER" in screen_text(app))
        rows = [r for r in screen_text(app).splitlines() if "CONTAINER" in r or "ops/" in r]
        head = next(r for r in rows if "CONTAINER" in r)
        assert "EXIT" in head, head
        crashed = [r for r in rows if "ops/worker:3.2.1" in r]
        assert crashed, "\n".join(rows)
        assert all(r.rstrip(" │").endswith(" 1") for r in crashed), "\n".join(crashed)


async def test_service_down_shows_the_oom_killed_api_containers(make_app) -> None:  # type: ignore[no-untyped-def]
    """service-down's story is "the api containers ran out of memory": the Service region
    shows them OOM-killed (exit 137), even at 80 columns (it had no workloads: no region)."""
    real = FrozenClock(FIXED_TIME)
    world = DrillWorld(load_scenario("service-down"), seed=5, speed=1.0, clock=real)
    app = make_app(world.sources(), world.clock, refresh_s=5.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await _until(pilot, app, lambda: "5 Service" in screen_text(app))
        await pilot.press("shift+tab")
        await _settle(pilot, app)
        await _until(pilot, app, lambda: "CONTAINER" in screen_text(app))
        rows = [r for r in screen_text(app).splitlines() if "ops/api:v2.13.2" in r]
        assert rows and all("137 OOM" in r and "restarting" in r for r in rows), "\n".join(rows)
        world.respond("docker compose -f ops/docker-compose.yml restart api")  # the remedy
        real.advance(60)
        await pilot.press("r")
        await _settle(pilot, app)

        def running() -> bool:
            rows = [r for r in screen_text(app).splitlines() if "ops/api:v2.13.2" in r]
            return bool(rows) and all(" running " in r for r in rows)

        await _until(pilot, app, running)  # the restart ended the crashloop


async def test_a_long_change_beside_the_tables_folds_instead_of_losing_its_end(make_app) -> None:  # type: ignore[no-untyped-def]
    """Seen in tmux at 160x48 after the rollback: "revision 13 rolled out: rollback from …",
    the image it went back to cut off, with empty rows below it."""
    real = FrozenClock(FIXED_TIME)
    world = DrillWorld(load_scenario("error-rate"), seed=5, speed=1.0, clock=real)
    app = make_app(world.sources(), world.clock, refresh_s=5.0)
    async with app.run_test(size=(160, 48)) as pilot:
        lines = app.screen.query_one("#service-lines")
        await _until(pilot, app, lambda: "revision 14 rolled out" in "\n".join(lines.texts))
        world.respond("kubectl rollout undo deployment/api -n prod")
        real.advance(60)
        await pilot.press("r")
        await _settle(pilot, app)
        await _until(pilot, app, lambda: "rollback from" in screen_text(app))
        shown = screen_text(app)
        assert "…" not in "".join(r for r in shown.splitlines() if "rolled out" in r)
        assert "(ops/api:v2.13.2)" in shown  # the revision it went back to, on the next row
