"""The hostile-values table: every payload in every context, rendered, then really run.

Each value fills `<v>` of a step template (plain, quoted, heredocs, awk, sed, find, env, sort,
`[[ -gt ]]`, `$(( ))`, `(( ))`, psql -c, bash -c, eval, heredoc and here-string into a shell,
xargs sh -c, ssh host "…", kubectl/docker exec -- sh -c, interpreters…). A value is either
refused with a one-line reason naming it, or the rendered command runs in a real bash sandbox
(`tests/runbooks/sandbox.py`): no marker file may appear, no canary change or vanish, no `rm`
argument leave the working directory, no SQL row change. Where the step prints the value,
it must come out byte for byte.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.runbooks import sandbox
from tests.runbooks.helpers import Sink, step
from warroom.domain.errors import RunbookError
from warroom.domain.placeholders import UnsafeValue, render_step
from warroom.domain.placeholders.values import shown
from warroom.domain.ports import RenderedStep
from warroom.domain.runbooks import Risk, StepKind
from warroom.sources.executors.sql import SqlExecutor

PAYLOADS = sandbox.HOSTILE_VALUES

PRINTS = "printf '%s\\n'"
PRINTS_DQ = 'printf "%s\\n"'  # for templates that are single-quoted themselves


@dataclass(frozen=True)
class Context:
    """One place a placeholder can sit; `echo` when the step prints the value back."""

    name: str
    template: str
    echo: str | None = None  # the line the value must come out as (`{v}` = the value)
    psql: bool = False


CONTEXTS = [
    Context("plain", f"{PRINTS} <v>", "{v}"),
    Context("double", f'{PRINTS} "[<v>]"', "[{v}]"),
    Context("single", f"{PRINTS} '[<v>]'", "[{v}]"),
    Context("heredoc", "cat <<EOF\n[<v>]\nEOF", "[{v}]"),
    Context("heredoc-quoted", "cat <<'EOF'\n[<v>]\nEOF", "[{v}]"),
    Context("awk-program", "awk '/<v>/ {print}' keep.txt"),
    Context("awk-v", 'awk -v want=<v> \'BEGIN {print "[" want "]"}\''),
    Context("find-start", "find <v> -name '*.tmp'"),
    Context("find-name", "find . -name <v>"),
    Context("find-exec", f"find dir -name '*.tmp' -exec {PRINTS} <v> ';'", "{v}"),
    Context("sed", "sed -n '/<v>/p' keep.txt"),
    Context("env", "env <v>"),
    Context("env-assign", 'env WANT=<v> sh -c \'printf "%s\\n" "$WANT"\'', "{v}"),
    Context("sort", "sort <v>"),
    Context("double-brackets", "[[ <v> -gt 5 ]] && echo big"),
    Context("arith", "echo $(( <v> + 1 ))"),
    Context("arith-command", "(( <v> > 1 )) && echo yes"),
    Context("let", "let x=<v>; echo $x"),
    Context("bash-c-double", f'bash -c "{PRINTS} <v>"', "{v}"),
    Context("bash-c-single", f"bash -c '{PRINTS_DQ} <v>'", "{v}"),
    Context("bash-c-inner-double", 'bash -c \'printf "%s\\n" "<v>"\'', "{v}"),
    Context("bash-c-argument", 'bash -c \'printf "%s\\n" "$1"\' _ <v>', "{v}"),
    Context("sh-c", f'sh -c "{PRINTS} [<v>]"', "[{v}]"),
    Context("eval-words", "eval printf '%s\\\\n' <v>", "{v}"),
    Context("eval-string", f'eval "{PRINTS} <v>"', "{v}"),
    Context("heredoc-bash", f"bash <<EOF\n{PRINTS} <v>\nEOF", "{v}"),
    Context("heredoc-sh-quoted", "sh <<'EOF'\nprintf '%s\\n' \"<v>\"\nEOF", "{v}"),
    Context("here-string-bash", f'bash <<< "{PRINTS} <v>"', "{v}"),
    Context("xargs-sh-c", f"echo go | xargs sh -c '{PRINTS_DQ} <v>'", "{v}"),
    Context("xargs-I-sh-c", 'echo go | xargs -I{} sh -c \'printf "%s\\n" "{} <v>"\'', "go {v}"),
    Context("ssh-string", f'ssh -o BatchMode=yes bastion "{PRINTS} <v>"', "{v}"),
    Context("ssh-words", "ssh bastion printf '%s\\\\n' <v>", "{v}"),
    Context(
        "ssh-kubectl-sh-c",
        'ssh bastion "kubectl exec api-0 -- sh -c \'printf \\"%s\\\\n\\" <v>\'"',
        "{v}",
    ),
    Context("kubectl-exec-sh-c", f"kubectl exec -n prod api-0 -- sh -c '{PRINTS_DQ} <v>'", "{v}"),
    Context("kubectl-exec-argv", f"kubectl exec api-0 -c app -- {PRINTS} <v>", "{v}"),
    Context("docker-exec-sh-c", f'docker exec -u app api sh -c "{PRINTS} <v>"', "{v}"),
    Context("timeout-sh-c", f"timeout 5 sh -c '{PRINTS_DQ} <v>'", "{v}"),
    Context("nice-bash-c", f'nice -n 5 bash -c "{PRINTS} <v>"', "{v}"),
    Context("trap", f"trap '{PRINTS_DQ} <v>' EXIT", "{v}"),
    Context("backticks", "echo `printf '%s' <v>`"),
    Context("backticks-in-double", 'echo "`printf %s <v>`"'),
    Context("backticks-kubectl", "kubectl -n <v> delete pod `kubectl -n <v> get pod -o name`"),
    Context("substitution", f'{PRINTS} "$(printf %s <v>)"'),  # $( ) drops trailing newlines
    Context("json-argument", 'kubectl patch deploy api -p \'{"metadata":{"name":"<v>"}}\''),
    Context("selector", "kubectl delete pods -n prod -l app=<v>"),
    Context("yaml-heredoc", "cat <<EOF | kubectl apply -f -\nmetadata:\n  name: <v>\nEOF"),
    Context("script-qc", f'script -qc "{PRINTS} <v>" /dev/null'),
    Context("flock-c", f'flock {"/tmp"} -c "{PRINTS} <v>"', "{v}"),
    Context("busybox-sh-c", f"busybox sh -c '{PRINTS_DQ} <v>'", "{v}"),
    Context("bash-o-pipefail", f"bash -euo pipefail -c '{PRINTS_DQ} <v>'", "{v}"),
    Context("docker-run-sh-c", f'docker run --rm -i alpine sh -c "{PRINTS} <v>"', "{v}"),
    Context(
        "kubectl-run-sh-c",
        f"kubectl run t --rm -i --image=busybox -- sh -c '{PRINTS_DQ} <v>'",
        "{v}",
    ),
    Context("env-i-sh-c", f"env -i PATH=\"$PATH\" sh -c '{PRINTS_DQ} <v>'", "{v}"),
    Context("subshell", f"( cd dir && {PRINTS} <v> )", "{v}"),
    Context("brace-group", f"{{ {PRINTS} <v>; }}", "{v}"),
    Context("if-test", f'if [ -n "<v>" ]; then {PRINTS} "<v>"; fi', "{v}"),
    Context("for-loop", 'for x in <v>; do printf "%s\\n" "$x"; done', "{v}"),
    Context("case", "case <v> in *) echo hit;; esac", "hit"),
    Context("piped-into-xargs-sh", "echo <v> | xargs -I{} sh -c 'echo {}'"),
    Context("watch-string", "watch -n 1 -g 'echo <v>' </dev/null; true"),
    Context("piped-into-bash", "echo 'echo <v>' | bash"),
    Context("grep-regex", "grep <v> keep.txt"),
    Context("grep-fixed", "grep -F -e <v> keep.txt || true"),
    Context("jq-program", "jq -n '\"<v>\"'"),
    Context(
        "jq-string-literal",
        "echo '{\"items\": []}' | jq -r '.items[] | select(.name == \"<v>\") | .name'",
    ),
    Context("jq-arg", "jq -rn --arg v <v> '$v'", "{v}"),
    Context("python-code", "python3 -c \"print('<v>')\""),
    Context("perl-code", "perl -e 'print \"<v>\\n\"'"),
    Context("rm-under-dir", "rm -rf dir/<v>"),
    Context("dollar-style", f"{PRINTS} $V_VALUE", "{v}"),
    Context("mustache-style", f"{PRINTS} {{{{ $labels.v }}}}", "{v}"),
    Context(
        "psql-c", "psql -X -At -c \"SELECT count(*) FROM users WHERE name = '<v>'\"", psql=True
    ),
    Context("psql-v", "psql -X -At -v who=<v> -c 'SELECT count(*) FROM users'", psql=True),
]


def _value(payload: str, marker: Path) -> str:
    return payload.replace("{m}", str(marker))


@pytest.fixture
def users_db(postgres_dsn: str) -> Iterator[str]:
    _psql(postgres_dsn, "CREATE TABLE users (name text, note text)")
    _psql(postgres_dsn, "INSERT INTO users VALUES ('alice', 'a'), ('bob', 'b'), ('carol', 'c')")
    yield postgres_dsn


def _psql(dsn: str, sql: str) -> str:
    env = sandbox.pg_env(dsn)
    out = subprocess.run(
        ["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return out.stdout


def _rows(dsn: str) -> str:
    return _psql(dsn, "SELECT name, note FROM users ORDER BY name")


def test_the_table_is_big_enough() -> None:
    assert len(set(PAYLOADS)) == len(PAYLOADS) >= 300
    assert len(CONTEXTS) >= 70
    assert len(PAYLOADS) * 4 + len(RISK_CHANGING) >= 100


def _refusal_says_why(exc: UnsafeValue, value: str) -> None:
    """One line that names the value and what is wrong with it where it sits."""
    message = str(exc)
    assert "\n" not in message and message.startswith("refused <"), message
    assert exc.value == value and shown(value) in message, message
    assert len(exc.reason.split()) >= 3 and exc.reason in message, message


@pytest.mark.parametrize("context", CONTEXTS, ids=[c.name for c in CONTEXTS])
def test_hostile_values_never_run(context: Context, tmp_path: Path, users_db: str) -> None:
    """Every value in this context: refused with its reason, or run in the sandbox (all of a
    context's commands in one bash, each in its own subshell) with nothing touched."""
    box = sandbox.build(tmp_path / "box", sandbox.pg_env(users_db))
    before, rows = box.snapshot(), _rows(users_db)
    template = context.template.replace("$V_VALUE", "$V")
    accepted: list[tuple[str, str]] = []
    for payload in PAYLOADS:
        value = _value(payload, box.marker)
        try:
            rendered = render_step(step(template), {"v": value, "V": value})
        except UnsafeValue as exc:
            _refusal_says_why(exc, value)
            continue
        accepted.append((value, rendered.command))
    ran = box.run_all([command for _, command in accepted], tmp_path / "batch")
    if box.marker.exists() or box.snapshot() != before or _rm_escaped(box):
        pytest.fail(f"{context.name}: {_culprit(context, accepted, tmp_path, users_db)}")
    for (value, _), one in zip(accepted, ran, strict=True):
        if context.echo is not None:
            where = f"{context.name}: {value!r} -> {one.command!r}\n{one.stdout}{one.stderr}"
            assert context.echo.format(v=value) + "\n" in one.stdout, where
    assert _rows(users_db) == rows


def _rm_escaped(box: sandbox.Sandbox) -> list[str]:
    """What `rm` was asked to delete outside the working directory."""
    work = box.work.resolve()
    return [
        arg
        for arg in box.rm_arguments()
        if not arg.startswith("-") and not (work / arg).resolve().is_relative_to(work)
    ]


def _culprit(context: Context, accepted: list[tuple[str, str]], tmp_path: Path, dsn: str) -> str:
    """The first command that, run alone in a fresh sandbox, touches something."""
    for k, (value, command) in enumerate(accepted):
        box = sandbox.build(tmp_path / f"alone{k}", sandbox.pg_env(dsn))
        before = box.snapshot()
        proc = box.run(command.replace(str(tmp_path / "box"), str(box.root)))
        if box.marker.exists() or box.snapshot() != before or _rm_escaped(box):
            return f"{value!r} -> {command!r}\n{proc.stdout}{proc.stderr}"
    return "a command touched the sandbox, but none does alone"


SQL_TEMPLATES = [
    "SELECT count(*) FROM users WHERE name = '<v>'",
    "SELECT count(*) FROM users WHERE name LIKE '%<v>%'",
    "SELECT count(*) FROM users WHERE name = <v>",
    "DELETE FROM users WHERE name = '<v>'",
    "UPDATE users SET note = 'x' WHERE name = <v>",
    "SELECT count(*) FROM <v>",
    "ANALYZE <v>",
]


@pytest.mark.parametrize("template", SQL_TEMPLATES)
async def test_hostile_values_in_sql_steps_are_data(template: str, users_db: str) -> None:
    """Every value: refused, or sent as a bind parameter beside the same statement text an
    honest value gets (then the server never reads it as SQL). The statements whose text does
    depend on the value, and the first table's values, really run against PostgreSQL."""
    rows = _rows(users_db)
    executor = SqlExecutor(users_db)
    honest = render_step(step(template, StepKind.SQL), {"v": "alice"})
    first_table = set(sandbox.CLASSIC_VALUES)
    to_run = []
    for payload in PAYLOADS:
        value = _value(payload, Path("/nonexistent/m"))
        try:
            rendered = render_step(step(template, StepKind.SQL), {"v": value})
        except UnsafeValue as exc:
            _refusal_says_why(exc, value)
            continue
        as_data = rendered.command == honest.command and value in rendered.params
        if not as_data or payload in first_table:
            to_run.append(rendered)
    gate = asyncio.Semaphore(8)  # a few connections at once: the server forks one per run

    async def run(rendered: RenderedStep) -> None:
        async with gate:
            await executor.execute(rendered, Sink(), 10)

    await asyncio.gather(*(run(r) for r in to_run))
    assert _rows(users_db) == rows, (template, [r.command for r in to_run])
    assert len(to_run) >= len(first_table) // 2


RISK_CHANGING = [
    ("kubectl scale deployment/api --replicas=<v>", "0", Risk.DESTRUCTIVE),
    ("kubectl scale deployment/api --replicas <v>", "0", Risk.DESTRUCTIVE),
    ("kubectl delete pod <v>", "--all", None),
    ("kubectl delete pod <v> -n prod", "-A", None),
    ("curl -s -X <v> http://127.0.0.1:9/items/1", "DELETE", Risk.DESTRUCTIVE),
    ("curl -s -X <v> http://127.0.0.1:9/items/1", "POST", Risk.WRITE),
    ("rm -rf dir/<v>", "../../..", None),
    ("rm -rf dir/<v>", "../../../../etc", None),
    ("rm -rf dir/<v>", "", None),
    ("kubectl get pods <v>", "-A", None),
    ("kubectl get pods <v>", "--all-namespaces", None),
    ("docker logs <v>", "-f", None),
    ("docker logs <v>", "--follow", None),
    ("redis-cli -h cache <v>", "FLUSHALL", Risk.DESTRUCTIVE),
    ("systemctl <v> nginx", "stop", Risk.DESTRUCTIVE),
    ("date <v>", "+%s", Risk.WRITE),  # never lower than the template, which may set the clock
    ("date <v>", "0101000026", Risk.WRITE),
    ("kubectl rollout <v> deployment/api", "undo", Risk.DESTRUCTIVE),
    ("git push origin <v>", "+main", Risk.DESTRUCTIVE),
    ("git push origin <v>", ":main", Risk.DESTRUCTIVE),
]


@pytest.mark.parametrize(("template", "value", "risk"), RISK_CHANGING)
def test_a_value_that_changes_the_risk_is_judged_or_refused(
    template: str, value: str, risk: Risk | None
) -> None:
    s = step(template)
    assert s.risk is not Risk.DESTRUCTIVE or risk is None or risk is Risk.DESTRUCTIVE
    if risk is None:
        with pytest.raises(UnsafeValue) as caught:
            render_step(s, {"v": value})
        assert value in str(caught.value) or not value, str(caught.value)
        return
    rendered = render_step(s, {"v": value})
    assert rendered.risk is risk, rendered.command
    assert rendered.risk.value != "read" or s.risk is Risk.READ
    if risk is Risk.DESTRUCTIVE:
        assert rendered.target, "a destructive step needs a target to type"


def test_an_unknown_kind_fails_loudly() -> None:
    from dataclasses import replace

    s = replace(step("echo <v>"), kind="mystery")  # type: ignore[arg-type]
    with pytest.raises(RunbookError, match="unknown step kind 'mystery'"):
        render_step(s, {"v": "x"})
