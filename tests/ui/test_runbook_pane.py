"""The runbook pane as a commander reads it: the alert's section as a tree of phases, each step's
command filled from the selected alert's labels, keys that stop at the ends, and every step's
output kept for the incident (per step, after the alert resolves too)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from tests.runbooks.conftest import PUBLIC
from tests.ui.factory import FIXED_TIME, build_test_app, screen_text
from tests.ui.fakes import FakeAlertSource, FakeSignalSource, make_alert
from warroom.domain.incident import EntryKind
from warroom.domain.placeholders import missing_values, render_step
from warroom.domain.ports import Sources
from warroom.sources.executors.shell import ShellExecutor
from warroom.ui.regions.runbook.pane import RunbookPane

LABELS = {"namespace": "payments", "pod": "api-7d9f5-xk2lp", "container": "app"}

# A page laid out the way prometheus-operator's runbooks are: the alert as the H1, phases as
# H2/H3, commands as inline code in list items and in blocks, prompts with sample output.
OPERATOR_STYLE = """\
---
title: Pod Restarting
---

# PodRestartingOften

## Meaning

The pod restarts more than the budget allows.

## Diagnosis

- Check its events via `kubectl -n <namespace> describe pod <pod>`.
- Check the logs via `kubectl -n <namespace> logs <pod> -c <container> --previous`

```console
$ kubectl -n <namespace> get pod <pod> -o wide
NAME   READY   STATUS
x      0/1     CrashLoopBackOff
```

Inside the pod:

```bash
kubectl -n <namespace> exec -it <pod> -- bash
cat /etc/resolv.conf
```

## Mitigation

### Roll back

- Roll back via `kubectl -n <namespace> rollout undo deployment/<deployment>`.
"""


def _sources(alerts: list, executors: tuple = ()) -> Sources:  # type: ignore[type-arg]
    return Sources(
        environment="test",
        alert_sources=[FakeAlertSource(alerts)],
        signal_sources={"prometheus": FakeSignalSource({"error_rate": 1.0})},
        executors=executors,
    )


async def _settle(pilot, app) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def _folder(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
    return folder


def _output(pane: RunbookPane) -> list[str]:
    """The lines the output pane shows now."""
    return pane.output.texts


async def _each_step_on_screen(pilot, app, pane: RunbookPane) -> list[str]:  # type: ignore[no-untyped-def]
    """Walk the steps with j, reading the screen at each (the list scrolls to the cursor)."""
    screens = []
    await pilot.press("home")
    for _ in pane.section.steps:  # type: ignore[union-attr]
        await pilot.pause()
        screens.append(screen_text(app))
        await pilot.press("j")
    return screens


async def test_a_prometheus_operator_page_shows_its_phases_and_filled_steps(
    tmp_path: Path,
) -> None:
    user = tmp_path / "user"
    user.mkdir()
    shutil.copy(PUBLIC / "po-KubePodCrashLooping.md", user / "KubePodCrashLooping.md")
    alert = make_alert("KubePodCrashLooping", "warning", FIXED_TIME, **LABELS)
    app = build_test_app(tmp_path, _sources([alert]), runbooks=[user])
    async with app.run_test(size=(200, 60)) as pilot:
        await _settle(pilot, app)
        pane = app.screen.query_one(RunbookPane)
        assert pane.section is not None and "KubePodCrashLooping" in pane.section.alerts
        await pilot.press("enter")  # from the alert to its runbook
        assert app.focused is pane.steps
        screen = screen_text(app)
        for phase in ("Meaning", "Impact", "Diagnosis", "Mitigation"):
            assert f"▾ {phase}" in screen
        assert "Service degradation or unavailability." in screen  # a phase's gist
        steps = pane.section.steps
        assert len(steps) >= 3
        labels = {**LABELS, "severity": "warning", "alertname": "KubePodCrashLooping"}
        for step, shown in zip(steps, await _each_step_on_screen(pilot, app, pane), strict=True):
            if missing_values(step, labels):  # shown as the template, names marked
                assert step.command.strip().splitlines()[0] in shown
            else:  # exactly what would run
                assert render_step(step, labels).command.strip().splitlines()[0] in shown


async def test_commands_are_filled_from_the_labels_and_the_others_named(tmp_path: Path) -> None:
    user = _folder(tmp_path, "user", {"pod-restarting.md": OPERATOR_STYLE})
    shipped = _folder(tmp_path, "shipped", {"other.md": "# PodRestartingOften\n\n```\nw\n```\n"})
    alert = make_alert("PodRestartingOften", "critical", FIXED_TIME, **LABELS)
    app = build_test_app(tmp_path, _sources([alert]), runbooks=[user, shipped])
    async with app.run_test(size=(200, 60)) as pilot:
        await _settle(pilot, app)
        await pilot.press("enter")
        screen = screen_text(app)
        assert "pod-restarting.md" in screen  # the user's runbook wins
        assert "also covered by 1 other runbook(s): other.md" in screen
        assert "▾ Meaning" in screen and "▾ Roll back" in screen
        assert "The pod restarts more than the budget allows." in screen
        assert "kubectl -n payments describe pod api-7d9f5-xk2lp" in screen
        assert "logs api-7d9f5-xk2lp -c app --previous" in screen
        diagnosis = screen.split("▾ Mitigation")[0]
        commands = [line for line in diagnosis.splitlines() if "$ " in line]
        assert commands and not any("<namespace>" in c for c in commands)  # every one filled
        assert "Check its events via kubectl -n <namespace> describe pod <pod>." in diagnosis
        assert "expected output" in screen and "CrashLoopBackOff" in screen
        # a shell the step opens: what the page types in it is shown inside, never a step
        assert "tty" in screen and "exec -it api-7d9f5-xk2lp -- bash" in screen
        assert "inside that shell (typed there, never run here):" in screen
        assert "│ cat /etc/resolv.conf" in screen
        pane = app.screen.query_one(RunbookPane)
        assert pane.section is not None
        assert not any("resolv.conf" in step.command for step in pane.section.steps)
        # a name no label fills: the template, the name marked, asked before the run
        await pilot.press("end")  # the last step, scrolled into view
        await pilot.pause()
        screen = screen_text(app)
        assert "deployment/<deployment>" in screen and "no label fills deployment" in screen


async def test_keys_stop_at_the_ends_and_output_is_kept_per_step(tmp_path: Path) -> None:
    page = (
        "# EchoAlert\n\n## Diagnosis\n\n```bash\necho first-output\n```\n\n"
        "```bash\necho second-output\n```\n\n## Verify\n\n```bash\necho third-output\n```\n"
    )
    books = _folder(tmp_path, "books", {"echo.md": page})
    t = FIXED_TIME
    alert = make_alert("EchoAlert", "critical", t - timedelta(minutes=1), service="api")
    source = FakeAlertSource([alert])
    sources = Sources(
        environment="test",
        alert_sources=[source],
        signal_sources={"prometheus": FakeSignalSource({"error_rate": 1.0})},
        executors=(ShellExecutor(),),
    )
    app = build_test_app(tmp_path, sources, runbooks=[books], refresh_s=1.0)
    async with app.run_test(size=(200, 60)) as pilot:
        await _settle(pilot, app)
        pane = app.screen.query_one(RunbookPane)
        await pilot.press("enter")
        assert pane.step_index == 0
        await pilot.press("k", "up")  # up on the first step stays there (no wrap to Verify)
        assert pane.step_index == 0
        await pilot.press("end", "j", "down")  # and down on the last stays on the last
        assert pane.step_index == 2
        await pilot.press("home", "pagedown")
        assert pane.step_index == 2
        for index in (0, 1):
            await pilot.press("home", *["j"] * index, "enter")
            await _settle(pilot, app)
        shown = _output(pane)
        assert shown[:2] == ["$ echo second-output", "second-output"]
        assert shown[2].startswith("└ exit 0 in ")
        await pilot.press("home")  # the cursor back on step 1: its own output, not step 2's
        await pilot.pause()
        assert "output 1/2" in screen_text(app)
        shown = _output(pane)
        assert shown[:2] == ["$ echo first-output", "first-output"] and len(shown) == 3
        # the output pane takes the focus and scrolls; [ ] switch between runs
        await pilot.press("O")
        assert app.focused is pane.output
        await pilot.press("j", "k", "pagedown", "end", "home", "right_square_bracket")
        await pilot.pause()
        assert "output 2/2" in screen_text(app) and "second-output" in _output(pane)
        # the alert resolves: the runs stay for the incident
        source.alerts = []
        app.screen.region_named("alerts").refresh_now()
        await _settle(pilot, app)
        await pilot.pause(1.2)
        await _settle(pilot, app)
        assert pane.section is None
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert "output 1/2" in screen_text(app) and "first-output" in _output(pane)
        log = app.screen.incident_log
        runs = [e for e in log.pre_incident if e.kind is EntryKind.STEP_RUN]
        assert [r.data["exit_code"] for r in runs] == [0, 0]


TTY_PAGE = "# {alert}\n\n## Diagnosis\n\n```bash\nless /etc/hostname && test -t 0 && exit 7\n```\n"


def _shell_app(tmp_path: Path, *, viewer: bool = False):  # type: ignore[no-untyped-def]
    books = _folder(tmp_path, "books", {"tty.md": TTY_PAGE.format(alert="TtyProbe")})
    alert = make_alert("TtyProbe", "critical", FIXED_TIME, service="api")
    sources = _sources([alert], executors=(ShellExecutor(),))
    return build_test_app(tmp_path, sources, runbooks=[books], viewer=viewer)


async def test_an_interactive_step_is_refused_to_a_viewer(tmp_path: Path) -> None:
    app = _shell_app(tmp_path, viewer=True)
    notes: list[str] = []
    async with app.run_test(size=(200, 60)) as pilot:
        app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
        await _settle(pilot, app)
        pane = app.screen.query_one(RunbookPane)
        assert pane.selected_step is not None and pane.selected_step.interactive
        await pilot.press("enter", "enter")
        await _settle(pilot, app)
        assert app.screen is app.screen_stack[0]  # no confirmation asked, nothing suspended
        assert any(n.startswith("viewer mode: Run a step ") for n in notes), notes
        assert not [e for e in app.screen.incident_log.pre_incident if e.kind is EntryKind.STEP_RUN]


async def test_without_a_terminal_to_hand_over_an_interactive_step_says_so(tmp_path: Path) -> None:
    """The pilot's headless driver cannot suspend: the step is not run and the console says why
    (instead of running `less` with no terminal and logging a made-up result)."""
    app = _shell_app(tmp_path)
    notes: list[str] = []
    async with app.run_test(size=(200, 60)) as pilot:
        app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
        await _settle(pilot, app)
        await pilot.press("enter", "enter")  # open the runbook, run: a write, so y/n
        await pilot.press("y")
        await _settle(pilot, app)
        assert "this terminal cannot be handed to an interactive step" in notes
        assert not [e for e in app.screen.incident_log.pre_incident if e.kind is EntryKind.STEP_RUN]


async def test_a_drill_never_hands_the_terminal_to_an_interactive_step(
    tmp_path: Path, drill_sources
) -> None:
    """In a drill the same step is answered by the drill's executor: simulated, logged, and
    nothing real runs (the drill executor cannot run a step on the terminal)."""
    books = _folder(tmp_path, "books", {"tty.md": TTY_PAGE.format(alert="HighErrorRate")})
    sources, clock = drill_sources("error-rate", seed=7)
    app = build_test_app(tmp_path, sources, clock, runbooks=[books])
    async with app.run_test(size=(200, 60)) as pilot:
        await _settle(pilot, app)
        pane = app.screen.query_one(RunbookPane)
        assert pane.selected_step is not None and pane.selected_step.interactive
        await pilot.press("enter", "enter", "y")
        await _settle(pilot, app)
        assert any("this command was not run" in line for line in _output(pane))
        runs = [e for e in app.screen.incident_log.pre_incident if e.kind is EntryKind.STEP_RUN]
        assert len(runs) == 1 and runs[0].data["executor"] == "drill"
