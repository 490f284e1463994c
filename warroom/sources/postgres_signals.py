"""Golden signals straight from PostgreSQL (`[[signals]] source = "postgres"`).

The reference runbooks measure connections with `pg_stat_activity` and queue depth with a count
over a jobs table: a SQL signal is a query returning one number. Each sample runs in a
READ ONLY transaction with `SET LOCAL statement_timeout`, so a signal can neither write nor
hang the database. In the SQL, `$service` is a bind parameter (write `queue = $service`,
no quotes): the service name is never spliced into the text.

asyncpg is imported on first use; the pool is created lazily and reused.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from warroom.config import PostgresConfig
from warroom.domain.clock import Clock, SystemClock
from warroom.domain.errors import (
    SourceAuthError,
    SourceBadResponse,
    SourceError,
    SourceTimeout,
    SourceUnavailable,
)
from warroom.domain.redaction import redact, redact_dsn
from warroom.domain.signals import Sample, SignalSpec

if TYPE_CHECKING:
    import asyncpg

_SERVICE = re.compile(r"\$service\b")


def bind_service(sql: str, service: str | None) -> tuple[str, tuple[Any, ...]]:
    """`$service` -> `$1` with the service as a parameter ("" when none is in scope)."""
    if not _SERVICE.search(sql):
        return sql, ()
    return _SERVICE.sub("$1", sql), (service or "",)


def _scrub_error(text: str, dsn: str) -> str:
    """`text` (an error message) with the DSN shown by `redact_dsn` and its password hidden even
    where the driver quotes it alone."""
    if not dsn:
        return redact(text)
    parts = urlsplit(dsn) if "://" in dsn else None
    passwords = [parts.password or ""] if parts is not None else []
    passwords += [v for k, v in parse_qsl(parts.query if parts else "") if "pass" in k.lower()]
    return redact(text.replace(dsn, redact_dsn(dsn)), passwords)


class PostgresSignals:
    """A SignalSource over asyncpg; `history()` is empty (SQL signals build history by sampling)."""

    def __init__(
        self, cfg: PostgresConfig, clock: Clock | None = None, name: str = "postgres"
    ) -> None:
        self.cfg = cfg
        self.name = name
        self.clock = clock or SystemClock()
        self._pool: asyncpg.Pool | None = None
        self._pool_lock = asyncio.Lock()

    @property
    def timeout_s(self) -> float:
        return max(1.0, self.cfg.statement_timeout_ms / 1000 + 1.0)

    async def _get_pool(self) -> asyncpg.Pool:
        import asyncpg

        async with self._pool_lock:
            if self._pool is None:
                dsn = self.cfg.resolved_dsn()
                if not dsn:
                    where = f"env {self.cfg.dsn_env}" if self.cfg.dsn_env else "postgres.dsn"
                    raise SourceUnavailable(f"{self.name}: no DSN configured ({where} is empty)")
                self._pool = await asyncpg.create_pool(
                    dsn,
                    min_size=0,
                    max_size=4,
                    timeout=self.timeout_s,
                    command_timeout=self.timeout_s,
                    server_settings={"application_name": "warroom-signals"},
                )
            return self._pool

    async def sample(self, spec: SignalSpec, service: str | None) -> Sample:
        """Run the signal's query once and return its single number."""
        import asyncpg

        sql, args = bind_service(spec.query, service)
        dsn = self.cfg.resolved_dsn()
        try:
            async with asyncio.timeout(self.timeout_s * 2):
                pool = await self._get_pool()
                async with (
                    pool.acquire(timeout=self.timeout_s) as conn,
                    conn.transaction(readonly=True),
                ):
                    await conn.execute(
                        f"SET LOCAL statement_timeout = {int(self.cfg.statement_timeout_ms)}"
                    )
                    value = await conn.fetchval(sql, *args, timeout=self.timeout_s)
        except SourceError:
            raise
        except asyncpg.QueryCanceledError:
            raise SourceTimeout(
                f"{self.name}: {spec.name} exceeded statement_timeout "
                f"({self.cfg.statement_timeout_ms} ms)"
            ) from None
        except TimeoutError:
            raise SourceTimeout(f"{self.name}: no answer within {self.timeout_s:g}s") from None
        except asyncpg.ReadOnlySQLTransactionError:
            raise SourceBadResponse(
                f"{self.name}: {spec.name} tried to write (signals run read-only)"
            ) from None
        except (
            asyncpg.InvalidPasswordError,
            asyncpg.InvalidAuthorizationSpecificationError,
        ) as exc:
            raise SourceAuthError(f"{self.name}: {_scrub_error(str(exc), dsn)}") from None
        except asyncpg.PostgresError as exc:
            message = _scrub_error(
                str(exc).splitlines()[0] if str(exc) else type(exc).__name__, dsn
            )
            if isinstance(exc, asyncpg.CannotConnectNowError):
                raise SourceUnavailable(f"{self.name}: {message}") from None
            raise SourceBadResponse(f"{self.name}: {spec.name}: {message}") from None
        except (OSError, asyncpg.InterfaceError, ConnectionError) as exc:
            detail = _scrub_error(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, dsn)
            raise SourceUnavailable(f"{self.name}: cannot reach PostgreSQL ({detail})") from None
        return Sample(at=self.clock.now(), value=self._number(spec, value))

    def _number(self, spec: SignalSpec, value: Any) -> float:
        if value is None:
            raise SourceBadResponse(f"no data for {spec.name}")
        if isinstance(value, bool):
            return float(value)
        if isinstance(value, int | float | Decimal):
            return float(value)
        raise SourceBadResponse(
            f"{self.name}: {spec.name} returned {type(value).__name__}, expected one number"
        )

    async def history(self, spec: SignalSpec, service: str | None, end: datetime) -> list[Sample]:
        return []

    async def aclose(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await asyncio.wait_for(pool.close(), timeout=5)
            except (TimeoutError, OSError):
                pool.terminate()
