"""Who is at the keyboard: the one answer for the incident log's author and a silence's
createdBy, so one commander is never two people in the record."""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Mapping


def person_at_keyboard(
    configured: str = "",
    environ: Mapping[str, str] | None = None,
    hostname: str | None = None,
) -> str:
    """The configured `ui.user`, else SUDO_USER (the human behind sudo), USER or LOGNAME (then
    the login name) `@hostname`."""
    if configured.strip():
        return configured.strip()
    env = os.environ if environ is None else environ
    user = env.get("SUDO_USER") or env.get("USER") or env.get("LOGNAME") or ""
    if not user and environ is None:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (containers)
            user = ""
    user = user or "unknown"
    host = socket.gethostname() if hostname is None else hostname
    return f"{user}@{host}" if host else user
