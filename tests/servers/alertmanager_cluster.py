"""Real Alertmanagers in clusters on 127.0.0.1: an HA pair gossiping over loopback, plus one
separate Alertmanager (a region of its own), for the cross-cluster silence tests.

The pair peers with `--cluster.listen-address=127.0.0.1:PORT --cluster.peer=127.0.0.1:OTHER`
and short gossip and push-pull intervals, so a silence made in one member shows in the other
within a second or two. Anything that cannot start raises RuntimeError: fixtures fail, never
skip.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.servers.ports import free_port, wait_for_port
from tests.servers.prometheus import Alertmanager, http_json


class PeeredAlertmanager(Alertmanager):
    """One member of a gossiping cluster: its own gossip port, peered with `peers`."""

    def __init__(self, workdir: Path, name: str) -> None:
        super().__init__(workdir, name)
        self.gossip_port = free_port()
        self.peers: list[int] = []

    def cluster_args(self) -> list[str]:
        return [
            f"--cluster.listen-address=127.0.0.1:{self.gossip_port}",
            f"--cluster.advertise-address=127.0.0.1:{self.gossip_port}",
            *(f"--cluster.peer=127.0.0.1:{p}" for p in self.peers),
            "--cluster.gossip-interval=100ms",
            "--cluster.pushpull-interval=1s",
            "--cluster.settle-timeout=1s",
            "--cluster.peer-timeout=1s",
        ]

    def start(self) -> None:
        super().start()
        wait_for_port(self.gossip_port, timeout_s=20)

    def silences(self) -> list[dict[str, Any]]:
        return http_json(f"{self.url}/api/v2/silences")  # type: ignore[no-any-return]

    def peer_count(self) -> int:
        status = http_json(f"{self.url}/api/v2/status")
        return len((status.get("cluster") or {}).get("peers") or [])


class AlertmanagerClusters:
    """`pair` (two peered members, cluster "pair") and `solo` (a cluster of its own)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="warroom-amc-"))
        self.a = PeeredAlertmanager(self.dir, "am-pair-a")
        self.b = PeeredAlertmanager(self.dir, "am-pair-b")
        self.solo = PeeredAlertmanager(self.dir, "am-solo")
        self.a.peers = [self.b.gossip_port]
        self.b.peers = [self.a.gossip_port]

    @property
    def all(self) -> tuple[PeeredAlertmanager, ...]:
        return (self.a, self.b, self.solo)

    def start(self) -> None:
        try:
            for member in self.all:
                member.start()
            self.wait_peered()
        except BaseException:
            self.stop()
            raise

    def wait_peered(self, timeout_s: float = 30.0) -> None:
        """Until both members of the pair see each other (and the solo one sees only itself)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if self.a.peer_count() == 2 and self.b.peer_count() == 2:
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the Alertmanager pair did not peer within {timeout_s}s")

    def stop(self) -> None:
        for member in self.all:
            member.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
