"""Incident stores: SQLite (embedded default) and PostgreSQL (shared across consoles)."""
