"""Infrastructure tools: rsync, terraform, vault, kubeadm, storage pools, IPVS, NetworkManager,
and the SQL/NoSQL shells that take a statement on the command line."""

from __future__ import annotations

import re
from collections.abc import Callable

from warroom.domain.runbooks import Risk
from warroom.domain.shell_syntax.programs import word_set
from warroom.domain.step_risk.base import D, R, W, has_flag, positional, worst
from warroom.domain.step_risk.sql import classify_sql

Inner = Callable[[list[str]], Risk]


def _rsync(args: list[str], inner: Inner) -> Risk:
    if any(a.startswith(("--delete", "--remove-source-files")) for a in args):
        return D
    return R if has_flag(args, "-n", "--dry-run", "--list-only") else W


_TF_READ = word_set("plan show output validate version providers graph fmt console")


def _terraform(args: list[str], inner: Inner) -> Risk:
    pos = positional(args, frozenset({"-chdir", "-var", "-var-file", "-target", "-out"}))
    if not pos:
        return R
    if pos[0] == "destroy" or pos[:2] in (["state", "rm"], ["workspace", "delete"]):
        return D
    if pos[0] in _TF_READ and not (pos[0] == "fmt" and not has_flag(args, "-check")):
        return R
    if pos[:2] in (
        ["state", "list"],
        ["state", "show"],
        ["workspace", "list"],
        ["workspace", "show"],
    ):
        return R
    if pos[0] == "apply" and has_flag(args, "-destroy"):
        return D
    return W


def _vault(args: list[str], inner: Inner) -> Risk:
    pos = positional(args, frozenset({"-address", "-namespace", "-format", "-field", "-mount"}))
    verbs = set(pos[:3])
    if verbs & {"delete", "destroy", "revoke", "disable"}:
        return D
    if verbs & {"get", "list", "read", "status", "lookup", "version", "capabilities"}:
        return R
    return W


def _kubeadm(args: list[str], inner: Inner) -> Risk:
    pos = positional(args)
    if pos[:1] == ["reset"]:
        return D
    head = " ".join(pos[:2])
    if head in {"token list", "certs check-expiration", "config view", "config print"} or pos[
        :1
    ] == ["version"]:
        return R
    return W


def _pool(args: list[str], inner: Inner) -> Risk:
    pos = positional(args)
    if pos[:1] and pos[0] in {"destroy", "rollback", "offline", "detach", "remove", "labelclear"}:
        return D
    return R if pos[:1] and pos[0] in {"list", "status", "get", "iostat", "history"} else W


def _ipvsadm(args: list[str], inner: Inner) -> Risk:
    if has_flag(args, "-C", "--clear", "-D", "--delete-service", "-d", "--delete-server"):
        return D
    return R if has_flag(args, "-L", "-l", "--list", "-S", "--save") else W


def _nmcli(args: list[str], inner: Inner) -> Risk:
    pos = positional(args, word_set("-f --fields -g --get-values -m --mode"))
    if any(p in {"down", "delete", "disconnect", "off"} for p in pos[1:3]):
        return D
    if (
        len(pos) < 2
        or pos[1] in {"show", "status", "list", "monitor"}
        or pos[0] in {"general", "g"}
    ):
        return R
    return W


def _statement_flag(flags: set[str]) -> Callable[[list[str], Inner], Risk]:
    """A client that takes SQL (or CQL) after one of `flags`: as risky as that statement."""

    def classify(args: list[str], inner: Inner) -> Risk:
        sqls = [args[k + 1] for k, a in enumerate(args[:-1]) if a in flags]
        sqls += [a.split("=", 1)[1] for a in args if a.split("=", 1)[0] in flags and "=" in a]
        return worst(*(classify_sql(s) for s in sqls)) if sqls else W

    return classify


def _sqlite(args: list[str], inner: Inner) -> Risk:
    pos = positional(args, frozenset({"-cmd", "-separator", "-newline", "-nullvalue"}))
    return classify_sql(" ".join(pos[1:])) if len(pos) > 1 else W


_MONGO_DESTRUCTIVE = re.compile(
    r"\.(drop|dropDatabase|deleteMany|deleteOne|remove|dropIndex(es)?|shutdownServer)\s*\("
)
_MONGO_READ = re.compile(
    r"^\s*(db\.|rs\.|sh\.)?[\w.]*(find|findOne|count|countDocuments|stats|serverStatus|status|"
    r"getCollectionNames|isMaster|hello|currentOp|printReplicationInfo|conf|getIndexes|explain)\s*\(.*\)\s*[\w.()]*;?\s*$"
)


def _mongo(args: list[str], inner: Inner) -> Risk:
    code = " ".join(args[k + 1] for k, a in enumerate(args[:-1]) if a == "--eval")
    if not code:
        return W
    if _MONGO_DESTRUCTIVE.search(code):
        return D
    return R if _MONGO_READ.match(code) else W


INFRA_HANDLERS: dict[str, Callable[[list[str], Inner], Risk]] = {
    "rsync": _rsync,
    "terraform": _terraform,
    "tofu": _terraform,
    "vault": _vault,
    "kubeadm": _kubeadm,
    "zfs": _pool,
    "zpool": _pool,
    "ipvsadm": _ipvsadm,
    "nmcli": _nmcli,
    "cqlsh": _statement_flag({"-e", "--execute"}),
    "clickhouse-client": _statement_flag({"-q", "--query"}),
    "sqlite3": _sqlite,
    "mongo": _mongo,
    "mongosh": _mongo,
}
