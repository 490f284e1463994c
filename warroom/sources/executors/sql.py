"""SQL steps through asyncpg against the configured database.

Read steps run inside a READ ONLY transaction, so a runbook that calls a SELECT "read" but
writes is refused by PostgreSQL itself; every session sets `statement_timeout`. Placeholder
values arrive as bind parameters and are converted to the types the server asks for.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import decimal
import json
import time
import uuid
from collections.abc import Sequence
from typing import Any

from warroom.domain.errors import SourceAuthError, SourceTimeout, SourceUnavailable
from warroom.domain.ports import OutputSink, RenderedStep, StepResult
from warroom.domain.runbooks import Risk, StepKind
from warroom.sources.executors.shell import ShellOptions, output_options
from warroom.sources.executors.step_output import emit_lines

CONNECT_TIMEOUT_S = 5.0
MAX_ROWS_SHOWN = 200


class SqlExecutor:
    name = "sql"

    def __init__(
        self, dsn: str, *, statement_timeout_ms: int = 5000, options: ShellOptions | None = None
    ) -> None:
        self.dsn = dsn
        self.statement_timeout_ms = statement_timeout_ms
        self.options = options

    def handles(self, rendered: RenderedStep) -> bool:
        return rendered.step.kind is StepKind.SQL and bool(self.dsn)

    async def execute(
        self, rendered: RenderedStep, emit: OutputSink, timeout_s: float
    ) -> StepResult:
        import asyncpg  # heavy: only when a SQL step runs

        started = time.monotonic()
        try:
            conn = await asyncpg.connect(
                self.dsn,
                timeout=min(CONNECT_TIMEOUT_S, timeout_s),
                server_settings={
                    "statement_timeout": str(self.statement_timeout_ms),
                    "application_name": "warroom-runbook",
                },
            )
        except (
            asyncpg.InvalidPasswordError,
            asyncpg.InvalidAuthorizationSpecificationError,
        ) as exc:
            raise SourceAuthError(f"database refused the login: {exc}") from exc
        except TimeoutError as exc:
            raise SourceTimeout(f"database did not answer in {CONNECT_TIMEOUT_S:g} s") from exc
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise SourceUnavailable(f"cannot connect to the database: {exc}") from exc
        cancelled = timed_out = False
        rows: list[Any] = []
        columns: list[str] = []
        status = ""
        error: str | None = None
        exit_code: int | None = 0
        try:
            work = self._run(conn, rendered)
            rows, columns, status = await asyncio.wait_for(work, timeout_s)
        except TimeoutError:
            timed_out, exit_code = True, None
            error = f"timed out after {timeout_s:g} s"
        except asyncio.CancelledError:
            cancelled, exit_code = True, None
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
        except asyncpg.QueryCanceledError as exc:
            exit_code, error = 1, f"ERROR:  {exc}"
            timed_out = "statement timeout" in str(exc)
        except (asyncpg.PostgresError, asyncpg.DataError, ValueError) as exc:
            exit_code, error = 1, f"ERROR:  {exc}"
        except (OSError, asyncpg.InterfaceError) as exc:
            raise SourceUnavailable(f"database connection lost: {exc}") from exc
        finally:
            if cancelled or timed_out:
                conn.terminate()
            else:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), 2.0)
        out_lines: list[str] = []
        if error:
            out_lines.append(error)
        elif cancelled:
            out_lines.append("[cancelled]")
        else:
            out_lines.extend(format_table(columns, rows))
            if status:
                out_lines.append(status)
        done = emit_lines(out_lines, emit, **output_options(self.options, rendered))
        return StepResult(
            exit_code=exit_code,
            duration_s=time.monotonic() - started,
            output=done.output,
            output_file=done.file,
            error=error,
            cancelled=cancelled,
            timed_out=timed_out,
            executor=self.name,
            rows=[tuple(r) for r in rows] if columns else None,
            columns=columns or None,
        )

    async def _run(self, conn: Any, rendered: RenderedStep) -> tuple[list[Any], list[str], str]:
        sql = rendered.command
        if rendered.risk is Risk.READ:
            async with conn.transaction(readonly=True):
                return await self._statement(conn, sql, rendered.params)
        return await self._statement(conn, sql, rendered.params)

    async def _statement(
        self, conn: Any, sql: str, params: Sequence[Any]
    ) -> tuple[list[Any], list[str], str]:
        stmt = await conn.prepare(sql)
        args = [
            convert_param(value, typ.name)
            for value, typ in zip(params, stmt.get_parameters(), strict=False)
        ]
        records = await stmt.fetch(*args)
        columns = [a.name for a in stmt.get_attributes()]
        rows = [tuple(r.values()) for r in records]
        return rows, columns, stmt.get_statusmsg() or ""


def convert_param(value: Any, type_name: str) -> Any:
    """A typed value (always text from labels or the keyboard) as the type asked for."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if type_name in {"int2", "int4", "int8", "oid"}:
        return int(text)
    if type_name in {"float4", "float8"}:
        return float(text)
    if type_name == "numeric":
        return decimal.Decimal(text)
    if type_name == "bool":
        return text.lower() in {"t", "true", "yes", "y", "1", "on"}
    if type_name == "uuid":
        return uuid.UUID(text)
    if type_name in {"timestamptz", "timestamp"}:
        return dt.datetime.fromisoformat(text)
    if type_name == "date":
        return dt.date.fromisoformat(text)
    if type_name == "interval":
        raise ValueError("write intervals as text in the runbook, e.g. $1::interval")
    if type_name in {"json", "jsonb"}:
        return json.dumps(json.loads(text))
    return value


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A psql-like table: header, rule, rows, `(n rows)`."""
    if not columns:
        return []
    shown = rows[:MAX_ROWS_SHOWN]
    cells = [["" if v is None else str(v) for v in row] for row in shown]
    widths = [len(c) for c in columns]
    for row in cells:
        for k, v in enumerate(row):
            widths[k] = max(widths[k], len(v.split("\n")[0]))
    lines = [" | ".join(c.ljust(widths[k]) for k, c in enumerate(columns)).rstrip()]
    lines.append("-+-".join("-" * w for w in widths))
    for row in cells:
        lines.append(
            " | ".join(v.split("\n")[0].ljust(widths[k]) for k, v in enumerate(row)).rstrip()
        )
    more = f", {len(rows) - len(shown)} not shown" if len(rows) > len(shown) else ""
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''}{more})")
    return lines
