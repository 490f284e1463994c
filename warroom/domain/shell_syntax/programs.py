"""What common programs' command lines look like: the shells, and the options that take a value.

Shared by the renderer (which program reads a value) and the risk rules (what a wrapper wraps),
so both skip the same option values on the way to the wrapped command.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


SHELLS = _words("bash sh dash zsh ksh ash mksh busybox")
SSH_OPTIONS = _words("-b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w -B")
WATCH_OPTIONS = _words("-n --interval -q --equexit")
XARGS_OPTIONS = _words(
    "-I -i -n -P -L -l -d -E -e -s -a --replace --max-args --max-procs --max-lines "
    "--delimiter --eof --max-chars --arg-file --process-slot-var"
)
# Wrappers that run the argv after their options, with the options that take a value.
WRAPPER_OPTIONS: dict[str, frozenset[str]] = {
    "sudo": _words("-u -g -C -D -h -p -r -t -U --user --group --chdir"),
    "doas": _words("-u"),
    "timeout": _words("-s -k --signal --kill-after"),
    "nice": _words("-n --adjustment"),
    "ionice": _words("-c -n -p -P -u --class --classdata"),
    "stdbuf": _words("-i -o -e"),
    "env": _words("-u -C -S --unset --chdir"),
    "time": _words("-f -o --format --output"),
    "nsenter": _words("-t -S -G --target --setuid --setgid"),
    "exec": _words("-a"),
    **{name: frozenset() for name in ("nohup", "setsid", "command", "builtin", "unbuffer")},
    **{name: frozenset() for name in ("chrt", "taskset", "caffeinate")},
}
