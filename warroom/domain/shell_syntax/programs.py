"""What common programs' command lines look like: the shells, and the options that take a value.

Shared by the renderer (which program reads a value) and the risk rules (what a wrapper wraps),
so both skip the same option values on the way to the wrapped command.
"""

from __future__ import annotations

import re

_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")


def word_set(text: str) -> frozenset[str]:
    """A set of words written as one string: option tables stay readable and short."""
    return frozenset(text.split())


SHELLS = word_set("bash sh dash zsh ksh ash mksh busybox")
SSH_OPTIONS = word_set("-b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w -B")
WATCH_OPTIONS = word_set("-n --interval -q --equexit")
XARGS_OPTIONS = word_set(
    "-I -i -n -P -L -l -d -E -e -s -a --replace --max-args --max-procs --max-lines "
    "--delimiter --eof --max-chars --arg-file --process-slot-var"
)
# curl's options that take a value (the next word is not a URL).
CURL_OPTIONS = word_set(
    "-X --request -d --data --data-raw --data-binary --data-urlencode -F --form -T "
    "--upload-file -H --header -u --user -o --output -A --user-agent -e --referer -b "
    "--cookie -c --cookie-jar -m --max-time --connect-timeout -x --proxy -w --write-out "
    "--json -K --config --cacert --cert --key -E -r --range --resolve --retry -U "
    "--proxy-user"
)
# Wrappers that run the argv after their options, with the options that take a value.
WRAPPER_OPTIONS: dict[str, frozenset[str]] = {
    "sudo": word_set("-u -g -C -D -h -p -r -t -U --user --group --chdir"),
    "doas": word_set("-u"),
    "timeout": word_set("-s -k --signal --kill-after"),
    "nice": word_set("-n --adjustment"),
    "ionice": word_set("-c -n -p -P -u --class --classdata"),
    "stdbuf": word_set("-i -o -e"),
    "env": word_set("-u -C -S --unset --chdir"),
    "time": word_set("-f -o --format --output"),
    "nsenter": word_set("-t -S -G --target --setuid --setgid"),
    "exec": word_set("-a"),
    **{name: frozenset() for name in ("nohup", "setsid", "command", "builtin", "unbuffer")},
    **{name: frozenset() for name in ("chrt", "taskset", "caffeinate")},
}


def wrapper_options(
    prog: str, words: list[str], opts: frozenset[str], start: int
) -> tuple[list[int], int]:
    """Where a wrapper's own options (and `env`'s NAME=value words) stand in `words` from
    `start`, and where the command it wraps starts: the renderer and the risk rules skip the
    same words. An option in `opts` takes the next word as its value; a `--` ends them."""
    found: list[int] = []
    j = start
    while j < len(words):
        w = words[j]
        if prog == "env" and _ASSIGNMENT.match(w):
            found.append(j)
            j += 1
            continue
        if w == "--":
            return found, j + 1
        if not w.startswith("-") or w == "-":
            break
        found.append(j)
        j += 2 if w in opts else 1
    return found, j
