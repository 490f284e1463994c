"""Shell steps: as risky as the riskiest simple command, looking through every wrapper.

Default-deny: a command is `read` only when it and every argument that changes what it does
are known read-only; anything unknown is `write`. Wrappers take the risk of what they wrap
(`sudo`, `env`, `timeout`, `nice`, `nohup`, `time`, `xargs`, `watch`, `bash -c`, `eval`,
`ssh host CMD`, `kubectl|oc exec -- CMD`, `docker exec`); heredocs are judged by what reads
them (a shell, psql); a redirection into a file is a write.
"""

from __future__ import annotations

import re

from warroom.domain import shell_syntax
from warroom.domain.runbooks import Risk
from warroom.domain.shell_syntax import programs as known
from warroom.domain.shell_syntax.memo import memo
from warroom.domain.step_risk.base import D, R, W, positional, words_of, worst
from warroom.domain.step_risk.lists import DESTRUCTIVE_COMMANDS, READ_COMMANDS, WRITE_COMMANDS
from warroom.domain.step_risk.platforms import PLATFORMS
from warroom.domain.step_risk.programs import HANDLERS
from warroom.domain.step_risk.sql import classify_sql

_PLACEHOLDER = re.compile(
    r"(?<![<\w])<([A-Za-z][A-Za-z0-9_.-]*(?: [A-Za-z0-9_.-]+){0,3})>(?![\w>])"
)
_SHELLS = known.SHELLS - {"busybox"}
_ARGV_WRAPPERS = {**known.WRAPPER_OPTIONS, "flock": frozenset({"-w", "--timeout", "-E"})}
_MUSTACHE = re.compile(r"\{\{[^{}]*\}\}")
_KEYWORDS = known.word_set("if then else elif fi do done esac while until ! { }")
_BUILTINS_READ = known.word_set(
    "for select case in export local declare typeset readonly cd pushd popd set shopt "
    "unset read return exit break continue wait shift trap getopts alias umask ulimit"
)


@memo()
def classify_shell(command: str) -> Risk:
    """The risk of a shell script (several lines, pipes, substitutions, heredocs)."""
    command = _PLACEHOLDER.sub("placeholder", _MUSTACHE.sub("placeholder", command))
    text, heredocs = shell_syntax.strip_heredocs(command)
    risks = [simple(words_of(part)) for part in shell_syntax.split_simple_commands(text)]
    risks += [_heredoc(opener, body) for opener, body in heredocs]
    if _writes_to_file(text):
        risks.append(W)
    return worst(*risks)


def _heredoc(opener: str, body: str) -> Risk:
    """A heredoc is as risky as its reader: a shell runs it, psql executes it."""
    words = [w for w in words_of(opener) if not re.fullmatch(r"\d?[<>]&?\S*", w)]
    reader = _innermost(words)
    base = simple(words)
    name = reader[0].rsplit("/", 1)[-1] if reader else ""
    if name in _SHELLS or (name == "ssh" and len(positional(reader[1:], known.SSH_OPTIONS)) <= 1):
        return classify_shell(body)  # the wrappers only carry it there
    if name in {"psql", "mysql", "mariadb", "sqlite3"}:
        return worst(base, classify_sql(body))
    if name == "redis-cli":
        return worst(
            base,
            *(simple(["redis-cli", *words_of(line)]) for line in body.splitlines() if line.strip()),
        )
    return base


def _innermost(words: list[str]) -> list[str]:
    """The argv at the end of a chain of wrappers (`sudo kubectl exec -i p -- psql`)."""
    while words:
        name = words[0].rsplit("/", 1)[-1]
        if name in _ARGV_WRAPPERS:
            rest = _unwrap(name, words[1:])
            if rest is None:
                return words
            words = rest
        elif name in {"kubectl", "oc"} and "--" in words:
            words = words[words.index("--") + 1 :]
        elif name in {"docker", "podman"} and "exec" in words:
            tail = words[words.index("exec") + 1 :]
            pos = [j for j, w in enumerate(tail) if not w.startswith("-")]
            words = tail[pos[0] + 1 :] if pos else []
        else:
            return words
    return words


def _writes_to_file(command: str) -> bool:
    """`> file` or `>> file` outside quotes, except /dev/null and fd duplication."""
    unquoted = re.sub(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"", "''", command)
    for m in re.finditer(r"(?<![<>&\d-])(?:\d|&)?>>?\|?\s*(&?)([^\s;|&]*)", unquoted):
        if m.group(1) or m.group(2) in {"/dev/null", "/dev/stdout", "/dev/stderr"}:
            continue
        if unquoted[max(0, m.start() - 1) : m.start()] in {"(", "$"}:
            continue
        return True
    return False


def _unwrap(name: str, args: list[str]) -> list[str] | None:
    """The wrapped argv of a wrapper, or None when it wraps nothing."""
    options, j = shell_syntax.wrapper_options(name, args, _ARGV_WRAPPERS[name], 0)
    for k in options:
        a = args[k]
        if name == "env" and (a.startswith("-S") or a == "--split-string"):
            return words_of(args[k + 1] if a == "-S" else a[2:].lstrip("="))
        if name in {"sudo", "doas"} and a in {"-s", "-i", "--shell", "--login"}:
            return ["bash", "-c", " ".join(args[k + 1 :])] if args[k + 1 :] else ["bash"]
    if name in {"timeout", "chrt", "taskset"}:
        j += 1
    if name == "flock" and j < len(args):
        j += 1
        if j < len(args) and args[j] in {"-c", "--command"}:
            return ["bash", "-c", " ".join(args[j + 1 :])]
    rest = args[j:]
    return rest or None


def simple(words: list[str]) -> Risk:
    """The risk of one simple command given as words."""
    while words and (
        re.match(r"^[A-Za-z_]\w*(\[[^\]]*\])?\+?=", words[0]) or words[0] in _KEYWORDS
    ):
        words = words[1:]
    if not words:
        return R
    name = words[0].rsplit("/", 1)[-1]
    args = words[1:]
    if name.startswith("$") or not name:
        return W  # a command chosen by a variable: unknown
    if name in _BUILTINS_READ or name in {"true", "false", ":", "[", "[[", "test", "]]"}:
        return W if name in {"trap", "alias"} and args else R
    if name in _ARGV_WRAPPERS:
        inner = _unwrap(name, args)
        if inner is None:
            return R if name in {"env", "time", "command", "nice", "ionice", "ulimit"} else W
        return simple(inner)
    if name in _SHELLS:
        return _shell(args)
    if name in {"su", "runuser", "script", "sg"}:
        script = _option_value(args, {"-c", "--command"})
        return classify_shell(script) if script is not None else W
    if name == "busybox" and args:
        return simple(args)
    if name == "chroot":
        rest = positional(args, frozenset({"--userspec", "--groups"}))
        return simple(args[args.index(rest[0]) + 1 :]) if len(rest) > 1 else W
    if name == "eval":
        return classify_shell(" ".join(args)) if args else R
    if name == "ssh":
        pos = positional(args, known.SSH_OPTIONS)
        return classify_shell(" ".join(pos[1:])) if len(pos) > 1 else W
    if name == "watch":
        rest = _after_options(args, known.WATCH_OPTIONS)
        if any(a in {"-x", "--exec"} for a in args[: len(args) - len(rest)]):
            return simple(rest) if rest else R
        return classify_shell(" ".join(rest)) if rest else R
    if name == "xargs":
        rest = _after_options(args, known.XARGS_OPTIONS)
        return simple(rest) if rest else R
    if name in PLATFORMS:
        return PLATFORMS[name](args, simple)
    if name in HANDLERS:
        return HANDLERS[name](args, simple)
    if name in DESTRUCTIVE_COMMANDS:
        return D
    if name in WRITE_COMMANDS:
        return W
    if name in READ_COMMANDS or _POWERSHELL_READ.fullmatch(name):
        return R
    return _cloud_cli(name, args)


def _shell(args: list[str]) -> Risk:
    if any(a.startswith("<<") and not a.startswith("<<<") for a in args):
        return R  # the script is a heredoc, judged on its own (`_heredoc`)
    for j, a in enumerate(args):
        if re.fullmatch(r"-[a-z]*c[a-z]*", a):
            return classify_shell(args[j + 1]) if j + 1 < len(args) else W
        if not a.startswith(("-", "+")):
            break
    return W  # a script file or stdin: could be anything


def _option_value(args: list[str], flags: set[str]) -> str | None:
    for j, a in enumerate(args[:-1]):
        if a in flags or ("-c" in flags and re.fullmatch(r"-[a-zA-Z]*c", a)):
            return args[j + 1]
    return None


def _after_options(args: list[str], takes_value: frozenset[str]) -> list[str]:
    j = 0
    while j < len(args) and args[j].startswith("-") and args[j] != "--":
        j += 2 if args[j] in takes_value else 1
    if j < len(args) and args[j] == "--":
        j += 1
    return args[j:]


# PowerShell's read-only verbs (`Get-Process`, `Test-NetConnection`, `Select-String`…).
_POWERSHELL_READ = re.compile(r"(Get|Test|Select|Measure|Format|Find|Resolve|Compare)-[A-Za-z]+")
_CLOUD = frozenset({"aws", "gcloud", "az", "doctl", "oci"})
_CLOUD_READ = re.compile(
    r"^(describe|list|get|show|ls|head|info|wait|whoami|version|help)([-_].*)?$"
)


def _cloud_cli(name: str, args: list[str]) -> Risk:
    """Cloud CLIs: `… describe-instances`, `… list`, `… show` read; anything else write."""
    if name not in _CLOUD:
        return W
    pos = positional(args, known.word_set("--region --profile --project --output -o --query"))
    verbs = [p for p in pos if _CLOUD_READ.match(p)]
    if any(
        re.match(r"^(delete|remove|terminate|destroy|purge|rm|stop|deregister)", p) for p in pos
    ):
        return D
    return (
        R
        if verbs
        and pos
        and pos[-1] not in {"delete"}
        and all(
            not re.match(r"^(create|update|put|set|start|stop|reboot|modify|attach|detach|run)", p)
            for p in pos
        )
        else W
    )
