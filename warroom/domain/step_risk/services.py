"""Rules for the clients of services: HTTP, Redis, Kafka, git, systemd, firewalls, etcd.

HTTP by method (GET read; POST/PUT/PATCH or a body write; DELETE destructive), except a POST
to a known read-only query API (Prometheus `/api/v1/query`, Loki, Elasticsearch `_search`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from warroom.domain.runbooks import Risk
from warroom.domain.step_risk.base import D, R, W, has_flag, positional

Inner = Callable[[list[str]], Risk]

QUERY_APIS = re.compile(
    r"/api/v1/(query|query_range|query_exemplars|series|labels|label/[^/?]+/values|format_query|"
    r"parse_query|metadata|targets|rules|alerts|status/\w+)(\?|$|#)|/loki/api/v1/(query|query_range|"
    r"labels|label/[^/?]+/values|series)(\?|$)|/_(search|count|msearch|validate/query|field_caps|"
    r"mget|explain|sql)(\?|$|/)|/graphql\?query=\{"
)
DANGEROUS_PATHS = re.compile(
    r"/api/v1/admin/tsdb/delete_series|/_delete_by_query|/-/quit|/_shutdown|/api/v2/silences/|"
    r"/_cluster/settings|/api/v1/admin/tsdb/clean_tombstones"
)


def method_risk(method: str, url: str) -> Risk:
    """The risk of one HTTP request."""
    method = method.upper()
    if DANGEROUS_PATHS.search(url):
        return D if method != "GET" else R
    if method in {"GET", "HEAD", "OPTIONS"}:
        return R
    if method == "DELETE":
        return D
    if method == "POST" and QUERY_APIS.search(url):
        return R
    return W


_CURL_VALUE = frozenset(
    [
        "-X",
        "--request",
        "-d",
        "--data",
        "--data-raw",
        "--data-binary",
        "--data-urlencode",
        "-F",
        "--form",
        "-T",
        "--upload-file",
        "-H",
        "--header",
        "-u",
        "--user",
        "-o",
        "--output",
        "-A",
        "--user-agent",
        "-e",
        "--referer",
        "-b",
        "--cookie",
        "-c",
        "--cookie-jar",
        "-m",
        "--max-time",
        "--connect-timeout",
        "-x",
        "--proxy",
        "-w",
        "--write-out",
        "--json",
        "-K",
        "--config",
        "--cacert",
        "--cert",
        "--key",
        "-E",
        "-r",
        "--range",
        "--resolve",
        "--retry",
        "-U",
        "--proxy-user",
    ]
)


def _curl(args: list[str], inner: Inner) -> Risk:
    method, body, get = "", False, False
    risks: list[Risk] = []
    for k, a in enumerate(args):
        nxt = args[k + 1] if k + 1 < len(args) else ""
        if a in {"-X", "--request"}:
            method = nxt
        elif a.startswith("-X") and len(a) > 2:
            method = a[2:]
        elif a.startswith("--request="):
            method = a.split("=", 1)[1]
        elif a in {
            "-d",
            "--data",
            "--data-raw",
            "--data-binary",
            "--data-urlencode",
            "-F",
            "--form",
            "--json",
        } or a.startswith(("--data", "--json", "--form")):
            body = True
        elif a in {"-T", "--upload-file"}:
            method = method or "PUT"
        elif a in {"-G", "--get"}:
            get = True
        elif a in {"-I", "--head"}:
            method = method or "HEAD"
        elif (
            a in {"-K", "--config"}
            or (a in {"-o", "--output", "-c", "--cookie-jar"} and nxt != "/dev/null")
            or a
            in {
                "-O",
                "--remote-name",
            }
        ):
            risks.append(W)
    if not method:
        method = "POST" if body and not get else "GET"
    urls = [p for p in positional(args, _CURL_VALUE) if "/" in p or "." in p] or [""]
    return max([*risks, *(method_risk(method, u) for u in urls)], key=[R, W, D].index)


def _wget(args: list[str], inner: Inner) -> Risk:
    method = "GET"
    for a in args:
        if a.startswith("--method="):
            method = a.split("=", 1)[1]
        elif a.startswith(("--post-data", "--post-file", "--body-data", "--body-file")):
            method = "POST" if method == "GET" else method
    urls = [p for p in positional(args, frozenset({"-O", "-o", "-a", "-P", "-U", "--header"}))] or [
        ""
    ]
    risk = max((method_risk(method, u) for u in urls), key=[R, W, D].index)
    to_stdout = any(a in {"-O-", "-qO-", "-qO", "--spider"} for a in args) or any(
        a in {"-O", "--output-document"} and args[k + 1 : k + 2] in (["-"], ["/dev/null"])
        for k, a in enumerate(args)
    )
    return risk if to_stdout else max(risk, W, key=[R, W, D].index)


_REDIS_OPTS = frozenset(
    [
        "-h",
        "-p",
        "-a",
        "-n",
        "-u",
        "-s",
        "--user",
        "--pass",
        "--askpass",
        "-r",
        "-i",
        "-d",
        "--pattern",
        "--count",
        "--cacert",
        "--cert",
        "--key",
        "--tls-ciphers",
    ]
)
_REDIS_READ = frozenset(
    [
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
        "LINDEX",
        "HGET",
        "HMGET",
        "HGETALL",
        "HKEYS",
        "HVALS",
        "HLEN",
        "HEXISTS",
        "HSCAN",
        "SMEMBERS",
        "SISMEMBER",
        "SCARD",
        "SSCAN",
        "SRANDMEMBER",
        "ZCARD",
        "ZRANGE",
        "ZREVRANGE",
        "ZRANGEBYSCORE",
        "ZSCORE",
        "ZRANK",
        "ZCOUNT",
        "ZSCAN",
        "DBSIZE",
        "TIME",
        "ROLE",
        "LASTSAVE",
        "STRLEN",
        "GETRANGE",
        "BITCOUNT",
        "PFCOUNT",
        "RANDOMKEY",
        "XLEN",
        "XINFO",
        "XRANGE",
        "XREVRANGE",
        "XPENDING",
        "MONITOR",
        "ECHO",
        "COMMAND",
        "OBJECT",
        "DUMP",
        "SUBSCRIBE",
        "PSUBSCRIBE",
    ]
)
_REDIS_READ_SUB = {
    "CONFIG": {"GET"},
    "CLIENT": {"LIST", "INFO", "GETNAME", "ID"},
    "SLOWLOG": {"GET", "LEN"},
    "MEMORY": {"USAGE", "STATS", "DOCTOR", "MALLOC-STATS"},
    "LATENCY": {"DOCTOR", "LATEST", "HISTORY", "GRAPH"},
    "CLUSTER": {"INFO", "NODES", "SLOTS", "SHARDS", "MYID", "KEYSLOT", "COUNTKEYSINSLOT"},
    "ACL": {"LIST", "WHOAMI", "USERS", "GETUSER", "CAT", "LOG"},
    "SCRIPT": {"EXISTS"},
    "PUBSUB": {"CHANNELS", "NUMSUB", "NUMPAT"},
    "MODULE": {"LIST"},
    "FUNCTION": {"LIST", "STATS"},
}
_REDIS_DESTRUCTIVE = frozenset(
    ["FLUSHALL", "FLUSHDB", "DEL", "UNLINK", "SHUTDOWN", "SWAPDB", "REPLICAOF", "SLAVEOF"]
)
_REDIS_DESTRUCTIVE_SUB = {
    "CLIENT": {"KILL"},
    "SCRIPT": {"FLUSH", "KILL"},
    "FUNCTION": {"FLUSH", "DELETE"},
    "CLUSTER": {"RESET", "FORGET", "FLUSHSLOTS", "DELSLOTS"},
    "DEBUG": {"SEGFAULT", "RESTART", "CRASH-AND-RECOVER", "SLEEP"},
    "ACL": {"DELUSER"},
}


def _redis(args: list[str], inner: Inner) -> Risk:
    if "--cluster" in args:
        sub = args[args.index("--cluster") + 1 : args.index("--cluster") + 2]
        return R if sub in (["check"], ["info"], ["help"]) else D if sub == ["del-node"] else W
    if any(
        a
        in {
            "--scan",
            "--bigkeys",
            "--memkeys",
            "--hotkeys",
            "--latency",
            "--latency-history",
            "--stat",
            "--latency-dist",
        }
        for a in args
    ) and not positional(args, _REDIS_OPTS):
        return R
    if any(a in {"--eval", "-x", "--pipe", "--rdb", "--replica", "--functions-rdb"} for a in args):
        return W
    pos = positional(args, _REDIS_OPTS)
    if not pos:
        return W  # interactive, or commands from stdin
    cmd, verb = pos[0].upper(), (pos[1].upper() if len(pos) > 1 else "")
    if cmd in _REDIS_DESTRUCTIVE or verb in _REDIS_DESTRUCTIVE_SUB.get(cmd, set()):
        return D
    if cmd in _REDIS_READ or verb in _REDIS_READ_SUB.get(cmd, set()):
        return R
    return W


def _kafka(tool: str) -> Callable[[list[str], Inner], Risk]:
    def classify(args: list[str], inner: Inner) -> Risk:
        flags = {a.split("=", 1)[0] for a in args if a.startswith("--")}
        name = tool.removesuffix(".sh").removeprefix("kafka-")
        if name in {
            "topics",
            "configs",
            "acls",
            "consumer-groups",
            "log-dirs",
            "features",
            "metadata-quorum",
            "client-metrics",
            "streams-application-reset",
        }:
            if flags & {"--delete", "--delete-offsets", "--remove"}:
                return D
            if "--reset-offsets" in flags:
                return D if "--execute" in flags else R
            if flags & {"--create", "--alter", "--add", "--upgrade", "--downgrade", "--disable"}:
                return W
            if flags & {"--list", "--describe", "--help", "--version"} or name == "log-dirs":
                return R
            return W
        if name == "reassign-partitions":
            return R if flags & {"--verify", "--generate"} and "--execute" not in flags else W
        if name in {"delete-records", "storage"}:
            return R if name == "storage" and "info" in args else D
        if name in {"get-offsets", "broker-api-versions", "dump-log", "run-class"}:
            return W if name == "run-class" else R
        if name == "console-consumer":
            return W if flags & {"--group", "--consumer-property"} else R
        return W

    return classify


_GIT_READ = frozenset(
    [
        "log",
        "status",
        "diff",
        "show",
        "blame",
        "describe",
        "rev-parse",
        "ls-files",
        "ls-remote",
        "ls-tree",
        "shortlog",
        "reflog",
        "grep",
        "cat-file",
        "rev-list",
        "show-ref",
        "whatchanged",
        "count-objects",
        "fsck",
        "version",
        "help",
        "bisect-log",
        "for-each-ref",
        "name-rev",
        "merge-base",
        "cherry",
        "verify-commit",
        "verify-tag",
    ]
)


def _git(args: list[str], inner: Inner) -> Risk:
    pos = positional(args, frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace"}))
    if not pos:
        return R
    sub, rest = pos[0], args[args.index(pos[0]) + 1 :]
    if sub in _GIT_READ:
        return R
    if sub == "push":
        forced = has_flag(
            rest, "-f", "--force", "--force-with-lease", "--delete", "-d", "--mirror", "--prune"
        )
        return D if forced or any(p.startswith(("+", ":")) for p in positional(rest)) else W
    if sub in {"reset", "clean"}:
        return (
            D
            if (sub == "clean" and has_flag(rest, "-f", "--force"))
            or has_flag(rest, "--hard", "--merge", "--keep")
            else W
        )
    if sub in {"branch", "tag", "stash", "remote", "config", "worktree", "notes"}:
        if has_flag(rest, "-D", "--delete", "-d") or positional(rest)[:1] in (
            ["drop"],
            ["clear"],
            ["remove"],
            ["rm"],
            ["prune"],
        ):
            return D if sub != "config" else W
        listing = (
            not positional(rest)
            or positional(rest)[:1] in (["list"], ["show"], ["-v"])
            or has_flag(
                rest, "-l", "--list", "-a", "-r", "-v", "--get", "--get-all", "--show-origin"
            )
        )
        return R if listing and not (sub == "config" and len(positional(rest)) > 1) else W
    if sub in {"checkout", "restore", "switch"} and (
        "--" in rest or has_flag(rest, "-f", "--force", "--staged") or "." in rest
    ):
        return D
    return W


_SYSTEMCTL_READ = frozenset(
    [
        "status",
        "is-active",
        "is-enabled",
        "is-failed",
        "is-system-running",
        "list-units",
        "list-unit-files",
        "list-sockets",
        "list-timers",
        "list-dependencies",
        "list-jobs",
        "list-machines",
        "show",
        "cat",
        "help",
        "get-default",
        "show-environment",
        "--version",
    ]
)
_SYSTEMCTL_DESTRUCTIVE = frozenset(
    [
        "stop",
        "disable",
        "mask",
        "kill",
        "isolate",
        "poweroff",
        "reboot",
        "halt",
        "kexec",
        "rescue",
        "emergency",
        "suspend",
        "hibernate",
    ]
)


def _systemctl(args: list[str], inner: Inner) -> Risk:
    pos = positional(
        args,
        frozenset(
            {
                "-H",
                "--host",
                "-M",
                "--machine",
                "-p",
                "--property",
                "-t",
                "--type",
                "--state",
                "-n",
                "--lines",
                "-o",
                "--output",
                "-s",
                "--signal",
            }
        ),
    )
    if not pos:
        return R  # list-units
    if pos[0] in _SYSTEMCTL_READ:
        return R
    return D if pos[0] in _SYSTEMCTL_DESTRUCTIVE else W


def _service(args: list[str], inner: Inner) -> Risk:
    if "--status-all" in args or positional(args)[1:2] == ["status"]:
        return R
    return D if positional(args)[1:2] == ["stop"] else W


def _iptables(args: list[str], inner: Inner) -> Risk:
    joined = " " + " ".join(args) + " "
    if re.search(
        r"\s-(D|F|X)\s|--delete|--flush|--delete-chain|\s-P\s+\S+\s+(DROP|REJECT)", joined
    ):
        return D
    if re.search(r"\s-[AIR]\s.*-j\s+(DROP|REJECT|TARPIT)", joined):
        return D
    if re.search(r"\s-(L|S|C|nL|vL|nvL|vnL|Ln|Lnv|Lvn)\s|--list|--check", joined):
        return R
    return W


def _iptables_save(args: list[str], inner: Inner) -> Risk:
    return R


def _nft(args: list[str], inner: Inner) -> Risk:
    pos = positional(args, frozenset({"-f", "--file"}))
    if not pos and has_flag(args, "-f", "--file"):
        return D  # a whole ruleset replaced
    action = pos[0] if pos else "list"
    if action in {"list", "describe", "monitor"}:
        return R
    return D if action in {"delete", "flush", "destroy", "reset"} else W


def _ufw(args: list[str], inner: Inner) -> Risk:
    pos = positional(args)
    if any(a in {"deny", "reject", "delete", "reset", "disable", "limit"} for a in pos):
        return D
    return R if pos[:1] in (["status"], ["show"], ["version"]) or pos == [] else W


def _etcdctl(args: list[str], inner: Inner) -> Risk:
    pos = positional(
        args,
        frozenset(
            {
                "--endpoints",
                "--cacert",
                "--cert",
                "--key",
                "--user",
                "-w",
                "--write-out",
                "--command-timeout",
            }
        ),
    )
    if not pos:
        return R
    head = " ".join(pos[:2])
    if pos[0] in {"get", "version", "check"} or head in {
        "member list",
        "endpoint health",
        "endpoint status",
        "endpoint hashkv",
        "alarm list",
        "user list",
        "role list",
        "auth status",
        "snapshot status",
        "lease list",
        "lease timetolive",
    }:
        return R
    if pos[0] in {"del", "compact", "compaction"} or head in {
        "member remove",
        "lease revoke",
        "user delete",
        "role delete",
        "auth disable",
    }:
        return D
    return W


def _crictl(args: list[str], inner: Inner) -> Risk:
    pos = positional(
        args,
        frozenset(
            {
                "-r",
                "--runtime-endpoint",
                "-i",
                "--image-endpoint",
                "-t",
                "--timeout",
                "--tail",
                "--since",
                "-o",
                "--output",
                "--name",
                "--label",
                "--state",
                "--pod",
                "-p",
            }
        ),
    )
    if not pos:
        return R
    if pos[0] in {
        "ps",
        "pods",
        "images",
        "img",
        "logs",
        "inspect",
        "inspectp",
        "inspecti",
        "stats",
        "statsp",
        "info",
        "version",
        "imagefsinfo",
        "config",
        "metricdescs",
    }:
        return R
    if pos[0] in {"rm", "rmp", "rmi", "stop", "stopp"}:
        return D
    if pos[0] == "exec" and len(pos) > 2:
        return inner(args[args.index(pos[1]) + 1 :])
    return W


def _pg_ctl(args: list[str], inner: Inner) -> Risk:
    pos = positional(
        args,
        frozenset({"-D", "--pgdata", "-m", "--mode", "-l", "--log", "-o", "-w", "-t", "--timeout"}),
    )
    if pos[:1] in (["status"],):
        return R
    return D if pos[:1] in (["stop"], ["kill"], ["promote"]) else W


def _patronictl(args: list[str], inner: Inner) -> Risk:
    pos = positional(
        args, frozenset({"-c", "--config-file", "-d", "--dcs-url", "-k", "--insecure"})
    )
    if not pos or pos[0] in {"list", "topology", "history", "show-config", "version", "query"}:
        return R if not pos or pos[0] != "query" else W
    return D if pos[0] in {"remove", "reinit", "failover"} else W


def _amtool(args: list[str], inner: Inner) -> Risk:
    pos = positional(args, frozenset({"--alertmanager.url", "-o", "--output", "--config.file"}))
    head = " ".join(pos[:2])
    if (
        pos[:1] in (["check-config"], ["config"])
        or head in {"alert query", "silence query", "config show", "config routes", "cluster show"}
        or pos == ["alert"]
        or pos == ["silence"]
    ):
        return R
    return W


SERVICE_HANDLERS: dict[str, Callable[[list[str], Inner], Risk]] = {
    "curl": _curl,
    "wget": _wget,
    "redis-cli": _redis,
    "git": _git,
    "systemctl": _systemctl,
    "service": _service,
    "iptables": _iptables,
    "ip6tables": _iptables,
    "iptables-save": _iptables_save,
    "ip6tables-save": _iptables_save,
    "nft": _nft,
    "ufw": _ufw,
    "etcdctl": _etcdctl,
    "crictl": _crictl,
    "pg_ctl": _pg_ctl,
    "pg_ctlcluster": _pg_ctl,
    "patronictl": _patronictl,
    "amtool": _amtool,
    **{
        f"kafka-{t}{sfx}": _kafka(f"kafka-{t}{sfx}")
        for t in (
            "topics",
            "configs",
            "acls",
            "consumer-groups",
            "log-dirs",
            "features",
            "metadata-quorum",
            "reassign-partitions",
            "delete-records",
            "storage",
            "get-offsets",
            "broker-api-versions",
            "dump-log",
            "run-class",
            "console-consumer",
            "console-producer",
            "leader-election",
            "preferred-replica-election",
            "client-metrics",
            "streams-application-reset",
            "producer-perf-test",
            "consumer-perf-test",
            "verifiable-producer",
        )
        for sfx in ("", ".sh")
    },
}
