"""Placeholders: found, filled from labels (folded, synonyms), quoted per context, SQL binds."""

from __future__ import annotations

import pytest

from tests.runbooks.helpers import step
from warroom.domain.errors import RunbookError
from warroom.domain.placeholders import (
    missing_values,
    placeholders_in,
    render_step,
    value_from_labels,
)
from warroom.domain.runbooks import StepKind


def test_found_but_never_redirections() -> None:
    assert placeholders_in("kubectl logs <pod-name> -n <namespace> > out.txt < in") == (
        "pod-name",
        "namespace",
    )
    assert placeholders_in("cat <<EOF\nx\nEOF") == ()
    assert placeholders_in("docker-compose up -d coordinator:<previous-tag>") == ("previous-tag",)
    assert placeholders_in("diff <(ls a) <(ls b)") == ()


@pytest.mark.parametrize(
    ("name", "labels", "value"),
    [
        ("pod-name", {"pod": "api-1"}, "api-1"),
        ("Pod_Name", {"pod_name": "api-1"}, "api-1"),
        ("service-name", {"service": "api"}, "api"),
        ("service", {"app": "api"}, "api"),
        ("host", {"instance": "db:5432"}, "db"),
        ("instance", {"instance": "db:5432"}, "db:5432"),
        ("namespace", {"ns": "prod"}, "prod"),
        ("attacker-ip", {"service": "api"}, None),
    ],
)
def test_filled_from_labels(name: str, labels: dict[str, str], value: str | None) -> None:
    assert value_from_labels(name, labels) == value


def test_missing_values_are_asked_for() -> None:
    s = step("iptables -A INPUT -s <attacker-ip> -j DROP; echo <service>")
    assert missing_values(s, {"service": "api"}) == ["attacker-ip"]
    with pytest.raises(RunbookError, match="<attacker-ip>"):
        render_step(s, {"service": "api"}, {})
    r = render_step(s, {"service": "api"}, {"attacker-ip": "203.0.113.9"})
    assert r.command == "iptables -A INPUT -s 203.0.113.9 -j DROP; echo api"


def test_typed_values_win_over_labels() -> None:
    r = render_step(step("echo <service>"), {"service": "api"}, {"service": "worker"})
    assert r.command == "echo worker"


def test_shell_quoting_follows_the_context() -> None:
    s = step("echo <v> \"in <v> dq\" 'in <v> sq'")
    r = render_step(s, {"v": "a b"}, {})
    assert r.command == "echo 'a b' \"in \"'a b'\" dq\" 'in ''a b'' sq'"


def test_sql_values_become_bind_parameters() -> None:
    s = step("SELECT * FROM t WHERE a = <id> AND b = '<name>' AND c LIKE '%<name>%'", StepKind.SQL)
    r = render_step(s, {"id": "7", "name": "x'y"}, {})
    assert r.command == "SELECT * FROM t WHERE a = $1 AND b = $2 AND c LIKE '%' || $2 || '%'"
    assert r.params == ("7", "x'y")


def test_promql_values_are_escaped_in_strings() -> None:
    r = render_step(step('up{job="<job>"}', StepKind.PROMQL), {"job": 'a"b'}, {})
    assert r.command == 'up{job="a\\"b"}'
    with pytest.raises(RunbookError):
        render_step(step("rate(x[<window>])", StepKind.PROMQL), {"window": "5m] or up[1"}, {})


def test_destructive_target() -> None:
    undo = step("kubectl rollout undo deployment/<service> -n <namespace>")
    r = render_step(undo, {"service": "api", "namespace": "prod"}, {})
    assert r.command == "kubectl rollout undo deployment/api -n prod" and r.target == "api"
    plain = render_step(step("kubectl rollout undo deployment/coordinator"), {}, {})
    assert plain.target == "coordinator"
    sql = render_step(
        step("SELECT pg_terminate_backend(pid) FROM pg_stat_activity", StepKind.SQL), {}, {}
    )
    assert sql.target == "pg_terminate_backend"
    assert render_step(step("uptime"), {}, {}).target == ""
