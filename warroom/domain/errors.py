"""One family of errors, so services and the UI can catch without importing sources."""

from __future__ import annotations


class WarroomError(Exception):
    """Base for every error the console knows how to show in one line."""


class ConfigError(WarroomError):
    """A config file or flag is wrong; the message names the file and key."""


class SourceError(WarroomError):
    """A source (Prometheus, Alertmanager, PostgreSQL ...) could not answer."""


class SourceUnavailable(SourceError):
    """Connection refused, DNS failure, server down."""


class SourceTimeout(SourceError):
    """The server did not answer within its timeout."""


class SourceAuthError(SourceError):
    """The server refused our credentials (401/403)."""


class SourceBadResponse(SourceError):
    """The server answered with something we cannot read (5xx, malformed JSON)."""


class ReadOnlySource(SourceError):
    """The source cannot do this (e.g. silencing through Prometheus's alert API)."""


class RunbookError(WarroomError):
    """A runbook cannot be parsed or a step cannot be rendered."""


class StoreError(WarroomError):
    """The incident store failed."""
