"""Commands inside blocks: prompts and sample output, transcripts, scripts that share shell
state, shells a step opens, and which steps need the real terminal."""

from __future__ import annotations

import pytest

from tests.runbooks.helpers import section
from warroom.domain.runbook_parse.commands import terminal_use
from warroom.domain.runbooks import StepKind


def _steps(body: str, language: str = "bash") -> list[tuple[str, str, str]]:
    return [(s.kind.value, s.command, s.expected_output) for s in section(body, language).steps]


@pytest.mark.parametrize("language", ["bash", "shell", "console", "shell-session", "zsh", ""])
def test_prompts_mark_commands_and_the_rest_is_sample_output(language: str) -> None:
    body = "$ kubectl get pv\nNAME   STATUS\npv-1   Bound\n$ df -h /\nFilesystem  Size\n"
    assert _steps(body, language) == [
        ("shell", "kubectl get pv", "NAME   STATUS\npv-1   Bound"),
        ("shell", "df -h /", "Filesystem  Size"),
    ]


@pytest.mark.parametrize(
    "prompt",
    ["$ ", "alice@bastion:~$ ", "root@node-1:/var/log# ", "[alice@db1 ~]$ ", "% ", "(venv) $ "],
)
def test_prompt_forms(prompt: str) -> None:
    assert _steps(f"{prompt}uptime\n 10:00 up 3 days", "console") == [
        ("shell", "uptime", " 10:00 up 3 days")
    ]


def test_a_root_prompt_only_where_clearly_one() -> None:
    assert _steps("# systemctl restart nginx\n", "console") == [
        ("shell", "systemctl restart nginx", "")
    ]
    bash = section("# restart it\nsystemctl restart nginx", "bash").steps
    assert [(s.command, s.description) for s in bash] == [("systemctl restart nginx", "restart it")]


def test_a_prompted_command_continues_until_it_ends() -> None:
    body = "$ kubectl logs x | \\\n  grep err \\\n  | sort\nline of output \\\nmore\n$ ls"
    assert _steps(body) == [
        ("shell", "kubectl logs x | \\\n  grep err \\\n  | sort", "line of output \\\nmore"),
        ("shell", "ls", ""),
    ]


def test_untagged_and_console_blocks_without_prompts() -> None:
    assert _steps("kubectl delete pod -l k8s-app=kube-proxy -n kube-system", "") == [
        ("shell", "kubectl delete pod -l k8s-app=kube-proxy -n kube-system", "")
    ]
    assert _steps("kubectl get pods -n x", "console") == [("shell", "kubectl get pods -n x", "")]
    assert [k for k, _, _ in _steps("NAME  READY  STATUS\nweb-1 1/1 Running", "")] == ["text"]
    assert [k for k, _, _ in _steps("Then restart the service.", "")] == ["text"]


def test_output_lines_in_a_tagged_block_stay_with_the_command_before() -> None:
    body = (
        "kubectl edit cm -n kube-system kube-proxy-config\n...\nmetricsBindAddress: 0.0.0.0:10249"
    )
    assert _steps(body, "console") == [
        (
            "shell",
            "kubectl edit cm -n kube-system kube-proxy-config",
            "...\nmetricsBindAddress: 0.0.0.0:10249",
        )
    ]
    assert [k for k, _, _ in _steps("notAfter=Aug  6 13:11:20 2025 GMT", "shell")] == ["text"]


def test_psql_transcript() -> None:
    body = "app=# SELECT count(*)\napp-# FROM pg_locks;\n count\n-------\n     3\n(1 row)\n\napp=> \\dt\n"
    steps = section(body, "").steps
    assert [(s.kind, s.command, s.expected_output) for s in steps] == [
        (StepKind.SQL, "SELECT count(*)\nFROM pg_locks", " count\n-------\n     3\n(1 row)"),
        (StepKind.TEXT, "\\dt", ""),
    ]


def test_mysql_and_redis_transcripts() -> None:
    mysql = section("mysql> SHOW PROCESSLIST;\n+----+\n| Id |\n", "").steps
    assert [(s.kind, s.command) for s in mysql] == [(StepKind.SQL, "SHOW PROCESSLIST")]
    assert mysql[0].expected_output == "+----+\n| Id |"
    redis = section('127.0.0.1:6379> KEYS *\n1) "a"\nredis.local:6380> INFO memory\n', "").steps
    assert [s.command for s in redis] == [
        "redis-cli -h 127.0.0.1 -p 6379 KEYS '*'",
        "redis-cli -h redis.local -p 6380 INFO memory",
    ]
    assert redis[0].expected_output == '1) "a"'


def test_lines_that_share_state_are_one_script() -> None:
    body = 'POD=$(kubectl get po -o name | head -1)\nkubectl logs "$POD"\nuptime'
    steps = section(body).steps
    assert [(s.command, s.script) for s in steps] == [
        ('POD=$(kubectl get po -o name | head -1)\nkubectl logs "$POD"', True),
        ("uptime", False),
    ]


def test_a_function_defined_then_called_is_one_script() -> None:
    body = "check() {\n  curl -s http://127.0.0.1/$1\n}\necho start\ncheck health\ncheck ready"
    (step,) = section(body).steps
    assert step.script and step.command == body


@pytest.mark.parametrize("first", ["cd /var/log", "set -euo pipefail", "export KUBECONFIG=/k"])
def test_block_wide_state_joins_every_later_line(first: str) -> None:
    (step,) = section(f"{first}\nls\ntail -n 5 syslog").steps
    assert step.script and step.command.splitlines() == [first, "ls", "tail -n 5 syslog"]


def test_env_prefix_and_subshell_share_nothing() -> None:
    body = "LC_ALL=C sort f\n(cd /tmp && ls)\nls"
    assert [s.script for s in section(body).steps] == [False, False, False]


@pytest.mark.parametrize(
    ("opener", "inside"),
    [
        ("kubectl exec -it web-1 -- bash", "ls /data"),
        ("oc rsh web-1", "cat /etc/hosts"),
        ("oc debug node/worker-1", "chroot /host"),
        ("ssh admin@db1", "sudo systemctl status postgresql"),
        ("psql -h 127.0.0.1 app", "SELECT 1;"),
        ("kubectl exec -c etcdctl -n openshift-etcd etcd-0", "etcdctl endpoint health"),
    ],
)
def test_lines_after_a_shell_opener_are_shown_inside_it(opener: str, inside: str) -> None:
    (step,) = section(f"{opener}\n{inside}\nexit").steps
    assert step.command == opener and step.interactive
    assert step.session_lines == (inside, "exit")


def test_a_shell_opened_in_one_block_holds_the_next_blocks_until_exit() -> None:
    text = (
        "# X\n\n## NodeDiskFull\n\n```shell\n$ oc debug node/n1\n$ chroot /host\n```\n\n"
        "Then:\n\n```shell\n$ du -sh /var/lib/containers\n```\n\n"
        "```shell\n$ exit\n$ exit\n```\n\n```shell\n$ oc get nodes\n```\n"
    )
    from warroom.domain.runbook_parser import parse_runbook

    steps = parse_runbook(text, "x.md").sections[1].steps
    assert [(s.kind.value, s.command) for s in steps] == [
        ("shell", "oc debug node/n1"),
        ("text", "du -sh /var/lib/containers"),
        ("text", "exit\nexit"),
        ("shell", "oc get nodes"),
    ]
    assert steps[0].session_lines == ("chroot /host",)


@pytest.mark.parametrize(
    ("command", "interactive"),
    [
        ("kubectl exec -it web-1 -- sh", True),
        ("oc exec -ti web-1 -- psql", True),
        ("kubectl exec web-1 -- df -h", False),
        ("kubectl -n shop exec -it web-1 -- df -h", True),
        ("oc rsh web-1", True),
        ("kubectl debug -it web-1 --image=busybox", True),
        ("kubectl debug node/n1 -it --image=ubuntu", True),
        ("ssh db1", True),
        ("ssh -i key.pem -p 2222 admin@db1", True),
        ("ssh db1 uptime", False),
        ("psql -h 127.0.0.1 app", True),
        ("psql -h 127.0.0.1 app -c 'select 1'", False),
        ("redis-cli -h 127.0.0.1 -p 6379", True),
        ("redis-cli -h 127.0.0.1 INFO", False),
        ("watch -n 5 kubectl get pods", True),
        ("top", True),
        ("kubectl logs web-1 | less", True),
        ("kubectl edit deploy web", True),
        ("sudo -i", True),
        ("docker exec -it db psql -U app", True),
        ("docker exec db pg_isready", False),
        ("kubectl get pods", False),
        ("tail -n 100 /var/log/syslog", False),
    ],
)
def test_interactive_marks(command: str, interactive: bool) -> None:
    assert terminal_use(command)[0] is interactive
    assert section(command).steps[0].interactive is interactive


def test_output_columns_and_promql_in_shell_blocks_are_not_shell() -> None:
    body = (
        "kubectl get pods -A | grep Crash\n"
        "default     alertmanager-main-0     1/2     CrashLoopBackOff    37107\n"
        "sum by(job) (rate(http_requests_total[5m]))"
    )
    steps = section(body).steps
    assert [(s.kind, s.command) for s in steps] == [
        (StepKind.SHELL, "kubectl get pods -A | grep Crash"),
        (StepKind.PROMQL, "sum by(job) (rate(http_requests_total[5m]))"),
    ]
    assert steps[0].expected_output.startswith("default     alertmanager-main-0")


def test_a_prompt_in_a_promql_block_is_dropped() -> None:
    steps = section("$ up == 0\n\n# rate\nrate(x[5m])", "promql").steps
    assert [s.command for s in steps] == ["up == 0", "rate(x[5m])"]


def test_chat_commands_are_shown_not_run() -> None:
    steps = section("/chatops run feature set x false\nkubectl get pods", "shell").steps
    assert [(s.kind, s.command) for s in steps] == [
        (StepKind.TEXT, "/chatops run feature set x false"),
        (StepKind.SHELL, "kubectl get pods"),
    ]


@pytest.mark.parametrize(
    ("command", "opens"),
    [
        ("bash", True),
        ("sudo su - postgres", True),
        ("bash -x fix-things", False),
        ("bash -c 'ls /data'", False),
        ("chroot /host", True),
        ("chroot /host ls /var", False),
        ("nsenter -t 1 -m -- df -h", False),
        ("nsenter -t 1 -m -u -n -i", True),
        ("python3 cleanup.py", False),
        ("mysql -u root -p < dump.sql", False),
    ],
)
def test_which_commands_open_a_shell(command: str, opens: bool) -> None:
    assert terminal_use(command)[1] is opens


def test_heading_titles_lose_emphasis_not_their_characters() -> None:
    from warroom.domain.runbook_parse.headings import plain_title, slug

    assert plain_title("Renew `*.gitter.im` **now**") == "Renew *.gitter.im now"
    assert plain_title("snake_case_name and _emphasis_") == "snake_case_name and emphasis"
    assert slug("Renew `*.gitter.im` **now**") == "renew-gitterim-now"
