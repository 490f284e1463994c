"""Placeholders: found, filled from labels (folded, synonyms), quoted per context, SQL binds."""

from __future__ import annotations

import shlex

import pytest

from tests.runbooks.helpers import step
from warroom.domain.errors import RunbookError
from warroom.domain.placeholders import (
    UnsafeValue,
    missing_values,
    placeholders_in,
    render_step,
    value_from_labels,
)
from warroom.domain.runbooks import Risk, StepKind


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


# --- every style, and which label fills it ------------------------------------------------


def test_every_style_is_found() -> None:
    cmd = (
        "oc get deploy -n $NAMESPACE ${DEPLOYMENT} <pod name> <my-namespace> "
        "{{ $labels.instance }} {{ job }} {{ .Labels.node }}"
    )
    assert placeholders_in(cmd) == (
        "NAMESPACE",
        "DEPLOYMENT",
        "pod name",
        "my-namespace",
        "instance",
        "job",
        "node",
    )


@pytest.mark.parametrize(
    "command",
    [
        "echo $HOME $PATH $PWD $USER $1 $@ $? $KUBECONFIG",
        "POD=api-0; kubectl logs $POD",
        "export NS=prod && kubectl get pods -n $NS",
        "for NODE in a b; do echo $NODE; done",
        "read -r ANSWER; echo $ANSWER",
        "awk '{print $NF, $NR}' f",
        "echo \\$LITERAL $lower",
        "SELECT $body$ text $body$",
    ],
)
def test_variables_that_are_not_placeholders(command: str) -> None:
    assert placeholders_in(command) == ()


def test_a_variable_used_before_its_assignment_is_a_placeholder() -> None:
    assert placeholders_in("echo $POD; POD=x; echo $POD") == ("POD",)


@pytest.mark.parametrize(
    ("name", "labels", "value"),
    [
        ("my-namespace", {"namespace": "prod"}, "prod"),
        ("your_namespace", {"ns": "prod"}, "prod"),
        ("NAMESPACE", {"namespace": "prod"}, "prod"),
        ("pod name", {"pod": "api-0"}, "api-0"),
        ("POD_NAME", {"pod": "api-0"}, "api-0"),
        ("my-pvc", {"persistentvolumeclaim": "data-0"}, "data-0"),
        ("persistentvolumeclaim", {"pvc": "data-0"}, "data-0"),
        ("TABLE_NAME", {"relname": "jobs"}, "jobs"),
        ("table", {"relname": "jobs"}, "jobs"),
        ("topic", {"topic": "orders"}, "orders"),
        ("kafka-topic", {"topic": "orders"}, "orders"),
        ("job", {"service": "api"}, "api"),
        ("service", {"job": "api"}, "api"),
        ("NODE", {"instance": "10.0.0.5:9100"}, "10.0.0.5"),
        ("host", {"instance": "[::1]:9100"}, "::1"),
        ("statefulset", {"statefulset": "kafka"}, "kafka"),
        ("deployment-name", {"deployment": "api"}, "api"),
        ("container", {"container": "app"}, "app"),
        ("topic", {"service": "api"}, None),
    ],
)
def test_labels_fill_by_folding_and_synonyms(
    name: str, labels: dict[str, str], value: str | None
) -> None:
    assert value_from_labels(name, labels) == value


def test_dollar_placeholders_are_filled_and_quoted() -> None:
    s = step("oc get deploy -n $NAMESPACE $DEPLOYMENT -o yaml")
    labels = {"namespace": "openshift-etcd", "deployment": "etcd operator"}
    assert missing_values(s, {}) == ["NAMESPACE", "DEPLOYMENT"]
    r = render_step(s, labels)
    assert r.command == "oc get deploy -n openshift-etcd 'etcd operator' -o yaml"


def test_mustache_placeholders_are_filled() -> None:
    r = render_step(step('echo {{ $labels.pod }} "{{ namespace }}"'), {"pod": "a b", "ns": "x"})
    assert r.command == 'echo \'a b\' ""x""'


# --- values that would change what the step does ------------------------------------------


@pytest.mark.parametrize(
    ("command", "value", "why"),
    [
        ("kubectl get pods <pod>", "-A", "starts with '-'"),
        ("kubectl delete pod <pod>", "--all", "starts with '-'"),
        ("docker logs <pod>", "-f", "starts with '-'"),
        ("rm -rf /data/<pod>", "../../etc", "climbs out"),
        ("ls dir/<pod>", "..", "climbs out"),
        ("awk '/<pod>/' f", "x", "awk program"),
        ("sed -n '/<pod>/p' f", "x", "sed script"),
        ("echo $(( <pod> + 1 ))", "1+1", "arithmetic"),
        ("psql -c \"SELECT '<pod>'\"", "x", "code run by psql"),
        ("python3 -c 'print(\"<pod>\")'", "x", "code run by python"),
        ("echo <pod> | sh", "x", "piped into"),
        ("<pod> --version", "kubectl", "name the program"),
        ("grep <pod> f", "a.*|b", "regex"),
        ("find . -name <pod> -delete", "*", "pattern"),
    ],
)
def test_unsafe_values_are_refused_with_one_line_reason(command: str, value: str, why: str) -> None:
    with pytest.raises(UnsafeValue, match=why) as caught:
        render_step(step(command), {"pod": value})
    message = str(caught.value)
    assert "\n" not in message and message.startswith("refused <pod> = ")


def test_safe_channels_take_any_value() -> None:
    hostile = "x'; touch /tmp/p; '"
    for command in (
        "awk -v want=<pod> '$1 == want' f",
        "jq --arg p <pod> '.items[] | select(.name == $p)' f",
        "grep -F -e <pod> f",
        "bash -c 'kubectl logs \"$1\"' _ <pod>",
        "psql -v pod=<pod> -f q.sql",
    ):
        assert shlex.quote(hostile) in render_step(step(command), {"pod": hostile}).command


def test_nested_shells_are_quoted_once_per_level() -> None:
    r = render_step(step('ssh bastion "kubectl logs <pod>"'), {"pod": "a b;c"})
    assert r.command == "ssh bastion \"kubectl logs \"''\"'\"'a b;c'\"'\"''\"\""


# --- SQL identifiers, HTTP, PromQL ---------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected", "params"),
    [
        ("VACUUM ANALYZE <TABLE_NAME>", 'VACUUM ANALYZE "jobs"', ()),
        ("VACUUM (VERBOSE, ANALYZE) <table>", 'VACUUM (VERBOSE, ANALYZE) "jobs"', ()),
        ("REINDEX TABLE <table>", 'REINDEX TABLE "jobs"', ()),
        ("SELECT * FROM <table> WHERE id = <id>", 'SELECT * FROM "jobs" WHERE id = $1', ("7",)),
        ("INSERT INTO <table> VALUES (<id>)", 'INSERT INTO "jobs" VALUES ($1)', ("7",)),
        ("UPDATE <table> SET a = '<id>'", 'UPDATE "jobs" SET a = $1', ("7",)),
        ("SELECT * FROM public.<table>", 'SELECT * FROM public."jobs"', ()),
        ('SELECT * FROM "<table>"', 'SELECT * FROM "jobs"', ()),
    ],
)
def test_sql_identifiers_are_quoted_values_are_bound(
    sql: str, expected: str, params: tuple[str, ...]
) -> None:
    r = render_step(step(sql, StepKind.SQL), {"relname": "jobs", "id": "7"})
    assert (r.command, r.params) == (expected, params)


def test_sql_identifier_with_quotes_and_schema() -> None:
    r = render_step(step("ANALYZE <table>", StepKind.SQL), {"table": 'app.we"ird'})
    assert r.command == 'ANALYZE "app"."we""ird"'


def test_http_url_parts_and_bodies() -> None:
    form = "POST http://<instance>/api/reason\nContent-Type: application/x-www-form-urlencoded\n\nreason=<why>&by=me"
    r = render_step(step(form, StepKind.HTTP), {"instance": "am:9093", "why": "x&reason=pwned"})
    assert r.command.splitlines()[0] == "POST http://am:9093/api/reason"
    assert r.command.splitlines()[-1] == "reason=x%26reason%3Dpwned&by=me"
    js = 'POST http://h/x?q=<why>\nContent-Type: application/json\n\n{"why": "<why>", "n": <n>}'
    r = render_step(step(js, StepKind.HTTP), {"why": 'a"b&c', "n": "3"})
    assert r.command.splitlines()[0] == "POST http://h/x?q=a%22b%26c"
    assert r.command.splitlines()[-1] == '{"why": "a\\"b&c", "n": 3}'
    with pytest.raises(UnsafeValue, match="host"):
        render_step(step("GET http://<instance>/x", StepKind.HTTP), {"instance": "a/b@evil"})
    with pytest.raises(UnsafeValue, match="climbs out"):
        render_step(step("GET http://h/api/<id>", StepKind.HTTP), {"id": "../admin"})


def test_http_method_value_is_judged() -> None:
    r = render_step(step("<method> http://h/items/1", StepKind.HTTP), {"method": "DELETE"})
    assert r.risk is Risk.DESTRUCTIVE


def test_promql_uses_the_literal_helper() -> None:
    r = render_step(
        step('rate(x{job=~"$job", pod="{{ pod }}"}[5m])', StepKind.PROMQL),
        {"job": "a.*", "pod": 'p"'},
    )
    assert r.command == 'rate(x{job=~"a\\\\.\\\\*", pod="p\\""}[5m])'


@pytest.mark.parametrize(
    ("command", "value", "why"),
    [
        ('kubectl patch deploy api -p \'{"spec":{"replicas":<v>}}\'', '3,"paused":true', "JSON"),
        ('curl -d \'{"a":"<v>"}\' http://h/x', 'b","admin":true,"c":"', "string"),
        ("curl -d 'a=1&reason=<v>' http://h/x", "x&admin=1", "form field"),
        ("kubectl delete pods -l app=<v>", "x,app!=y", "selector"),
        ("promtool query instant http://p 'up{job=\"<v>\"}'", 'a"} or vector(1) #', "string"),
        (
            "cat <<EOF | kubectl apply -f -\nmetadata:\n  name: <v>\nEOF",
            "{privileged: true}",
            "YAML",
        ),
        ("kubectl apply -f - <<EOF\nspec:\n  replicas: <v>\nEOF", "1\n  paused: true", "lines"),
    ],
)
def test_a_value_cannot_change_the_syntax_of_the_argument_it_sits_in(
    command: str, value: str, why: str
) -> None:
    with pytest.raises(UnsafeValue, match=why):
        render_step(step(command), {"v": value})


def test_plain_values_in_structured_arguments_still_fill() -> None:
    r = render_step(step('kubectl patch deploy api -p \'{"spec":{"replicas":<v>}}\''), {"v": "3"})
    assert r.command == "kubectl patch deploy api -p '{\"spec\":{\"replicas\":'3'}}'"
    r = render_step(step("kubectl delete pods -l app=<v> -n prod"), {"v": "api"})
    assert r.command == "kubectl delete pods -l app=api -n prod" and r.risk is Risk.DESTRUCTIVE
    assert r.target == "api"


def test_http_whole_url_and_form_body_without_content_type() -> None:
    r = render_step(step("GET <url>", StepKind.HTTP), {"url": "http://prom:9090/api/v1/query?q=up"})
    assert r.command == "GET http://prom:9090/api/v1/query?q=up"
    with pytest.raises(UnsafeValue, match="http"):
        render_step(step("GET <url>", StepKind.HTTP), {"url": "file:///etc/passwd"})
    r = render_step(step("POST http://h/x\n\nreason=<v>&by=me", StepKind.HTTP), {"v": "a&admin=1"})
    assert r.command.endswith("reason=a%26admin%3D1&by=me")


@pytest.mark.parametrize(
    "command",
    [
        'script -qc "echo <v>" /dev/null',
        "busybox sh -c 'echo <v>'",
        "chroot /host sh -c 'echo <v>'",
        "bash -euo pipefail -c 'echo <v>'",
        "su - app -c 'echo <v>'",
        'docker run --rm alpine sh -c "echo <v>"',
    ],
)
def test_less_common_shells_are_still_quoted_twice(command: str) -> None:
    r = render_step(step(command), {"v": "a b"})
    assert "''\"'\"'a b'\"'\"''" in r.command, r.command


def test_gnu_parallel_is_refused() -> None:
    with pytest.raises(UnsafeValue, match="parallel"):
        render_step(step("parallel echo ::: <v>"), {"v": "x"})


def test_jq_takes_a_value_inside_its_string_literals_only() -> None:
    template = step("kubectl get pod -ojson | jq -r '.items[] | select(.name==\"<v>\") | .name'")
    r = render_step(template, {"v": 'a"b\\(1)'})
    assert r.command.endswith("select(.name==\"''a\\\"b\\\\(1)''\") | .name'")
    with pytest.raises(UnsafeValue, match="jq program"):
        render_step(step("jq '.items[<v>]'"), {"v": "0"})


def test_curl_of_a_whole_url_value_takes_only_http() -> None:
    r = render_step(step("curl -s <url>"), {"url": "http://prom:9090/api/v1/query?query=up"})
    assert r.command == "curl -s 'http://prom:9090/api/v1/query?query=up'"
    with pytest.raises(UnsafeValue, match="http"):
        render_step(step("curl -s <url>"), {"url": "file:///root/.kube/config"})


def test_a_go_template_keeps_its_own_braces() -> None:
    """`kubectl -o template` / `docker inspect -f` programs are not placeholders; a label one
    beside them still is."""
    tpl = "kubectl get nodes -o template --template='{{range .items}}{{.metadata.name}}{{end}}'"
    assert placeholders_in(tpl) == ()
    assert placeholders_in('docker inspect -f "{{ .State.Pid }}" {{ $labels.container }}') == (
        "container",
    )
    assert placeholders_in("curl {{ service }}/health") == ("service",)
