"""The core stays headless: importing it must not load Textual or any network library."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "warroom.domain.alerts", "warroom.domain.signals", "warroom.domain.incident", "warroom.domain.runbooks",
    "warroom.domain.ports", "warroom.domain.runbook_parser", "warroom.domain.placeholders",
    "warroom.domain.step_risk", "warroom.export.postmortem", "warroom.export.status_updates",
]  # fmt: skip
FORBIDDEN_IN_DOMAIN = [
    "textual",
    "httpx",
    "asyncpg",
    "docker",
    "kubernetes",
    "prometheus_api_client",
    "requests",
]


def _loaded_after_import(modules: list[str]) -> set[str]:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print('\\n'.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in out.split()}


def test_domain_and_export_import_no_ui_or_network_library() -> None:
    loaded = _loaded_after_import(CORE)
    assert not loaded & set(FORBIDDEN_IN_DOMAIN), loaded & set(FORBIDDEN_IN_DOMAIN)


def test_services_sources_and_drill_do_not_import_textual() -> None:
    loaded = _loaded_after_import(
        [
            "warroom.services.polling",
            "warroom.services.incident_log",
            "warroom.drill",
            "warroom.cli.live_wiring",
        ]
    )
    assert "textual" not in loaded


def test_first_frame_path_does_not_import_heavy_clients() -> None:
    """The console's first frame must not wait for docker, kubernetes, asyncpg or Prometheus clients."""
    loaded = _loaded_after_import(["warroom.ui.app", "warroom.drill", "warroom.cli.console"])
    assert not loaded & {"docker", "kubernetes", "asyncpg", "prometheus_api_client", "httpx"}


def test_import_linter_contracts_hold() -> None:
    from pathlib import Path

    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
