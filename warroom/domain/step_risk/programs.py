"""Argument-aware rules for the everyday tools of a bastion: what each call can change.

Each handler gets the arguments and `inner` (the classifier of a wrapped argv, for
`find -exec`); it returns read only when every behaviour-changing argument is known to look.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from warroom.domain.runbooks import Risk
from warroom.domain.shell_syntax.programs import word_set
from warroom.domain.step_risk.base import D, R, W, has_flag, positional, worst
from warroom.domain.step_risk.datastores import DATASTORE_HANDLERS
from warroom.domain.step_risk.infra import INFRA_HANDLERS
from warroom.domain.step_risk.services import SERVICE_HANDLERS
from warroom.domain.step_risk.sql import classify_sql
from warroom.domain.step_risk.web import WEB_HANDLERS

Inner = Callable[[list[str]], Risk]


_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})


def _find(args: list[str], inner: Inner) -> Risk:
    risks: list[Risk] = [R]
    k = 0
    while k < len(args):
        a = args[k]
        if a == "-delete":
            risks.append(D)
        elif a in {"-fprint", "-fprint0", "-fprintf", "-fls"}:
            risks.append(W)
        elif a in _FIND_EXEC:
            end = next(
                (e for e in range(k + 1, len(args)) if args[e] in {";", "+", "\\;"}), len(args)
            )
            risks.append(inner(args[k + 1 : end]) if end > k + 1 else W)
            k = end
        k += 1
    return worst(*risks)


_IP_READ = word_set("show list ls lst l s sh get help monitor")
_IP_OBJECT_OPTS = word_set("-n -netns -f -family -b -batch -rc -rcvbuf")


def _ip(args: list[str], inner: Inner) -> Risk:
    pos = positional(args, _IP_OBJECT_OPTS)
    if not pos:
        return R
    if pos[0] == "netns" and len(pos) > 2 and pos[1] == "exec":
        k = args.index("exec")
        return worst(W, inner(args[k + 2 :])) if len(args) > k + 2 else W
    if has_flag(args, "-batch", "-b"):
        return W
    action = pos[1] if len(pos) > 1 else "show"
    if action in _IP_READ or action.startswith(("sho", "lis")):
        return R
    if action in {"del", "delete", "flush", "f"} or (action == "set" and "down" in pos):
        return D
    return W


def _route(args: list[str], inner: Inner) -> Risk:
    pos = positional(args)
    if not pos:
        return R
    return D if pos[0] in {"del", "delete", "flush"} else W


def _ifconfig(args: list[str], inner: Inner) -> Risk:
    pos = positional(args)
    if len(pos) <= 1:
        return R
    return D if "down" in pos else W


def _arp(args: list[str], inner: Inner) -> Risk:
    if has_flag(args, "-d", "--delete"):
        return D
    return W if has_flag(args, "-s", "--set", "-f", "--file") else R


def _date(args: list[str], inner: Inner) -> Risk:
    if has_flag(args, "-s", "--set"):
        return W
    opts = word_set("-d --date -r --reference -f --file -I")
    return W if any(not p.startswith("+") for p in positional(args, opts)) else R


def _awk(args: list[str], inner: Inner) -> Risk:
    if has_flag(args, "-f", "--file", "-i", "--include", "-E", "--exec"):
        return W  # a program from a file, or gawk -i inplace
    program = next(
        (p for p in positional(args, frozenset({"-v", "-F", "--assign", "--field-separator"}))), ""
    )
    code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', program)
    if re.search(r"\bsystem\s*\(", code):
        commands = re.findall(r'system\s*\(\s*"((?:[^"\\]|\\.)*)"', program)
        return worst(W, *(inner(["sh", "-c", c]) for c in commands))
    if re.search(r"\|\s*&?\s*(getline|\"|\w)", code) and re.search(r"getline|print", code):
        return W  # a pipe to or from a command
    if re.search(r"\bprintf?\b[^;{}]*?>", code):
        return W  # print > "file"
    return R


def _sed(args: list[str], inner: Inner) -> Risk:
    if any(
        a == "--in-place" or a.startswith("--in-place=") or re.fullmatch(r"-[nErsuz]*i\S*", a)
        for a in args
    ):
        return W
    if has_flag(args, "-f", "--file"):
        return W
    scripts = [args[k + 1] for k, a in enumerate(args[:-1]) if a in {"-e", "--expression"}]
    if not scripts:
        scripts = positional(args, frozenset({"-e", "--expression", "-l", "--line-length"}))[:1]
    for s in scripts:
        if re.search(r"(^|[;{}\n])\s*[\d,$/\w]*\s*[ewW](\s|$|;)", s):
            return W
        if re.search(r"s(.)(?:(?!\1).|\\.)*\1(?:(?!\1).|\\.)*\1[gpIiMm\d]*[ewW]", s):
            return W
    return R


def _tee(args: list[str], inner: Inner) -> Risk:
    return R if all(p == "/dev/null" for p in positional(args)) else W


def _sort(args: list[str], inner: Inner) -> Risk:
    return W if has_flag(args, "-o", "--output") else R


def _uniq(args: list[str], inner: Inner) -> Risk:
    return W if len(positional(args, frozenset({"-f", "-s", "-w"}))) > 1 else R


_GENTLE_SIGNALS = word_set(
    "HUP SIGHUP 1 USR1 SIGUSR1 10 USR2 SIGUSR2 12 CONT SIGCONT 18 WINCH SIGWINCH 28"
)


def _kill(args: list[str], inner: Inner) -> Risk:
    """kill ends processes (destructive); -0 only checks; HUP/USR1/USR2 ask for a reload."""
    if any(a in {"-0", "-l", "-L", "--list"} for a in args):
        return R
    signals = [args[k + 1] for k, a in enumerate(args[:-1]) if a in {"-s", "--signal"}]
    signals += [a[1:] for a in args if re.fullmatch(r"-[A-Z0-9]+", a)]
    if signals and all(sig.upper() in _GENTLE_SIGNALS for sig in signals):
        return W
    return D


def _tcpdump(args: list[str], inner: Inner) -> Risk:
    return W if has_flag(args, "-w") else R


def _journalctl(args: list[str], inner: Inner) -> Risk:
    changes = ("--vacuum", "--rotate", "--flush", "--sync", "--relinquish-var", "--setup-keys")
    return W if any(a.startswith(changes) for a in args) else R


def _dmesg(args: list[str], inner: Inner) -> Risk:
    return (
        W if has_flag(args, "-c", "-C", "--clear", "--read-clear", "-n", "--console-level") else R
    )


def _sysctl(args: list[str], inner: Inner) -> Risk:
    if has_flag(args, "-w", "--write", "-p", "--load", "--system"):
        return W
    return W if any("=" in p for p in positional(args)) else R


def _hostname(args: list[str], inner: Inner) -> Risk:
    return (
        W if positional(args, frozenset({"-F", "--file"})) or has_flag(args, "-F", "--file") else R
    )


def _ctl_set(args: list[str], inner: Inner) -> Risk:
    pos = positional(args)
    return (
        R
        if not pos
        or pos[0] in {"status", "show", "list-timezones", "timesync-status", "show-timesync"}
        else W
    )


def _tar(args: list[str], inner: Inner) -> Risk:
    first = args[0] if args else ""
    listing = has_flag(args, "-t", "--list") or re.fullmatch(r"t\w*", first) is not None
    return R if listing and not has_flag(args, "-x", "--extract") else W


def _yq(args: list[str], inner: Inner) -> Risk:
    return W if has_flag(args, "-i", "--inplace", "--in-place") else R


def _psql(args: list[str], inner: Inner) -> Risk:
    sqls = [args[k + 1] for k, a in enumerate(args[:-1]) if a in {"-c", "--command"}]
    sqls += [a.split("=", 1)[1] for a in args if a.startswith("--command=")]
    if has_flag(args, "-f", "--file"):
        return W
    if not sqls:
        return R if has_flag(args, "-l", "--list", "-V", "--version") else W
    return worst(*(classify_sql(s) for s in sqls))


def _mysql(args: list[str], inner: Inner) -> Risk:
    sqls = [args[k + 1] for k, a in enumerate(args[:-1]) if a in {"-e", "--execute"}]
    sqls += [a.split("=", 1)[1] for a in args if a.startswith("--execute=")]
    return worst(*(classify_sql(s) for s in sqls)) if sqls else W


def _pg_dump(args: list[str], inner: Inner) -> Risk:
    return W if has_flag(args, "-f", "--file") else R


def _openssl(args: list[str], inner: Inner) -> Risk:
    return W if any(a in {"-out", "-keyout"} for a in args) else R


def _conntrack(args: list[str], inner: Inner) -> Risk:
    if has_flag(args, "-D", "--delete", "-F", "--flush"):
        return D
    return (
        R
        if has_flag(args, "-L", "--dump", "-S", "--stats", "-C", "--count", "-E", "--event")
        else W
    )


def _ss(args: list[str], inner: Inner) -> Risk:
    return D if has_flag(args, "-K", "--kill") else R


def _tc(args: list[str], inner: Inner) -> Risk:
    pos = positional(args)
    action = pos[1] if len(pos) > 1 else "show"
    if action in {"show", "list", "ls"}:
        return R
    return D if action in {"del", "delete", "flush"} else W


def _ethtool(args: list[str], inner: Inner) -> Risk:
    changes = (
        "-s",
        "--change",
        "-K",
        "--features",
        "--offload",
        "-G",
        "--set-ring",
        "-A",
        "--pause",
        "-C",
        "--coalesce",
        "-L",
        "--set-channels",
        "-r",
        "--negotiate",
        "-E",
        "--change-eeprom",
        "-f",
        "--flash",
        "-X",
        "--set-rxfh-indir",
    )
    return W if any(a in changes for a in args) else R


def _crontab(args: list[str], inner: Inner) -> Risk:
    if has_flag(args, "-r"):
        return D
    return R if has_flag(args, "-l") else W


HANDLERS: dict[str, Callable[[list[str], Inner], Risk]] = {
    "find": _find,
    "ip": _ip,
    "route": _route,
    "ifconfig": _ifconfig,
    "arp": _arp,
    "date": _date,
    "awk": _awk,
    "gawk": _awk,
    "mawk": _awk,
    "nawk": _awk,
    "sed": _sed,
    "gsed": _sed,
    "tee": _tee,
    "sort": _sort,
    "uniq": _uniq,
    "kill": _kill,
    "pkill": _kill,
    "tcpdump": _tcpdump,
    "journalctl": _journalctl,
    "dmesg": _dmesg,
    "sysctl": _sysctl,
    "hostname": _hostname,
    "timedatectl": _ctl_set,
    "hostnamectl": _ctl_set,
    "localectl": _ctl_set,
    "tar": _tar,
    "yq": _yq,
    "psql": _psql,
    "mysql": _mysql,
    "mariadb": _mysql,
    "pg_dump": _pg_dump,
    "pg_dumpall": _pg_dump,
    "openssl": _openssl,
    "conntrack": _conntrack,
    "ss": _ss,
    "tc": _tc,
    "ethtool": _ethtool,
    "crontab": _crontab,
    **SERVICE_HANDLERS,
    **INFRA_HANDLERS,
    **DATASTORE_HANDLERS,
    **WEB_HANDLERS,
}
