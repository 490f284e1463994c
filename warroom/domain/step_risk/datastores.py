"""Datastore clients: redis-cli by command, Kafka tools by action, etcdctl, pg_ctl, patronictl."""

from __future__ import annotations

from collections.abc import Callable

from warroom.domain.runbooks import Risk
from warroom.domain.shell_syntax.programs import word_set
from warroom.domain.step_risk.base import D, R, W, positional

Inner = Callable[[list[str]], Risk]


_REDIS_OPTS = word_set(
    "-h -p -a -n -u -s --user --pass --askpass -r -i -d --pattern --count --cacert --cert "
    "--key --tls-ciphers"
)


_REDIS_READ = word_set(
    "PING INFO GET MGET KEYS SCAN TTL PTTL TYPE EXISTS LLEN LRANGE LINDEX HGET HMGET "
    "HGETALL HKEYS HVALS HLEN HEXISTS HSCAN SMEMBERS SISMEMBER SCARD SSCAN SRANDMEMBER "
    "ZCARD ZRANGE ZREVRANGE ZRANGEBYSCORE ZSCORE ZRANK ZCOUNT ZSCAN DBSIZE TIME ROLE "
    "LASTSAVE STRLEN GETRANGE BITCOUNT PFCOUNT RANDOMKEY XLEN XINFO XRANGE XREVRANGE "
    "XPENDING MONITOR ECHO COMMAND OBJECT DUMP SUBSCRIBE PSUBSCRIBE"
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


_REDIS_DESTRUCTIVE = word_set("FLUSHALL FLUSHDB DEL UNLINK SHUTDOWN SWAPDB REPLICAOF SLAVEOF")


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


# the admin tools that read with --list/--describe and change with --create/--alter/--delete
_KAFKA_ADMIN_TOOLS = word_set("""topics configs acls consumer-groups log-dirs features
    metadata-quorum client-metrics streams-application-reset""")
_KAFKA_TOOLS = _KAFKA_ADMIN_TOOLS | word_set("""reassign-partitions delete-records storage
    get-offsets broker-api-versions dump-log run-class console-consumer console-producer
    leader-election preferred-replica-election producer-perf-test consumer-perf-test
    verifiable-producer""")


def _kafka(tool: str) -> Callable[[list[str], Inner], Risk]:
    def classify(args: list[str], inner: Inner) -> Risk:
        flags = {a.split("=", 1)[0] for a in args if a.startswith("--")}
        name = tool.removesuffix(".sh").removeprefix("kafka-")
        if name in _KAFKA_ADMIN_TOOLS:
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


_ETCDCTL_OPTS = word_set(
    "--endpoints --cacert --cert --key --user -w --write-out --command-timeout"
)
_PG_CTL_OPTS = word_set("-D --pgdata -m --mode -l --log -o -w -t --timeout")
_PATRONICTL_OPTS = word_set("-c --config-file -d --dcs-url -k --insecure")


def _etcdctl(args: list[str], inner: Inner) -> Risk:
    pos = positional(args, _ETCDCTL_OPTS)
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


def _pg_ctl(args: list[str], inner: Inner) -> Risk:
    pos = positional(args, _PG_CTL_OPTS)
    if pos[:1] in (["status"],):
        return R
    return D if pos[:1] in (["stop"], ["kill"], ["promote"]) else W


def _patronictl(args: list[str], inner: Inner) -> Risk:
    pos = positional(args, _PATRONICTL_OPTS)
    if not pos or pos[0] in {"list", "topology", "history", "show-config", "version", "query"}:
        return R if not pos or pos[0] != "query" else W
    return D if pos[0] in {"remove", "reinit", "failover"} else W


DATASTORE_HANDLERS: dict[str, Callable[[list[str], Inner], Risk]] = {
    "redis-cli": _redis,
    "etcdctl": _etcdctl,
    "pg_ctl": _pg_ctl,
    "pg_ctlcluster": _pg_ctl,
    "patronictl": _patronictl,
    **{f"kafka-{t}{sfx}": _kafka(f"kafka-{t}{sfx}") for t in _KAFKA_TOOLS for sfx in ("", ".sh")},
}
