"""A real dockerd for the test session: private socket, data root and exec root in a temp dir.

No bridge, no iptables, no registry: images are built with `docker import` from a rootfs that
holds Debian's static busybox and one symlink per applet, and containers run with
`--network none`. Teardown removes containers, stops dockerd and unmounts its netns.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

BUSYBOX = Path(os.environ.get("WARROOM_BUSYBOX", "/bin/busybox"))
IMAGE = "warroom-busybox:test"


class DockerDaemon:
    def __init__(self) -> None:
        # short path: unix socket paths are limited to 107 bytes
        self.dir = Path(tempfile.mkdtemp(prefix="wrd-", dir="/tmp"))
        self.socket = self.dir / "d.sock"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.dir / "dockerd.log"

    @property
    def host(self) -> str:
        return f"unix://{self.socket}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": self.host}

    def start(self) -> None:
        dockerd = shutil.which("dockerd")
        if dockerd is None:
            raise RuntimeError("dockerd not found (run `make servers`)")
        if not BUSYBOX.exists():
            raise RuntimeError(f"{BUSYBOX} not found (run `make servers`: busybox-static)")
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    dockerd,
                    "--iptables=false",
                    "--ip6tables=false",
                    "--bridge=none",
                    "--storage-driver=overlay2",
                    "--host",
                    self.host,
                    "--data-root",
                    str(self.dir / "data"),
                    "--exec-root",
                    str(self.dir / "x"),
                    "--pidfile",
                    str(self.dir / "dockerd.pid"),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dockerd exited: {self.log.read_text()[-2000:]}")
            if self.docker("version", check=False).returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("dockerd did not answer in 30 s")
        self._import_busybox()

    def docker(
        self, *args: str, check: bool = True, input: bytes | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["docker", *args],
            env=self.env(),
            capture_output=True,
            timeout=60,
            input=input.decode() if input is not None else None,
            text=True,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)}: {result.stderr.strip()}")
        return result

    def _import_busybox(self) -> None:
        applets = subprocess.run(
            [str(BUSYBOX), "--list"], capture_output=True, text=True, check=True
        ).stdout.split()
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for d in ("bin", "tmp", "proc", "sys", "dev", "etc"):
                info = tarfile.TarInfo(d)
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            tar.add(str(BUSYBOX), arcname="bin/busybox")
            for applet in applets:
                if applet == "busybox":
                    continue
                link = tarfile.TarInfo(f"bin/{applet}")
                link.type = tarfile.SYMTYPE
                link.linkname = "busybox"
                tar.addfile(link)
        tarball = self.dir / "rootfs.tar"
        tarball.write_bytes(buf.getvalue())
        self.docker("import", str(tarball), IMAGE)

    def run(self, name: str, *command: str, labels: dict[str, str] | None = None) -> str:
        """Start a detached container on no network; returns its id."""
        label_args = [a for k, v in (labels or {}).items() for a in ("--label", f"{k}={v}")]
        result = self.docker(
            "run", "-d", "--network", "none", "--name", name, *label_args, IMAGE, *command
        )
        return result.stdout.strip()

    def remove_all(self) -> None:
        ids = self.docker("ps", "-aq", check=False).stdout.split()
        if ids:
            self.docker("rm", "-f", *ids, check=False)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.remove_all()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        netns = self.dir / "x" / "netns" / "default"
        if netns.exists():
            subprocess.run(["umount", str(netns)], check=False, capture_output=True)
        subprocess.run(
            ["umount", "-R", str(self.dir / "data" / "overlay2")], check=False, capture_output=True
        )
        shutil.rmtree(self.dir, ignore_errors=True)
