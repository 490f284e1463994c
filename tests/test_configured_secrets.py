"""`configured_secrets`: every token, password, basic-auth credential and DSN password in one list."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from warroom.cli.live_wiring import configured_secrets, dsn_passwords
from warroom.config import parse_settings
from warroom.domain.redaction import redact


def test_every_configured_secret_is_gathered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_file = tmp_path / "am.token"
    token_file.write_text("file-token-7f3a9\n")
    monkeypatch.setenv("PROM_TOKEN", "env-token-51c2e")
    monkeypatch.setenv("AM_PASSWORD", "basic-pass-0d9e")
    monkeypatch.setenv("SIGNALS_DSN", "postgresql://ro:dsn%2Fpass-77@127.0.0.1/app")
    monkeypatch.setenv("PGPASSWORD", "libpq-pass-3311")
    settings = parse_settings(
        {
            "incident": {"store": "postgresql://w:store-pass-42@127.0.0.1/warroom?sslmode=disable"},
            "environments": {
                "prod": {
                    "prometheus": {"url": "https://prom.example", "token_env": "PROM_TOKEN"},
                    "alertmanagers": [
                        {"url": "https://am1.example", "token_file": str(token_file)},
                        {
                            "url": "https://am2.example",
                            "username": "ops",
                            "password_env": "AM_PASSWORD",
                            "headers": {"X-Api-Key": "header-key-9911", "X-Team": "sre"},
                        },
                    ],
                    "postgres": {"dsn_env": "SIGNALS_DSN"},
                },
                "staging": {
                    "prometheus": {"url": "https://u:url-pass-555@prom.staging.example"},
                    "postgres": {"dsn": "host=db user=x password='kv pass\\'9' dbname=y"},
                },
            },
        }
    )
    secrets = configured_secrets(settings)
    for expected in (
        "env-token-51c2e",
        "file-token-7f3a9",
        "basic-pass-0d9e",
        base64.b64encode(b"ops:basic-pass-0d9e").decode(),
        "header-key-9911",
        "dsn%2Fpass-77",
        "dsn/pass-77",
        "store-pass-42",
        "libpq-pass-3311",
        "url-pass-555",
        base64.b64encode(b"u:url-pass-555").decode(),
        "kv pass'9",
    ):
        assert expected in secrets, expected
    assert "sre" not in secrets and "ops" not in secrets  # names are not secrets
    dump = "\n".join(f"VAR{i}={s}" for i, s in enumerate(secrets))
    assert not any(s in redact(dump, secrets) for s in secrets)


def test_dsn_forms() -> None:
    assert set(dsn_passwords("postgresql://u:p%40ss1@h/db?password=q-1234")) == {
        "p%40ss1",
        "p@ss1",
        "q-1234",
    }
    assert dsn_passwords("host=h sslpassword=zz12 password=pw34") == ["zz12", "pw34"]
    assert dsn_passwords("postgresql://u@h/db") == []
    assert dsn_passwords("") == []
