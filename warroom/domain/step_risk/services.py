"""System and service tools: git, systemd, firewalls, container runtimes, Alertmanager's amtool."""

from __future__ import annotations

import re
from collections.abc import Callable

from warroom.domain.runbooks import Risk
from warroom.domain.shell_syntax.programs import word_set
from warroom.domain.step_risk.base import D, R, W, has_flag, positional

Inner = Callable[[list[str]], Risk]


_GIT_READ = word_set(
    "log status diff show blame describe rev-parse ls-files ls-remote ls-tree shortlog "
    "reflog grep cat-file rev-list show-ref whatchanged count-objects fsck version help "
    "bisect-log for-each-ref name-rev merge-base cherry verify-commit verify-tag"
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


_SYSTEMCTL_READ = word_set(
    "status is-active is-enabled is-failed is-system-running list-units list-unit-files "
    "list-sockets list-timers list-dependencies list-jobs list-machines show cat help "
    "get-default show-environment --version"
)


_SYSTEMCTL_DESTRUCTIVE = word_set(
    "stop disable mask kill isolate poweroff reboot halt kexec rescue emergency suspend hibernate"
)


def _systemctl(args: list[str], inner: Inner) -> Risk:
    pos = positional(
        args,
        word_set(
            "-H --host -M --machine -p --property -t --type --state -n --lines -o --output -s "
            "--signal"
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


def _crictl(args: list[str], inner: Inner) -> Risk:
    pos = positional(
        args,
        word_set(
            "-r --runtime-endpoint -i --image-endpoint -t --timeout --tail --since -o --output "
            "--name --label --state --pod -p"
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
    "git": _git,
    "systemctl": _systemctl,
    "service": _service,
    "iptables": _iptables,
    "ip6tables": _iptables,
    "iptables-save": _iptables_save,
    "ip6tables-save": _iptables_save,
    "nft": _nft,
    "ufw": _ufw,
    "crictl": _crictl,
    "amtool": _amtool,
}
