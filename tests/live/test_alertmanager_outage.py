"""An Alertmanager that stops answering for 30 s and comes back, with the real servers.

The second Alertmanager of the suite's stack is frozen (SIGSTOP: it keeps its port and its
alerts but answers nothing, as a hung server does) for 30 s while the console's poller keeps
reading both. Alerts only it holds must neither be logged "resolved" while it is away nor
"FIRED" again when it returns: an unreachable source means unknown, not resolved.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time

from tests.live.conftest import am_alert, unique_name
from tests.servers.prometheus import MonitoringStack
from warroom.config import ServerConfig
from warroom.domain.clock import SystemClock
from warroom.services.alert_events import alert_events
from warroom.services.polling import AlertPoller
from warroom.sources.alertmanager import AlertmanagerSource

OUTAGE_S = 30.0
POLL_EVERY_S = 5.0


async def test_a_hung_alertmanager_leaves_no_false_resolved_or_fired(
    stack: MonitoringStack,
) -> None:
    only_in_two = unique_name("OnlyInAm2")
    in_both = unique_name("InBoth")
    stack.am2.post_alerts([am_alert(only_in_two, instance="am2-only:9100")])
    stack.am.post_alerts([am_alert(in_both, instance="both:9100")])
    stack.am2.post_alerts([am_alert(in_both, instance="both:9100")])
    sources = [
        AlertmanagerSource(ServerConfig(url=stack.am.url, name="am1", timeout_s=1.0)),
        AlertmanagerSource(ServerConfig(url=stack.am2.url, name="am2", timeout_s=1.0)),
    ]
    poller = AlertPoller(sources, SystemClock(), timeout_s=1.5)
    ours = {only_in_two, in_both}
    try:
        first = await poller.poll()
        assert ours <= {a.name for a in first.alerts}
        assert stack.am2.proc is not None
        pid = stack.am2.proc.pid
        os.kill(pid, signal.SIGSTOP)
        entries = []
        polls_away = 0
        try:
            stopped_at = time.monotonic()
            while time.monotonic() - stopped_at < OUTAGE_S:
                await asyncio.sleep(POLL_EVERY_S)
                away = await poller.poll()
                polls_away += 1
                entries += alert_events(
                    [a for a in away.fired if a.name in ours],
                    [a for a in away.resolved if a.name in ours],
                )
                assert ours <= {a.name for a in away.alerts}, "an unreachable source's alerts left"
                assert "am2" in away.errors and "am1" not in away.errors
        finally:
            os.kill(pid, signal.SIGCONT)
        assert polls_away >= 5
        back = await poller.poll()
        entries += alert_events(
            [a for a in back.fired if a.name in ours],
            [a for a in back.resolved if a.name in ours],
        )
        assert "am2" not in back.errors, back.errors
        assert ours <= {a.name for a in back.alerts}
        assert entries == [], [e.text for e in entries]
    finally:
        for source in sources:
            await source.aclose()
