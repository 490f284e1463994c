"""Values into SQL steps: bind parameters for values, quoted identifiers for names.

A value never becomes SQL text. Where the statement needs a value it becomes `$n` (inside a
string literal the literal is split around it: `'%<x>%'` -> `'%' || $1 || '%'`). Where it needs
an identifier (after FROM, JOIN, TABLE, INTO, UPDATE, VACUUM, ANALYZE, REINDEX, INDEX…, or
next to a `.`), PostgreSQL does not accept a parameter, so the value becomes a quoted
identifier (`"my ""odd"" table"`), schema-qualified when it holds a dot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from warroom.domain.placeholders.names import Found
from warroom.domain.placeholders.values import UnsafeValue
from warroom.domain.shell_syntax.programs import word_set

IDENTIFIER_KEYWORDS = word_set(
    "FROM JOIN TABLE INTO UPDATE VACUUM ANALYZE ANALYSE REINDEX INDEX SCHEMA DATABASE "
    "SEQUENCE VIEW TRUNCATE LOCK COPY CLUSTER ROLE USER OWNED EXTENSION TABLESPACE "
    "TRIGGER FUNCTION PUBLICATION SUBSCRIPTION SLOT DESCRIBE"
)
_SKIPPED = word_set(
    "IF NOT EXISTS ONLY FULL FREEZE VERBOSE CONCURRENTLY SKIP_LOCKED MATERIALIZED UNIQUE "
    "LEFT RIGHT INNER OUTER CROSS NATURAL LATERAL"
)
_TOKEN = re.compile(r"\w+|\S")


def render(sql: str, found: list[Found], filled: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    regions = _regions(sql)
    numbers: dict[str, int] = {}
    params: list[str] = []
    out: list[str] = []
    pos = 0
    for f in found:
        out.append(sql[pos : f.start])
        pos = f.end
        value = filled[f.name]
        if "\x00" in value:
            raise UnsafeValue(f.name, value, "PostgreSQL text cannot hold a NUL byte")
        region = regions[f.start]
        if region == '"':
            out.append(value.replace('"', '""'))
            continue
        if region == "-":
            raise UnsafeValue(f.name, value, "it sits in an SQL comment or dollar quote")
        if region == "" and _is_identifier(sql, f.start, f.end):
            qualified = sql[f.start - 1 : f.start] == "." or sql[f.end : f.end + 1] == "."
            out.append(quote_identifier(f.name, value, split=not qualified))
            continue
        if f.name not in numbers:
            params.append(value)
            numbers[f.name] = len(params)
        ref = f"${numbers[f.name]}"
        out.append(f"' || {ref} || '" if region == "'" else ref)
    out.append(sql[pos:])
    text = "".join(out)
    text = re.sub(r"''\s\|\|\s(\$\d+)\s\|\|\s''", r"\1", text)
    text = re.sub(r"''\s\|\|\s(\$\d+)", r"\1", text)
    text = re.sub(r"(\$\d+)\s\|\|\s''", r"\1", text)
    return text, tuple(params)


def quote_identifier(name: str, value: str, *, split: bool = True) -> str:
    """`value` as a quoted identifier; `schema.table` as two unless the template qualifies it."""
    parts = value.split(".") if split else [value]
    if len(parts) > 3 or not all(p.strip() for p in parts):
        parts = [value]
    if not value.strip():
        raise UnsafeValue(name, value, "an empty identifier")
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def _regions(sql: str) -> list[str]:
    """Per character: '' code, "'" string literal, '"' quoted identifier, '-' comment/dollar."""
    marks = [""] * (len(sql) + 1)
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":
            j = i + 1
            while j < n:
                if sql[j] == c and sql.startswith(c * 2, j):
                    j += 2
                    continue
                if sql[j] == c:
                    break
                j += 1
            marks[i + 1 : j] = [c] * (j - i - 1)
            i = j + 1
            continue
        if sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            marks[i:j] = ["-"] * (j - i)
            i = j
            continue
        m = re.match(r"\$([A-Za-z_]\w*)?\$", sql[i:]) if c == "$" else None
        if m:
            end = sql.find(m.group(0), i + len(m.group(0)))
            end = n if end < 0 else end + len(m.group(0))
            marks[i:end] = ["-"] * (end - i)
            i = end
            continue
        i += 1
    return marks


def _is_identifier(sql: str, start: int, end: int) -> bool:
    if sql[start - 1 : start] == "." or sql[end : end + 1] == ".":
        return True
    tokens = [t.upper() for t in _TOKEN.findall(re.sub(r"'(?:[^']|'')*'", "''", sql[:start]))]
    depth = 0
    while tokens:
        t = tokens.pop()
        if t == ")":
            depth += 1
            continue
        if depth:
            depth -= t == "("
            continue
        if t in _SKIPPED or (t == "ANALYZE" and "VACUUM" in tokens[-3:]):
            continue
        if t == "TABLE" and tokens and tokens[-1] in {"LOCK", "TRUNCATE", "REINDEX", "ALTER"}:
            return True
        return t in IDENTIFIER_KEYWORDS
    return False
