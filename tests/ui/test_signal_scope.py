"""The golden signals are scoped by the label the selected alert actually has."""

from __future__ import annotations

from datetime import timedelta

from tests.ui.factory import FIXED_TIME
from tests.ui.fakes import FakeAlertSource, FakeSignalSource, make_alert
from warroom.config import EnvironmentConfig
from warroom.domain.ports import Sources
from warroom.domain.scope import ServiceScope


def _sources(alerts: list, signals: FakeSignalSource) -> Sources:
    return Sources(
        environment="test",
        alert_sources=[FakeAlertSource(alerts)],
        signal_sources={"prometheus": signals},
    )


async def _scopes_asked(make_app, alerts: list, **settings) -> tuple[list, str]:  # type: ignore[no-untyped-def]
    signals = FakeSignalSource({"error_rate": 14.0})
    app = make_app(_sources(alerts, signals), **settings)
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(250):
            await pilot.pause(0.02)
            if signals.asked:
                break
        await app.workers.wait_for_complete()
        await pilot.pause()
        title = str(app.screen.query_one("#signals-region").border_title)
    return signals.asked, title


async def test_an_alert_with_service_and_job_is_scoped_by_both(make_app) -> None:
    alert = make_alert(
        "HighErrorRate", "critical", FIXED_TIME - timedelta(minutes=3),
        service="payments-api", job="payments",
    )  # fmt: skip
    asked, title = await _scopes_asked(make_app, [alert])
    assert asked and all(isinstance(s, ServiceScope) for s in asked)
    assert {s.matchers for s in asked} == {(("service", "payments-api"), ("job", "payments"))}
    assert "payments-api" in title


async def test_scope_labels_of_the_environment_decide(make_app) -> None:
    alert = make_alert(
        "PodCrashLooping", "critical", FIXED_TIME - timedelta(minutes=3),
        app_kubernetes_io_name="cart", service="kubelet",
    )  # fmt: skip
    env = EnvironmentConfig(name="k8s", scope_labels=("app_kubernetes_io_name",))
    asked, title = await _scopes_asked(
        make_app, [alert], environments={"k8s": env}, environment="k8s"
    )
    assert {s.matchers for s in asked} == {(("app_kubernetes_io_name", "cart"),)}
    assert "cart" in title and "kubelet" not in title
