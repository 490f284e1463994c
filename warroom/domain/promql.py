"""PromQL built, not pasted: values placed into queries as string (or regex) literals.

A `job` label of `demo"}[5m])) * 0 or vector(0.01) #` pasted into `job=~"$service"` rewrites
the query, and `.*` pasted into a regex matcher selects every service. Label values come from
whoever writes a scrape target, so a value only ever becomes the *contents* of a string literal:
escaped for the literal (Go string rules, as PromQL's lexer reads them) and, after `=~`/`!~`,
escaped as a regex literal first (RE2 accepts a backslash before any punctuation, so Python's
`re.escape` gives RE2-safe output).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from warroom.domain.errors import RunbookError

# `$name`, `${name}` and `<name>` placeholders.
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)|<([A-Za-z][\w.-]*)>")
_BARE_SAFE = re.compile(r"[A-Za-z0-9_:.]+")
_MATCH_OP = re.compile(r"(=~|!~|!=|=)\s*$")


def string_literal_body(value: str) -> str:
    """`value` escaped to sit between double quotes in PromQL."""
    out: list[str] = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def regex_literal(value: str) -> str:
    """`value` matched literally by an RE2 regex (PromQL anchors matchers at both ends)."""
    return re.escape(value)


def _name(m: re.Match[str]) -> str:
    return m.group(1) or m.group(2) or m.group(3)


def fill(query: str, value_of: Callable[[str], str | None] | Mapping[str, str]) -> str:
    """`query` with its placeholders replaced by escaped values.

    Inside a quoted string the value is escaped for it (and as a regex after `=~`/`!~`);
    outside any string only a bare identifier, number or duration may stand in (a label name,
    `5m`), anything else raises RunbookError. A placeholder without a value is left as it is.
    """
    lookup = value_of.get if isinstance(value_of, Mapping) else value_of
    out: list[str] = []
    i, n = 0, len(query)
    quote: str | None = None  # the quote character of the string we are inside
    opened_at = 0
    while i < n:
        ch = query[i]
        if quote is not None and ch == "\\" and quote != "`":
            out.append(query[i : i + 2])
            i += 2
            continue
        if quote is not None and ch == quote:
            quote = None
        elif quote is None and ch in "\"'`":
            quote, opened_at = ch, i
        m = PLACEHOLDER.match(query, i) if ch in "$<" else None
        if m is None:
            out.append(ch)
            i += 1
            continue
        value = lookup(_name(m))
        if value is None:
            out.append(m.group(0))
        elif quote is None:
            if not _BARE_SAFE.fullmatch(value):
                raise RunbookError(
                    f"value {value!r} for {m.group(0)} cannot stand outside a string in PromQL"
                )
            out.append(value)
        else:
            op = _MATCH_OP.search(query[:opened_at])
            regex = op is not None and op.group(1) in ("=~", "!~")
            literal = regex_literal(value) if regex else value
            if quote == "`":
                if "`" in literal:
                    raise RunbookError(f"value {value!r} cannot sit inside a `raw` PromQL string")
                out.append(literal)
            else:
                out.append(string_literal_body(literal))
        i = m.end()
    return "".join(out)
