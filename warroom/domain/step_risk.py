"""How dangerous a step is: `read` (only looks), `write` (changes state) or `destructive`.

The rule of the house: a command not known to be read-only is `write`. Only commands on the
read lists below are `read`; anything that deletes, cuts off or cannot be undone is
`destructive`. A shell step is as risky as the riskiest simple command in it, including the
ones inside `$( … )`, and any redirection into a file is a write.
"""

from __future__ import annotations

import re
import shlex

from warroom.domain.runbooks import Risk, StepKind
from warroom.domain.shell_syntax import split_simple_commands

_PLACEHOLDER = re.compile(r"(?<![<\w])<([A-Za-z][A-Za-z0-9_.-]*)>(?![\w>])")
_ORDER = {Risk.READ: 0, Risk.WRITE: 1, Risk.DESTRUCTIVE: 2}

READ_COMMANDS = frozenset(
    [
        "ls",
        "cat",
        "grep",
        "egrep",
        "fgrep",
        "zgrep",
        "rg",
        "head",
        "tail",
        "less",
        "more",
        "echo",
        "printf",
        "ps",
        "top",
        "htop",
        "df",
        "du",
        "free",
        "uptime",
        "netstat",
        "ss",
        "lsof",
        "ping",
        "ping6",
        "dig",
        "nslookup",
        "host",
        "traceroute",
        "tracepath",
        "mtr",
        "jq",
        "yq",
        "awk",
        "sort",
        "uniq",
        "wc",
        "cut",
        "tr",
        "date",
        "hostname",
        "whoami",
        "id",
        "env",
        "printenv",
        "which",
        "type",
        "command",
        "true",
        "false",
        "sleep",
        "test",
        "[",
        "[[",
        "journalctl",
        "dmesg",
        "iostat",
        "vmstat",
        "mpstat",
        "sar",
        "pidstat",
        "pg_isready",
        "stat",
        "file",
        "find",
        "tree",
        "nc",
        "ncat",
        "openssl",
        "base64",
        "md5sum",
        "sha256sum",
        "diff",
        "cmp",
        "column",
        "realpath",
        "basename",
        "dirname",
        "readlink",
        "getent",
        "nproc",
        "lscpu",
        "lsblk",
        "lsmem",
        "ip",
        "ifconfig",
        "arp",
        "route",
        "w",
        "who",
        "last",
        "uname",
        "timedatectl",
        "hostnamectl",
        "findstr",
        "promtool",
        "Get-Process",
        "Test-NetConnection",
        "Get-Service",
        "Get-Content",
        "Get-EventLog",
        "Select-String",
    ]
)

_WRAPPERS = frozenset({"sudo", "timeout", "nice", "time", "nohup", "ionice", "stdbuf", "watch"})

_DESTRUCTIVE_COMMANDS = frozenset(
    [
        "kill",
        "pkill",
        "killall",
        "dd",
        "mkfs",
        "shred",
        "wipefs",
        "fdisk",
        "parted",
        "truncate",
        "shutdown",
        "reboot",
        "halt",
        "poweroff",
        "pg_restore",
        "dropdb",
        "dropuser",
        "userdel",
    ]
)

_SQL_READ = re.compile(r"^\s*(SELECT|SHOW|EXPLAIN|VALUES|TABLE|WITH)\b", re.IGNORECASE)
_SQL_DESTRUCTIVE = re.compile(r"^\s*(DROP|TRUNCATE|DELETE)\b", re.IGNORECASE)
_SQL_DESTRUCTIVE_FUNCS = re.compile(
    r"\b(pg_terminate_backend|pg_drop_replication_slot|lo_unlink|pg_promote)\s*\(", re.IGNORECASE
)
_SQL_WRITE_FUNCS = re.compile(
    r"\b(pg_cancel_backend|pg_reload_conf|pg_rotate_logfile|setval|nextval|set_config|"
    r"pg_advisory_\w*lock\w*|pg_switch_wal|pg_create_restore_point|dblink_exec|"
    r"pg_stat_reset\w*|pg_create_\w+_slot)\s*\(",
    re.IGNORECASE,
)
_SQL_WRITE_IN_READ = re.compile(
    r"\b(INSERT|UPDATE|DELETE|FOR\s+UPDATE|FOR\s+SHARE|FOR\s+NO\s+KEY\s+UPDATE|INTO)\b",
    re.IGNORECASE,
)


def worst(*risks: Risk) -> Risk:
    return max(risks, key=_ORDER.__getitem__, default=Risk.READ)


def classify(kind: StepKind, command: str) -> Risk:
    """The risk of one step."""
    if kind is StepKind.TEXT or kind is StepKind.PROMQL:
        return Risk.READ
    if kind is StepKind.SQL:
        return classify_sql(command)
    if kind is StepKind.HTTP:
        return classify_http(command)
    return classify_shell(command)


def classify_http(request: str) -> Risk:
    method = request.strip().split(None, 1)[0].upper() if request.strip() else "GET"
    if method in {"GET", "HEAD", "OPTIONS"}:
        return Risk.READ
    if method == "DELETE":
        return Risk.DESTRUCTIVE
    return Risk.WRITE


def classify_sql(sql: str) -> Risk:
    """Per statement: SELECTs are read unless they call a function that changes things."""
    body = re.sub(r"--[^\n]*", " ", sql)
    body = re.sub(r"'(?:[^']|'')*'", "''", body)
    risks = [_sql_statement(s) for s in body.split(";") if s.strip()]
    return worst(*risks) if risks else Risk.READ


def _sql_statement(stmt: str) -> Risk:
    if _SQL_DESTRUCTIVE.match(stmt) or _SQL_DESTRUCTIVE_FUNCS.search(stmt):
        return Risk.DESTRUCTIVE
    if _SQL_READ.match(stmt):
        if _SQL_WRITE_FUNCS.search(stmt) or _SQL_WRITE_IN_READ.search(stmt):
            return Risk.WRITE
        return Risk.READ
    return Risk.WRITE


def classify_shell(command: str) -> Risk:
    command = _PLACEHOLDER.sub("placeholder", command)  # `<pod>` is a word, not redirections
    risks = [_simple(part) for part in split_simple_commands(command)]
    if _writes_to_file(command):
        risks.append(Risk.WRITE)
    return worst(*risks) if risks else Risk.READ


def _writes_to_file(command: str) -> bool:
    """`> file` or `>> file` outside quotes, except /dev/null and fd duplication."""
    unquoted = re.sub(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"", "''", command)
    for m in re.finditer(r"(?<![<>&\d-])\d?>>?\s*(&?)([^\s;|&]*)", unquoted):
        if m.group(1) or m.group(2) in {"/dev/null", "/dev/stdout", "/dev/stderr"}:
            continue
        return True
    return False


def _words(part: str) -> list[str]:
    try:
        return shlex.split(part, comments=True)
    except ValueError:
        return part.split()


def _simple(part: str) -> Risk:
    words = _words(part)
    while words and (re.match(r"^[A-Za-z_]\w*=", words[0]) or words[0] in {"!", "{", "}"}):
        words = words[1:]
    if not words:
        return Risk.READ
    name = words[0].rsplit("/", 1)[-1]
    args = words[1:]
    if name in {"if", "then", "else", "elif", "fi", "do", "done", "esac", "while", "until"}:
        return _simple(" ".join(shlex.quote(w) for w in args)) if args else Risk.READ
    if name in {"for", "select", "case", "in", "export", "local", "declare", "readonly"}:
        return Risk.READ
    if name in _WRAPPERS:
        rest = [a for a in args if not a.startswith("-") and not re.fullmatch(r"[\d.]+[smhd]?", a)]
        return _simple(" ".join(shlex.quote(w) for w in rest)) if rest else Risk.READ
    if name in _DESTRUCTIVE_COMMANDS:
        return Risk.DESTRUCTIVE
    handler = _HANDLERS.get(name)
    if handler:
        return handler(args)
    if name in READ_COMMANDS:
        return Risk.READ
    if re.fullmatch(r"Get-[A-Za-z]+|Test-[A-Za-z]+", name):
        return Risk.READ
    return Risk.WRITE


def _positional(args: list[str]) -> list[str]:
    return [a for a in args if not a.startswith("-")]


def _rm(args: list[str]) -> Risk:
    return Risk.DESTRUCTIVE


def _sed(args: list[str]) -> Risk:
    return Risk.WRITE if any(a.startswith("-i") or a == "--in-place" for a in args) else Risk.READ


def _curl(args: list[str]) -> Risk:
    method = "GET"
    for i, a in enumerate(args):
        if a in {"-X", "--request"} and i + 1 < len(args):
            method = args[i + 1].upper()
        elif a.startswith("-X") and len(a) > 2:
            method = a[2:].upper()
        elif a in {"-d", "--data", "--data-raw", "--data-binary", "-F", "--form", "-T"}:
            method = "POST" if method == "GET" else method
        elif a in {"-o", "--output", "-O"} and i + 1 < len(args) and args[i + 1] != "/dev/null":
            return Risk.WRITE
    if method in {"GET", "HEAD", "OPTIONS"}:
        return Risk.READ
    return Risk.DESTRUCTIVE if method == "DELETE" else Risk.WRITE


def _wget(args: list[str]) -> Risk:
    return Risk.READ if "--spider" in args or "-qO-" in args or "-O-" in args else Risk.WRITE


def _systemctl(args: list[str]) -> Risk:
    sub = _positional(args)[:1]
    if sub and sub[0] in {
        "status",
        "is-active",
        "is-enabled",
        "is-failed",
        "list-units",
        "show",
        "cat",
        "list-timers",
    }:
        return Risk.READ
    return Risk.WRITE


def _service(args: list[str]) -> Risk:
    return Risk.READ if "status" in args else Risk.WRITE


def _git(args: list[str]) -> Risk:
    sub = _positional(args)[:1]
    if sub and sub[0] in {
        "log",
        "status",
        "diff",
        "show",
        "blame",
        "branch",
        "tag",
        "describe",
        "rev-parse",
        "ls-files",
        "shortlog",
        "reflog",
    }:
        return Risk.READ
    if (
        sub
        and sub[0] in {"reset", "clean", "push"}
        and any(a in {"--hard", "-f", "--force", "-fd", "-fdx"} for a in args)
    ):
        return Risk.DESTRUCTIVE
    return Risk.WRITE


def _iptables(args: list[str]) -> Risk:
    joined = " ".join(args)
    if re.search(r"(^|\s)-(D|F|X|Z)\b|--delete|--flush", joined):
        return Risk.DESTRUCTIVE
    if re.search(r"-j\s+(DROP|REJECT)", joined):
        return Risk.DESTRUCTIVE
    if re.search(r"(^|\s)-(L|S|nL|nvL|vnL)\b|--list", joined):
        return Risk.READ
    return Risk.WRITE


def _ufw(args: list[str]) -> Risk:
    if any(a in {"deny", "reject", "delete", "reset", "disable", "limit"} for a in args):
        return Risk.DESTRUCTIVE
    return Risk.READ if args[:1] == ["status"] else Risk.WRITE


def _redis(args: list[str]) -> Risk:
    # skip options and their values (-h host -p port -n db)
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in {"-h", "-p", "-a", "-n", "-u", "--user", "--pass"} else 1
    pos = args[i:]
    if not pos:
        return Risk.READ
    cmd = pos[0].upper()
    if cmd in {"FLUSHALL", "FLUSHDB", "DEL", "UNLINK", "SHUTDOWN", "DEBUG"}:
        return Risk.DESTRUCTIVE
    if cmd == "CLIENT":
        return Risk.DESTRUCTIVE if "KILL" in (p.upper() for p in pos) else Risk.READ
    if cmd in {
        "PING",
        "INFO",
        "GET",
        "MGET",
        "KEYS",
        "SCAN",
        "TTL",
        "PTTL",
        "TYPE",
        "EXISTS",
        "LLEN",
        "LRANGE",
        "HGET",
        "HGETALL",
        "SMEMBERS",
        "SCARD",
        "ZCARD",
        "ZRANGE",
        "DBSIZE",
        "SLOWLOG",
        "MEMORY",
        "LATENCY",
        "XLEN",
        "XINFO",
        "STRLEN",
    }:
        return Risk.READ
    if cmd == "CONFIG" and len(pos) > 1 and pos[1].upper() == "GET":
        return Risk.READ
    return Risk.WRITE


def _psql(args: list[str]) -> Risk:
    sqls = [args[i + 1] for i, a in enumerate(args[:-1]) if a in {"-c", "--command"}]
    sqls += [a.split("=", 1)[1] for a in args if a.startswith("--command=")]
    if any(a in {"-f", "--file"} or a.startswith("--file=") for a in args):
        return Risk.WRITE
    if not sqls:
        return Risk.WRITE  # interactive or fed from stdin: could be anything
    return worst(*(classify_sql(s) for s in sqls))


def _docker(args: list[str]) -> Risk:
    pos = [a for a in args if not a.startswith("-")]
    if not pos:
        return Risk.READ
    sub = pos[0]
    if sub in {"compose"}:
        return _compose(args[args.index("compose") + 1 :])
    if sub in {
        "ps",
        "logs",
        "inspect",
        "stats",
        "images",
        "top",
        "events",
        "version",
        "info",
        "port",
        "diff",
        "history",
        "search",
    }:
        return Risk.READ
    if sub in {"rm", "rmi", "kill", "prune"} or (
        sub in {"system", "volume", "container", "image", "network", "builder"}
        and len(pos) > 1
        and pos[1] in {"prune", "rm", "remove"}
    ):
        return Risk.DESTRUCTIVE
    if sub == "exec":
        return _docker_exec(args[args.index("exec") + 1 :])
    if sub in {"container"} and len(pos) > 1 and pos[1] in {"ls", "inspect", "logs"}:
        return Risk.READ
    return Risk.WRITE


def _docker_exec(args: list[str]) -> Risk:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        takes_value = args[i] in {"-e", "--env", "-u", "--user", "-w", "--workdir", "--env-file"}
        i += 2 if takes_value else 1
    inner = args[i + 1 :]
    if not inner:
        return Risk.WRITE
    return _simple(" ".join(shlex.quote(w) for w in inner))


def _compose(args: list[str]) -> Risk:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        takes_value = args[i] in {
            "-f",
            "--file",
            "-p",
            "--project-name",
            "--project-directory",
            "--env-file",
            "--profile",
        }
        i += 2 if takes_value else 1
    rest = args[i:]
    if not rest:
        return Risk.READ
    sub = rest[0]
    if sub in {"ps", "logs", "config", "top", "images", "ls", "version", "port", "events"}:
        return Risk.READ
    if sub in {"down", "rm", "kill"}:
        return Risk.DESTRUCTIVE
    if sub == "exec":
        return _docker_exec(rest[1:])
    return Risk.WRITE


def _kubectl(args: list[str]) -> Risk:
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in {
            "-n",
            "--namespace",
            "--context",
            "-l",
            "--selector",
            "-o",
            "--output",
            "-c",
            "--container",
            "--kubeconfig",
            "--tail",
            "--since",
        }:
            i += 2
            continue
        if not a.startswith("-"):
            pos.append(a)
        i += 1
    if not pos:
        return Risk.READ
    sub = pos[0]
    if sub in {
        "get",
        "describe",
        "logs",
        "top",
        "explain",
        "version",
        "api-resources",
        "api-versions",
        "cluster-info",
        "events",
        "diff",
    }:
        return Risk.READ
    if sub == "auth" or (
        sub == "config" and pos[1:2] in (["view"], ["get-contexts"], ["current-context"])
    ):
        return Risk.READ
    if sub == "rollout":
        action = pos[1] if len(pos) > 1 else ""
        if action in {"status", "history"}:
            return Risk.READ
        if action == "undo":
            return Risk.DESTRUCTIVE
        return Risk.WRITE
    if sub in {"delete", "drain", "replace"}:
        return Risk.DESTRUCTIVE
    if sub == "scale" and re.search(r"--replicas[= ]0\b", " ".join(args)):
        return Risk.DESTRUCTIVE  # scaling to zero cuts the service off
    return Risk.WRITE


def _helm(args: list[str]) -> Risk:
    sub = _positional(args)[:1]
    if sub and sub[0] in {"list", "ls", "status", "history", "get", "show", "version"}:
        return Risk.READ
    if sub and sub[0] in {"rollback", "uninstall", "delete"}:
        return Risk.DESTRUCTIVE
    return Risk.WRITE


def _tcpdump(args: list[str]) -> Risk:
    return Risk.WRITE if "-w" in args else Risk.READ


def _xargs(args: list[str]) -> Risk:
    rest = [a for a in args if not a.startswith("-")]
    return _simple(" ".join(shlex.quote(w) for w in rest)) if rest else Risk.READ


def _tee(args: list[str]) -> Risk:
    return Risk.READ if not _positional(args) or _positional(args) == ["/dev/null"] else Risk.WRITE


_HANDLERS = {
    "rm": _rm,
    "rmdir": _rm,
    "sed": _sed,
    "curl": _curl,
    "wget": _wget,
    "systemctl": _systemctl,
    "service": _service,
    "git": _git,
    "iptables": _iptables,
    "ip6tables": _iptables,
    "ufw": _ufw,
    "redis-cli": _redis,
    "psql": _psql,
    "docker": _docker,
    "docker-compose": _compose,
    "kubectl": _kubectl,
    "helm": _helm,
    "tcpdump": _tcpdump,
    "xargs": _xargs,
    "tee": _tee,
}
