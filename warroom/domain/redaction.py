"""Scrub secrets from text that leaves the console: screen, store, step output, errors, exports.

Timelines collect what people paste: curl lines with bearer tokens, DSNs with passwords, env
dumps. Exports go to wikis and chat, so everything is passed through `redact` first. The rules
lean towards over-redacting: a hidden commit hash costs a lookup, a leaked key costs a rotation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "[REDACTED]"

_KEY_WORDS = (
    r"password|passwd|pwd|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token"
    r"|api[_-]?key|apikey|private[_-]?key|aws[_-]?secret[_-]?access[_-]?key"
)

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # HTTP headers: Authorization / Proxy-Authorization / X-Api-Key / Cookie: everything after it
    (
        re.compile(
            r"(?i)\b((?:proxy-)?authorization|x-api-key|x-auth-token|cookie|set-cookie)"
            r"(\s*[:=]\s*)(\"[^\"]*\"|'[^']*'|[^\r\n'\"]+)"
        ),
        rf"\1\2{MASK}",
    ),
    # Bearer / Basic / Token schemes wherever they appear
    (re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9._~+/=-]{8,}"), rf"\1\2{MASK}"),
    (
        re.compile(r"(?i)\b(basic|token)(\s+)(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}"),
        rf"\1\2{MASK}",
    ),
    # URLs and DSNs with credentials: scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*:)([^@\s/]+)(@)"), rf"\1{MASK}\3"),
    # key=value / key: value / "key": "value" for secret-looking keys
    (
        re.compile(
            rf"(?i)([\"']?\b[\w.-]*(?:{_KEY_WORDS})[\w.-]*[\"']?\s*[:=]\s*)"
            r"(\"[^\"]*\"|'[^']*'|[^\s,;&'\"]+)"
        ),
        rf"\1{MASK}",
    ),
    # command-line flags: --password x, -p x is too ambiguous to touch
    (re.compile(rf"(?i)(--(?:{_KEY_WORDS})[\w-]*\s+)(\S+)"), rf"\1{MASK}"),
    # PostgreSQL connection strings in key=value form: password=... handled above
    # AWS access key ids and GitHub / Slack / Google style tokens
    (re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"), MASK),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"), MASK),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"), MASK),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), MASK),
    # JSON web tokens
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"), MASK),
    # private key blocks
    (
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S
        ),
        MASK,
    ),
    # long hex strings (API keys, session ids, hashes): 32+ hex digits
    (re.compile(r"(?<![A-Za-z0-9])[0-9a-fA-F]{32,}(?![A-Za-z0-9])"), MASK),
)

# long base64/base64url runs that mix upper, lower and digits look like keys, not words
_B64 = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/_-])")


# One cheap search first: most timeline text holds no secret and skips every rule below.
_TRIGGER = re.compile(
    rf"(?i)authorization|x-api-key|x-auth-token|cookie|bearer|basic|token|://|{_KEY_WORDS}"
    r"|AKIA|ASIA|AGPA|AIDA|AROA|gh[pousr]_|xox|AIza|eyJ|-----BEGIN|[A-Za-z0-9+/_-]{32}"
)


def _looks_random(token: str) -> bool:
    """Mixed case and digits (base64 keys), or long letters-and-digits without a slash."""
    digit = any(c.isdigit() for c in token)
    lower = any(c.islower() for c in token)
    upper = any(c.isupper() for c in token)
    if digit and lower and upper:
        return True
    return len(token) >= 40 and digit and (lower or upper) and "/" not in token


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with secrets replaced by [REDACTED]; `secrets` are exact strings to hide too
    (e.g. the configured tokens and the store password)."""
    if not text:
        return text
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    if not _TRIGGER.search(text):
        return text
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    return _B64.sub(lambda m: MASK if _looks_random(m.group(0)) else m.group(0), text)


_DSN_QUERY_SECRET = re.compile(r"(?i)([?&](?:password|passwd|pwd|sslpassword)=)([^&#]*)")
_DSN_KV_SECRET = re.compile(
    r"(?i)(\b(?:password|passwd|pwd|sslpassword)\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)"
)


def redact_dsn(dsn: str) -> str:
    """A database DSN safe to show or log: the password in `user:password@`, in a `?password=`
    query parameter and in a libpq `key=value` string replaced by [REDACTED]; the rest kept so
    the commander can see which server it is. The one DSN redaction (stores and sources)."""
    if not dsn:
        return dsn
    if "://" in dsn:
        scheme, rest = dsn.split("://", 1)
        netloc, sep, tail = rest.partition("/")
        if "?" in netloc:  # postgresql://host?password=x has no path
            netloc, _, query = netloc.partition("?")
            sep, tail = "?", query + (sep + tail if sep else "")
        if "@" in netloc:
            creds, host = netloc.rsplit("@", 1)
            if ":" in creds:
                creds = creds.split(":", 1)[0] + ":" + MASK
            netloc = f"{creds}@{host}"
        return _DSN_QUERY_SECRET.sub(rf"\1{MASK}", f"{scheme}://{netloc}{sep}{tail}")
    return _DSN_KV_SECRET.sub(rf"\1{MASK}", dsn)
