"""SQL steps, per statement: SELECTs read unless they call a function that changes things."""

from __future__ import annotations

import re

from warroom.domain.runbooks import Risk
from warroom.domain.step_risk.base import D, R, W, worst

_SQL_READ = re.compile(
    r"^\s*\(?\s*(SELECT|SHOW|EXPLAIN|VALUES|TABLE|WITH|DESCRIBE|DESC)\b", re.IGNORECASE
)
_SQL_DESTRUCTIVE = re.compile(r"^\s*(DROP|TRUNCATE|DELETE|KILL)\b", re.IGNORECASE)
_EXPLAIN_ANALYZE = re.compile(r"^\s*EXPLAIN\s*(\(|ANALY[SZ]E)", re.IGNORECASE)
_SQL_DESTRUCTIVE_FUNCS = re.compile(
    r"\b(pg_terminate_backend|pg_drop_replication_slot|lo_unlink|pg_promote|pg_replication_origin_drop)\s*\(",
    re.IGNORECASE,
)
_SQL_WRITE_FUNCS = re.compile(
    r"\b(pg_cancel_backend|pg_reload_conf|pg_rotate_logfile|setval|nextval|set_config|"
    r"pg_advisory_\w*lock\w*|pg_switch_wal|pg_create_restore_point|dblink_exec|dblink|"
    r"pg_stat_reset\w*|pg_create_\w+_slot|pg_wal_replay_\w+|pg_backup_\w+|lo_import|lo_export|"
    r"pg_read_\w*file|pg_ls_\w+|pg_log_backend_memory_contexts|pg_replication_slot_advance)\s*\(",
    re.IGNORECASE,
)
_SQL_WRITE_IN_READ = re.compile(
    r"\b(INSERT|UPDATE|DELETE|MERGE|FOR\s+UPDATE|FOR\s+SHARE|FOR\s+NO\s+KEY\s+UPDATE|FOR\s+KEY\s+SHARE|INTO)\b",
    re.IGNORECASE,
)


def classify_sql(sql: str) -> Risk:
    """Every statement judged; the script is as risky as its riskiest statement."""
    body = re.sub(r"--[^\n]*|/\*.*?\*/", " ", sql, flags=re.DOTALL)
    body = re.sub(r"\$(\w*)\$.*?\$\1\$", "''", body, flags=re.DOTALL)
    body = re.sub(r"'(?:[^']|'')*'", "''", body)
    body = re.sub(r"^\s*\\\S+.*$", ";", body, flags=re.MULTILINE)  # psql meta-commands
    risks = [_statement(s) for s in body.split(";") if s.strip()]
    return worst(*risks) if risks else R


def _statement(stmt: str) -> Risk:
    if _SQL_DESTRUCTIVE.match(stmt) or _SQL_DESTRUCTIVE_FUNCS.search(stmt):
        return D
    if re.search(r"\b(TO|FROM)\s+PROGRAM\b", stmt, re.IGNORECASE):
        return D  # COPY … PROGRAM runs a command on the database server
    if re.search(
        r"\bDELETE\s+FROM\b|\bDROP\s+(TABLE|DATABASE|SCHEMA|INDEX)\b", stmt, re.IGNORECASE
    ):
        return D  # inside a WITH or EXPLAIN ANALYZE
    if _SQL_READ.match(stmt):
        if (
            _SQL_WRITE_FUNCS.search(stmt)
            or _SQL_WRITE_IN_READ.search(stmt)
            or _EXPLAIN_ANALYZE.match(stmt)
        ):
            return W
        return R
    if re.match(r"^\s*(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION|END)\b", stmt, re.IGNORECASE):
        return R
    return W
