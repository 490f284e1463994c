"""A bash sandbox for hostile-value tests: a temp dir, a PATH of harmless tools, canaries.

PATH holds only real tools that read (awk, sed, find, sort, grep, jq, printf…), `touch` (so a
payload that escapes is *seen* creating its marker), real `psql`, and stubs for what would
reach the outside: `ssh` runs its remote command through `sh -c` of the joined words, as sshd
does; `kubectl … exec … -- CMD` and `docker exec C CMD` run CMD here; `rm` and `curl` only log.
Canary files inside and outside the working directory must survive every run unchanged.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.runbooks.hostile_values import CLASSIC_VALUES, HOSTILE_VALUES

__all__ = ["CLASSIC_VALUES", "HOSTILE_VALUES", "Ran", "Sandbox", "build", "pg_env"]

REAL_TOOLS = (  # noqa: SIM905 (a word list)
    "awk sed find env sort cat printf echo xargs touch ls grep head tr wc sh bash dash true "
    "false test mkdir psql sleep jq timeout nice cut uniq tee basename dirname perl python3 "
    "mawk gawk date id script flock busybox"
).split()

STUBS = {
    "ssh": """#!/bin/sh
# ssh stub: skip options and the host, then run the remote words as sshd would (sh -c)
while [ $# -gt 0 ]; do
  case "$1" in
    -[bcDEeFIiJLlmOopQRSWwB]) shift 2 ;;
    -*) shift ;;
    *) break ;;
  esac
done
shift
[ $# -eq 0 ] && exec sh
exec sh -c "$*"
""",
    "kubectl": """#!/bin/sh
# kubectl stub: `… exec … -- CMD` runs CMD here; anything else is only printed
for a in "$@"; do
  if [ "$a" = "--" ]; then
    while [ "$1" != "--" ]; do shift; done
    shift
    exec "$@"
  fi
done
printf 'kubectl %s\\n' "$*"
""",
    "docker": """#!/bin/sh
# docker stub: `docker exec|run [opts] C CMD` runs CMD here; anything else is only printed
if [ "$1" = "exec" ] || [ "$1" = "run" ]; then
  shift
  while [ $# -gt 0 ]; do case "$1" in -e|-u|-w|--name) shift 2 ;; -*) shift ;; *) break ;; esac; done
  shift
  exec "$@"
fi
printf 'docker %s\\n' "$*"
""",
    "rm": """#!/bin/sh
# rm stub: records its arguments; the test checks none leaves the sandbox
printf '%s\\n' "$@" >> "$SANDBOX_LOG"
""",
    "curl": """#!/bin/sh
printf 'curl %s\\n' "$*"
""",
}


@dataclass(frozen=True)
class Ran:
    """One command of a batch and what it printed."""

    command: str
    stdout: str
    stderr: str


@dataclass
class Sandbox:
    root: Path
    env: dict[str, str]

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def marker(self) -> Path:
        return self.root / "pwned"

    def snapshot(self) -> dict[str, bytes]:
        """Every file under the sandbox with its content (the log excluded)."""
        out: dict[str, bytes] = {}
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and path.name != "rm.log" and "bin" not in path.parts[-2:-1]:
                out[str(path.relative_to(self.root))] = path.read_bytes()
        return out

    def run(self, command: str, timeout_s: float = 10.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", command],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    def run_all(self, commands: list[str], batch: Path, timeout_s: float = 600.0) -> list[Ran]:
        """Every command in a subshell of its own, all in one bash process (a fork each, not
        a new bash: a table of thousands of commands stays quick), as `run` would. `batch` is
        a folder outside the sandbox for the scripts and what each printed."""
        batch.mkdir(parents=True)
        scripts = []
        for k, command in enumerate(commands):
            script = batch / f"{k}.sh"
            script.write_text(command, encoding="utf-8", errors="surrogateescape")
            scripts.append(str(script))
        driver = 'for f in "$@"; do ( ulimit -t 10; . "$f" ) </dev/null >"$f.out" 2>"$f.err"; done'
        halves = [scripts[0::2], scripts[1::2]]  # two shells at once: half the wall time
        procs = [
            subprocess.Popen(
                ["bash", "-c", driver, "batch", *half],
                cwd=self.work,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for half in halves
            if half
        ]
        for proc in procs:
            proc.wait(timeout_s)
        return [
            Ran(
                command,
                Path(f"{script}.out").read_bytes().decode(errors="replace"),
                Path(f"{script}.err").read_bytes().decode(errors="replace"),
            )
            for command, script in zip(commands, scripts, strict=True)
        ]

    def rm_arguments(self) -> list[str]:
        log = self.root / "rm.log"
        return log.read_text().splitlines() if log.exists() else []


def build(root: Path, extra_env: dict[str, str] | None = None) -> Sandbox:
    """A fresh sandbox under `root` (bin/, work/ with canaries, outside/ canaries)."""
    bindir = root / "bin"
    bindir.mkdir(parents=True)
    for tool in REAL_TOOLS:
        found = shutil.which(tool)
        if found:
            (bindir / tool).symlink_to(found)
    for name, text in STUBS.items():
        stub = bindir / name
        stub.write_text(text)
        stub.chmod(0o755)
    work = root / "work"
    (work / "dir").mkdir(parents=True)
    (work / "sub" / "deep").mkdir(parents=True)
    (work / "keep.txt").write_text("alpha\nbeta\ngamma\n")
    (work / "dir" / "a.tmp").write_text("temp\n")
    (work / "sub" / "deep" / "file").write_text("deep\n")
    (root / "outside").mkdir()
    (root / "outside" / "precious").write_text("do not touch\n")
    env = {
        "PATH": str(bindir),
        "HOME": str(root),
        "LC_ALL": "C.UTF-8",
        "SANDBOX_LOG": str(root / "rm.log"),
        **(extra_env or {}),
    }
    return Sandbox(root, env)


def pg_env(dsn: str) -> dict[str, str]:
    """libpq environment for a `postgresql://user@host:port/db` DSN (psql reads it)."""
    from urllib.parse import urlsplit

    parts = urlsplit(dsn)
    env = {
        "PGHOST": parts.hostname or "127.0.0.1",
        "PGPORT": str(parts.port or 5432),
        "PGUSER": parts.username or os.environ.get("USER", "postgres"),
        "PGDATABASE": parts.path.lstrip("/"),
    }
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return env
