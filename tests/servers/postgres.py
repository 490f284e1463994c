"""A real PostgreSQL 15 on 127.0.0.1, started from a temp dir for the test session.

initdb and postgres refuse to run as root, so as root they run as the `postgres` user.
`PostgresServer.stop()` / `.start()` let reconnect tests take the database away and back.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.servers.ports import free_port

PG_BIN = Path(os.environ.get("WARROOM_PG_BIN", "/usr/lib/postgresql/15/bin"))


class PostgresServer:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="warroom-pg-"))
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._user: dict[str, object] = {}
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self._user = {"user": "postgres", "group": "postgres", "extra_groups": []}

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def dsn_for(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"PostgreSQL 15 not found under {PG_BIN} (run `make servers`)")
        subprocess.run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(self.dir / "data"),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
                "--no-instructions",
            ],
            check=True,
            capture_output=True,
            **self._user,  # type: ignore[arg-type]
        )

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                str(PG_BIN / "postgres"),
                "-D",
                str(self.dir / "data"),
                "-p",
                str(self.port),
                "-k",
                str(self.dir),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=200",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **self._user,  # type: ignore[arg-type]
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
                check=False,
            )
            if ready.returncode == 0:
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited with {self.proc.returncode}")
            time.sleep(0.1)
        raise RuntimeError("postgres did not become ready in 20 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def create_database(self, name: str) -> str:
        subprocess.run(
            [
                str(PG_BIN / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-q",
                "-c",
                f'CREATE DATABASE "{name}"',
            ],
            check=True,
            capture_output=True,
        )
        return self.dsn_for(name)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A fresh server for as long as the block runs; removed afterwards."""
    server = PostgresServer()
    server.init()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()
