"""Credentials for one HTTP server: where its secrets come from, which headers carry them,
and every form they can take in text (so `redact` can hide them from any message).

Secrets come from an environment variable or a file, never from the config inline; errors
name the place, never the value.
"""

from __future__ import annotations

import base64
import os
from urllib.parse import urlsplit, urlunsplit

from warroom.config import ServerConfig
from warroom.domain.errors import SourceAuthError, SourceError

USER_AGENT = "warroom/0.1"


def _read_secret(env: str, path: str, what: str, label: str) -> str:
    """A secret from an environment variable or a file; errors name the place, never the value."""
    if env:
        value = os.environ.get(env, "")
        if not value:
            raise SourceAuthError(f"{label}: {what}_env {env} is not set or empty")
        return value.strip()
    if path:
        try:
            with open(os.path.expanduser(path), encoding="utf-8") as fh:
                value = fh.read().strip()
        except OSError as exc:
            raise SourceAuthError(
                f"{label}: cannot read {what}_file {path}: {exc.strerror or exc}"
            ) from None
        if not value:
            raise SourceAuthError(f"{label}: {what}_file {path} is empty")
        return value
    return ""


def safe_url(url: str) -> str:
    """The URL without any user:password part, for messages and labels."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<url>"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def safe_label(server: ServerConfig) -> str:
    return server.name or safe_url(server.url)


def secret_values(server: ServerConfig) -> list[str]:
    """Every secret this server's config can resolve to, for `redact`: the token, the
    password, the base64 that basic auth sends, passwords in the URL, secret headers."""

    def quietly(env: str, path: str, what: str) -> str:
        try:
            return _read_secret(env, path, what, "")
        except SourceError:
            return ""

    token = quietly(server.token_env, server.token_file, "token")
    password = quietly(server.password_env, server.password_file, "password")
    found = [v for v in (token, password) if v]
    if server.username:
        found.append(_basic_token(server.username, password))
    userinfo = urlsplit(server.url).netloc.rpartition("@")[0]
    if userinfo:
        found.extend(p for p in userinfo.split(":") if len(p) >= 3)
        user, _, password = userinfo.partition(":")
        found.append(_basic_token(user, password))
    for key, value in server.headers.items():
        if _looks_secret(key) and value:
            found.append(value)
    return found


def _looks_secret(header: str) -> bool:
    h = header.lower()
    return any(w in h for w in ("auth", "token", "key", "secret", "cookie", "password"))


def _basic_token(user: str, password: str) -> str:
    """What `Authorization: Basic` carries for these credentials (it must never be shown)."""
    return base64.b64encode(f"{user}:{password}".encode()).decode()


# Dropped from a request redirected to another origin, with every configured header.
_CREDENTIAL_HEADERS = ("authorization", "proxy-authorization", "cookie", "x-api-key")


def credential_headers(server: ServerConfig) -> frozenset[str]:
    """Header names (lower case) that carry this server's credentials."""
    return frozenset((*_CREDENTIAL_HEADERS, *(k.lower() for k in server.headers)))


def origin(scheme: str, host: str, port: int | None) -> tuple[str, str, int]:
    """Where a URL points, as redirects compare it: scheme, host, port."""
    return (scheme, host.lower(), port or (443 if scheme == "https" else 80))


def auth_headers(server: ServerConfig) -> dict[str, str]:
    """Custom headers, then `Authorization: Bearer` from token_env/token_file (token wins)."""
    label = safe_label(server)
    headers = {"User-Agent": USER_AGENT, **dict(server.headers)}
    token = _read_secret(server.token_env, server.token_file, "token", label)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def basic_auth(server: ServerConfig) -> tuple[str, str] | None:
    if not server.username:
        return None
    password = _read_secret(
        server.password_env, server.password_file, "password", safe_label(server)
    )
    return (server.username, password)
