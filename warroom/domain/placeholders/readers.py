"""Which program reads a placeholder's word, and as what: an argument, a shell script, code.

Given the words of one simple command and the word holding the placeholder, walk through the
wrappers (`sudo`, `env`, `timeout`, `xargs`, `kubectl exec --`, `docker exec`...) to the program
that finally reads the word. A shell's `-c` script, `eval`, `ssh host CMD`, `watch CMD`, `trap`
and `su -c` hand the text to another shell: the caller quotes once more for it. Program text of
awk, sed, jq, SQL clients and interpreters is refused unless the value goes in through the
program's own safe channel (`awk -v`, `jq --arg`, `psql -v`, `bash -c '…"$1"' _ VALUE`).
"""

from __future__ import annotations

import re
import shlex

from warroom.domain.placeholders.programs import (
    CODE_FLAGS,
    INTERPRETERS,
    Verdict,
    awk,
    code,
    find,
    grep,
    jq,
    sed,
)
from warroom.domain.shell_syntax.programs import (
    CURL_OPTIONS,
    SHELLS,
    SSH_OPTIONS,
    WATCH_OPTIONS,
    WRAPPER_OPTIONS,
    XARGS_OPTIONS,
    word_set,
    wrapper_options,
)

_VERSIONED = re.compile(r"(python|perl|ruby|node|php|lua)[\d.]*$")
_ARITH_TEST = word_set("-eq -ne -lt -le -gt -ge")
_RUNS_A_COMMAND = re.compile(
    r"(?i)(command|exec|rsh|program|pager|editor|hook|askpass)[\w.-]*[=:]|^-(?:o|I)?$"
)

# Options that take a value, per wrapper (the value is never the wrapped command).
_WRAPPERS = {**WRAPPER_OPTIONS, "xargs": XARGS_OPTIONS}
_DOCKER_EXEC_OPTS = word_set(
    "-e --env -u --user -w --workdir --env-file --detach-keys --name -v --volume -p "
    "--publish --network --net --entrypoint -l --label --mount -h --hostname --add-host "
    "--cpus -m --memory --restart --platform --pull --log-driver --log-opt -a --attach "
    "--device --dns --cap-add --cap-drop --security-opt --ulimit --tmpfs --shm-size --pid "
    "--ipc --gpus --stop-signal --health-cmd --user-ns --userns --runtime --cgroupns "
    "--init-path"
)


def reader_of(words: list[str], idx: int, sent: str) -> Verdict:
    """The verdict for `words[idx]`, which holds the sentinel `sent`."""
    word = words[idx]
    start = word.startswith(sent)
    if idx > 0 and words[idx - 1] == "<<<":
        return Verdict("stdin", shlex.join(words[: idx - 1]) + "\0" + word)
    k = 0
    while k < len(words) and re.match(r"^[A-Za-z_]\w*(\[[^\]]*\])?\+?=", words[k]):
        if k == idx:
            subscript = re.match(r"^\w+\[([^\]]*)\]", word)
            if subscript and sent in subscript.group(1):
                return Verdict("integer", "an array subscript")
            return Verdict("arg")
        k += 1
    while k < len(words) and words[k] in {"!", "{", "then", "do", "else", "time", "-p"}:
        k += 1
    return _argv(words[k:], idx - k, sent, start)


def _argv(words: list[str], idx: int, sent: str, start: bool) -> Verdict:
    if idx < 0 or not words:
        return Verdict("arg", start=start)
    if idx == 0:
        return Verdict("refuse", "the value would name the program to run")
    prog = words[0].rsplit("/", 1)[-1]
    args, i = words[1:], idx - 1
    base = _VERSIONED.sub(r"\1", prog)
    word = args[i]
    if _RUNS_A_COMMAND.search(word.split(sent, 1)[0]) and prog not in SHELLS:
        return Verdict("refuse", f"the {prog} option it sits in runs a command")
    if prog == "busybox" and args:
        return _argv(words[1:], idx - 1, sent, start)  # busybox APPLET …: the applet runs
    if prog == "chroot":
        return _argv(words[2:], idx - 2, sent, start) if idx > 1 else Verdict("arg", start=start)
    if prog in SHELLS:
        return _shell(args, i, start)
    if prog == "eval":
        return Verdict("shell", " ".join(args))
    if prog == "trap":
        return Verdict("shell", args[0]) if i == 0 else Verdict("arg")
    if prog == "parallel":
        return Verdict("refuse", "GNU parallel builds shell command lines from its arguments")
    if prog in {"source", "."}:
        return Verdict("refuse", "the value would name the script to run")
    if prog == "let" or (
        prog in {"declare", "typeset"} and any("i" in a for a in args if a[:1] == "-")
    ):
        return Verdict("integer", prog)
    if prog == "[[":
        near = {args[i - 1] if i > 0 else "", args[i + 1] if i + 1 < len(args) else ""}
        return Verdict("integer", "[[ … -gt … ]]") if near & _ARITH_TEST else Verdict("arg")
    if prog in {"su", "runuser", "script", "sg"}:
        return _option_script(args, i, {"-c", "--command"}, start)
    if prog == "ssh":
        return _ssh(args, i, start)
    if prog == "watch":
        return _watch(args, i, sent, start)
    if prog in _WRAPPERS:
        return _wrapper(prog, words, idx, sent, start)
    if prog in {"kubectl", "oc"}:
        return _after_dashdash(words, idx, sent, start)
    if prog in {"docker", "podman", "nerdctl"}:
        return _docker(words, idx, sent, start)
    if prog == "find":
        return find(args, i, sent, start, _argv)
    if prog in {"awk", "gawk", "mawk", "nawk"}:
        return awk(args, i, sent, start)
    if prog in {"sed", "gsed"}:
        return sed(args, i, start)
    if prog in {"grep", "egrep", "zgrep", "rg", "ag"}:
        return grep(prog, args, i, start)
    if prog in {"jq", "yq", "gojq"}:
        return jq(prog, args, i, start, sent)
    if base in CODE_FLAGS:
        return code(base, args, i, sent, start)
    if prog in {"sqlite3", "duckdb"}:
        pos = [j for j, a in enumerate(args) if not a.startswith("-")]
        if len(pos) > 1 and i in pos[1:]:
            return Verdict("refuse", f"it sits in SQL text read by {prog}")
        return Verdict("arg", start=start)
    if prog in {"flock"}:
        return _option_script(args, i, {"-c", "--command"}, start)
    if prog in {"curl", "wget", "http", "xh"} and "://" in word:
        return Verdict("url", start=start)
    if prog in {"curl", "wget"} and word == sent and (i == 0 or args[i - 1] not in CURL_OPTIONS):
        return Verdict("wholeurl", start=start)
    for j in range(i):
        inner = args[j].rsplit("/", 1)[-1]
        if inner in SHELLS | INTERPRETERS | {"eval", "ssh", "xargs", "watch", "parallel", "su"}:
            return Verdict("refuse", f"it would reach {inner} through {prog}, not unwrapped here")
    return Verdict("arg", start=start)


def _shell(args: list[str], i: int, start: bool) -> Verdict:
    j = 0
    script_next = False
    while j < len(args) and args[j].startswith(("-", "+")) and args[j] not in {"-", "--"}:
        if j == i:
            return Verdict("refuse", "it sits in a shell option")
        if re.fullmatch(r"-[a-z]*c[a-z]*", args[j]):
            script_next = True
        if args[j] in {"-o", "+o", "-O", "+O", "--rcfile", "--init-file"} or re.fullmatch(
            r"[-+][a-zA-Z]*[oO]", args[j]
        ):
            j += 1
        j += 1
    if j < len(args) and args[j] == "--":
        j += 1
    if script_next:
        if i == j:
            return Verdict("shell", args[j])
        return Verdict("arg")  # $0, $1 …: the safe way to pass a value to a -c script
    if i == j:
        return Verdict("refuse", "the value would name the script the shell runs")
    return Verdict("arg")  # a script's positional arguments


def _option_script(args: list[str], i: int, flags: set[str], start: bool) -> Verdict:
    for j, a in enumerate(args):
        bundled = re.fullmatch(r"-[a-zA-Z]*c", a) is not None and "-c" in flags
        if (a in flags or bundled) and j + 1 == i:
            return Verdict("shell", args[i])
        if j == i and (a.startswith("-c") or any(a.startswith(f + "=") for f in flags)):
            return Verdict("refuse", "it sits in a command string")
    return Verdict("arg", start=start)


def _ssh(args: list[str], i: int, start: bool) -> Verdict:
    j = 0
    while j < len(args) and args[j].startswith("-"):
        if j == i or (args[j] in SSH_OPTIONS and j + 1 == i):
            return Verdict("refuse", "it sits in an ssh option")
        j += 2 if args[j] in SSH_OPTIONS else 1
    if i == j:
        return Verdict("arg", start=start)  # the host
    if i < j:
        return Verdict("refuse", "it sits in an ssh option")
    return Verdict("shell", " ".join(args[j + 1 :]))  # the remote shell reads the joined words


def _watch(args: list[str], i: int, sent: str, start: bool) -> Verdict:
    j, exec_mode = 0, False
    while j < len(args) and args[j].startswith("-"):
        if args[j] in {"-x", "--exec"}:
            exec_mode = True
        if j == i:
            return Verdict("refuse", "it sits in a watch option")
        j += 2 if args[j] in WATCH_OPTIONS else 1
    if i < j:
        return (
            Verdict("integer", "watch -n")
            if args[i - 1] in {"-n", "--interval"}
            else Verdict("arg")
        )
    if exec_mode:
        return _argv(args[j:], i - j, sent, start)
    return Verdict("shell", " ".join(args[j:]))  # watch hands its words to sh -c


def _wrapper(prog: str, words: list[str], idx: int, sent: str, start: bool) -> Verdict:
    opts = _WRAPPERS[prog]
    options, j = wrapper_options(prog, words, opts, 1)
    for k in options:
        w = words[k]
        if not w.startswith("-"):  # env's NAME=value
            if k == idx:
                return Verdict("arg")
            continue
        if k == idx or (w in opts and k + 1 == idx):
            if prog == "env" and (w.startswith("-S") or w == "--split-string"):
                return Verdict("refuse", "env -S splits it into a command line")
            return Verdict("arg", start=start and k == idx)
        if prog == "sudo" and w in {"-s", "-i", "--shell", "--login"}:
            return Verdict("shell", " ".join(words[k + 1 :])) if idx > k else Verdict("arg")
    if prog in {"timeout", "chrt", "taskset"} and j < len(words):
        if j == idx:
            return Verdict("arg", start=start)
        j += 1
    return _argv(words[j:], idx - j, sent, start)


def _after_dashdash(words: list[str], idx: int, sent: str, start: bool) -> Verdict:
    if "--" in words and idx > words.index("--"):
        k = words.index("--") + 1
        return _argv(words[k:], idx - k, sent, start)
    return Verdict("arg", start=start)


def _docker(words: list[str], idx: int, sent: str, start: bool) -> Verdict:
    sub = next((w for w in words[1:] if not w.startswith("-")), "")
    if sub == "compose" or sub not in {"exec", "run"}:
        return _after_dashdash(words, idx, sent, start)
    j = words.index(sub) + 1
    while j < len(words) and words[j].startswith("-"):
        if j == idx or (words[j] in _DOCKER_EXEC_OPTS and j + 1 == idx):
            return Verdict("arg", start=start and j == idx)
        j += 2 if words[j] in _DOCKER_EXEC_OPTS else 1
    if j == idx:
        return Verdict("arg", start=start)  # the container or image
    return _argv(words[j + 1 :], idx - j - 1, sent, start)
