"""SQL, PromQL and HTTP blocks, and psql / mysql / redis-cli transcripts, into drafts.

A transcript is what a page copied from a terminal: `db=# SELECT ...;` then the rows it printed.
The statement (prompt removed) becomes the step; the rows are its expected output, never run.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable

from warroom.domain.runbook_parse.drafts import Draft
from warroom.domain.runbooks import StepKind

_HTTP_START = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+\S+", re.IGNORECASE)
# `locktest=# `, `postgres=> `, and their continuations `locktest-# `, `db(# `, `db'# `
PSQL_PROMPT = re.compile(r"^\s*([\w-]{1,63})=[#>](?: (.*)|$)")
_PSQL_MORE = re.compile(r"^\s*[\w-]{1,63}[-(\"'][#>](?: (.*)|$)")
MYSQL_PROMPT = re.compile(r"^\s*(?:mysql|mariadb|MariaDB \[[^\]]*\])> (.*)$")
_MYSQL_MORE = re.compile(r"^\s*(?:->|'>|\">) ?(.*)$")
REDIS_PROMPT = re.compile(
    r"^\s*((?:\d{1,3}(?:\.\d{1,3}){3})|localhost|[\w-]+(?:\.[\w-]+)*):(\d{1,5})(?:\[\d+\])?> (.*)$"
)


def sql_draft(body: list[str], line: int, desc: list[str]) -> Draft:
    """One SQL statement (its trailing semicolon dropped), with the comments above it."""
    return Draft(
        StepKind.SQL, "\n".join(body).strip().rstrip(";").rstrip(), line, " ".join(desc) or None
    )


def read_sql(content: str, start: int) -> list[Draft]:
    drafts: list[Draft] = []
    desc: list[str] = []
    body: list[str] = []
    body_line = 0
    in_string = False
    for k, line in enumerate(content.split("\n")):
        stripped = line.strip()
        if not body and not in_string:
            if stripped.startswith("--"):
                desc.append(stripped.lstrip("-").strip())
                continue
            if not stripped:
                desc = []
                continue
            body_line = start + k
        body.append(line)
        code = re.sub(r"--.*$", "", line)
        in_string ^= bool(code.count("'") % 2)
        if not in_string and code.rstrip().endswith(";"):
            drafts.append(sql_draft(body, body_line, desc))
            body, desc = [], []
    if body and "\n".join(body).strip():
        drafts.append(sql_draft(body, body_line, desc))
    return drafts


def read_promql(content: str, start: int) -> list[Draft]:
    drafts: list[Draft] = []
    desc: list[str] = []
    body: list[str] = []
    body_line = 0
    for k, line in enumerate([*content.split("\n"), ""]):
        stripped = line.strip()
        if stripped.startswith("#") and not body:
            desc.append(stripped.lstrip("#").strip())
            continue
        if not stripped:
            if body:
                text = "\n".join(body).strip()
                drafts.append(Draft(StepKind.PROMQL, text, body_line, " ".join(desc) or None))
            body, desc = [], []
            continue
        if not body:
            body_line = start + k
        body.append(re.sub(r"^\s*(?:\$|>|promql>)\s+", "", line) if not body else line)
    return drafts


def read_http(content: str, start: int, error: Callable[[int, str], None]) -> list[Draft]:
    drafts: list[Draft] = []
    desc: list[str] = []
    body: list[str] = []
    body_line = 0

    def flush() -> None:
        nonlocal body, desc
        text = "\n".join(body).strip()
        if text:
            drafts.append(Draft(StepKind.HTTP, text, body_line, " ".join(desc) or None))
        body, desc = [], []

    for k, line in enumerate(content.split("\n")):
        stripped = line.strip()
        if stripped.startswith("###"):
            flush()
            continue
        if not body and (stripped.startswith("#") or stripped.startswith("//")):
            desc.append(stripped.lstrip("#/").strip())
            continue
        if not body and not stripped:
            continue
        if body and _HTTP_START.match(stripped):
            flush()
        if not body:
            if not _HTTP_START.match(stripped):
                error(start + k, "an http block must start with METHOD URL")
                return []
            body_line = start + k
        body.append(line)
    flush()
    return drafts


def transcript_kind(lines: list[str]) -> str | None:
    """ "psql", "mysql" or "redis" when the block is a copied terminal session of one."""
    for line in lines:
        if PSQL_PROMPT.match(line):
            return "psql"
        if MYSQL_PROMPT.match(line):
            return "mysql"
        if REDIS_PROMPT.match(line):
            return "redis"
    return None


def read_transcript(kind: str, lines: list[str], start: int) -> list[Draft]:
    """Statements after the prompts become steps; what the tool printed is expected output."""
    drafts: list[Draft] = []
    cur: Draft | None = None
    body: list[str] = []
    output: list[str] = []
    complete = True

    def close() -> None:
        nonlocal cur, body, output
        if cur is not None:
            cur.command = _statement(kind, body, cur.command)
            cur.expected_output = "\n".join(output).strip("\n")
            if cur.command:
                drafts.append(cur)
        cur, body, output = None, [], []

    for k, line in enumerate(lines):
        more = (_PSQL_MORE if kind == "psql" else _MYSQL_MORE).match(line)
        if kind != "redis" and cur is not None and not complete and more:
            body.append(more.group(1) or "")
            complete = _ends(kind, body)
            continue
        m = _prompt(kind, line)
        if m is None:
            if cur is not None and not complete and line.strip():
                body.append(line)  # a statement pasted on several lines without the prompt
                complete = _ends(kind, body)
            elif cur is not None:
                output.append(line)
            continue
        close()
        host, text = m
        cur = Draft(_step_kind(kind, text), host, start + k, language=kind)
        body = [text]
        complete = _ends(kind, body)
    close()
    return drafts


def _prompt(kind: str, line: str) -> tuple[str, str] | None:
    if kind == "psql":
        m = PSQL_PROMPT.match(line)
        return (m.group(1), m.group(2) or "") if m else None
    if kind == "mysql":
        m = MYSQL_PROMPT.match(line)
        return ("", m.group(1)) if m else None
    m = REDIS_PROMPT.match(line)
    return (f"{m.group(1)}:{m.group(2)}", m.group(3)) if m else None


def _ends(kind: str, body: list[str]) -> bool:
    if kind == "redis":
        return True
    text = "\n".join(body).strip()
    return not text or text.startswith("\\") or text.endswith(";") or text.endswith("\\g")


def _step_kind(kind: str, text: str) -> StepKind:
    if kind == "redis":
        return StepKind.SHELL
    return StepKind.TEXT if text.strip().startswith("\\") else StepKind.SQL


def _statement(kind: str, body: list[str], host: str) -> str:
    text = "\n".join(body).strip()
    if kind == "redis":
        h, _, port = host.partition(":")
        try:
            words = shlex.split(text)
        except ValueError:
            words = text.split()
        args = " ".join(shlex.quote(w) for w in words)  # `KEYS *` must not meet the shell's glob
        return f"redis-cli -h {h} -p {port} {args}" if words else ""
    return text.rstrip(";").rstrip()
