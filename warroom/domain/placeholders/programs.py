"""How programs that read code or patterns take a value: only through their safe channel.

awk takes data by `-v name=value`, jq by `--arg name value`, grep literally with `-F`; a value
inside an awk, sed or jq program, a find expression, SQL text or an interpreter's code is
refused. find's starting points and `-exec` argv are ordinary arguments.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from warroom.domain.shell_syntax.programs import word_set


@dataclass(frozen=True, slots=True)
class Verdict:
    """How the word is read: `arg` (one argument; `start` when the value begins the argument),
    `shell` (`text` is a script for another shell), `integer`, `findnum`, `regex`, `glob`,
    `url`, `stdin` (`text` is the here-string's consumer) or `refuse` (`text` says why)."""

    how: str
    text: str = ""
    start: bool = False


Argv = Callable[[list[str], int, str, bool], Verdict]

CODE_FLAGS: dict[str, frozenset[str]] = {
    "python": frozenset({"-c"}),
    "perl": frozenset({"-e", "-E"}),
    "ruby": frozenset({"-e"}),
    "node": frozenset({"-e", "--eval", "-p", "--print"}),
    "php": frozenset({"-r"}),
    "lua": frozenset({"-e"}),
    "Rscript": frozenset({"-e"}),
    "pwsh": frozenset({"-c", "-Command", "-command"}),
    "mysql": frozenset({"-e", "--execute"}),
    "mariadb": frozenset({"-e", "--execute"}),
    "clickhouse-client": frozenset({"-q", "--query"}),
    "cqlsh": frozenset({"-e", "--execute"}),
    "mongo": frozenset({"--eval"}),
    "mongosh": frozenset({"--eval"}),
    "psql": frozenset({"-c", "--command"}),
    "osqueryi": frozenset(),
}
INTERPRETERS = frozenset(CODE_FLAGS) | {"awk", "gawk", "mawk", "nawk", "sed", "gsed", "jq", "yq"}

_FIND_PATTERN = word_set("-name -iname -path -ipath -wholename -iwholename -lname -ilname")
_FIND_REGEX = frozenset({"-regex", "-iregex"})
_FIND_NUMBER = word_set(
    "-mtime -mmin -atime -amin -ctime -cmin -size -maxdepth -mindepth -uid -gid -inum -links -used"
)
_FIND_VALUE = word_set(
    "-type -xtype -user -group -newer -perm -fstype -samefile -printf -fprintf -fprint "
    "-fls -context -anewer -cnewer"
)


def find(args: list[str], i: int, sent: str, start: bool, argv: Argv) -> Verdict:
    """find: starting points are arguments, `-exec … ;` an argv, patterns globs, the rest refused."""
    j = 0
    while j < len(args) and (args[j] in {"-H", "-L", "-P"} or args[j].startswith("-O")):
        j += 1
    while j < len(args) and not args[j].startswith(("-", "(", "!", ")")):
        if j == i:
            return Verdict("arg", start=start)  # a starting point
        j += 1
    k = j
    while k < len(args):
        a = args[k]
        if a in {"-exec", "-execdir", "-ok", "-okdir"}:
            end = next((e for e in range(k + 1, len(args)) if args[e] in {";", "+"}), len(args))
            if k < i < end:
                return argv(args[k + 1 : end], i - k - 1, sent, start)
            k = end + 1
            continue
        if k + 1 == i:
            if a in _FIND_PATTERN:
                return Verdict("glob", f"find {a}")
            if a in _FIND_REGEX:
                return Verdict("regex", f"find {a}")
            if a in _FIND_NUMBER:
                return (
                    Verdict("integer", f"find {a}")
                    if not re.fullmatch(rf"[+-]?{sent}[kMGcbw]?", args[i])
                    else Verdict("findnum", f"find {a}")
                )
            if a in _FIND_VALUE:
                return Verdict("arg", start=start)
        k += 1
    return Verdict("refuse", "find would read it as part of its expression")


def awk(args: list[str], i: int, sent: str, start: bool) -> Verdict:
    j, program_from_file = 0, False
    while j < len(args) and args[j].startswith("-") and args[j] != "--":
        a = args[j]
        if a in {"-v", "-F", "-f", "--assign", "--field-separator", "--file"}:
            if j + 1 == i:
                if a in {"-v", "--assign"} and "=" in args[i].split(sent, 1)[0]:
                    return Verdict("arg")  # awk -v name=VALUE: data, never code
                if a in {"-F", "--field-separator"}:
                    return Verdict("regex", "awk -F")
                return Verdict("arg", start=start)
            program_from_file |= a in {"-f", "--file"}
            j += 2
            continue
        if j == i:
            if a.startswith("-v") and "=" in a.split(sent, 1)[0]:
                return Verdict("arg")
            return Verdict("refuse", "it sits in an awk option")
        j += 1
    if j < len(args) and args[j] == "--":
        j += 1
    if not program_from_file and i == j:
        return Verdict("refuse", "it sits inside an awk program; pass it with -v name=value")
    return Verdict("arg", start=start)  # input files, or name=value assignments


def sed(args: list[str], i: int, start: bool) -> Verdict:
    scripts: set[int] = set()
    has_script, first = False, None
    j = 0
    while j < len(args):
        a = args[j]
        if a in {"-e", "--expression"} or re.fullmatch(r"-[nsEruz]*e", a):
            scripts.add(j + 1)
            has_script, j = True, j + 2
            continue
        if a in {"-f", "--file"}:
            has_script, j = True, j + 2
            continue
        if a.startswith("--expression=") or re.fullmatch(r"-[nsEruz]*e.+", a):
            scripts.add(j)
            has_script = True
        elif not a.startswith("-") and first is None:
            first = j
        j += 1
    if not has_script and first is not None:
        scripts.add(first)
    if i in scripts:
        return Verdict("refuse", "it sits inside a sed script, which can run commands (e, w)")
    return Verdict("arg", start=start)


def grep(prog: str, args: list[str], i: int, start: bool) -> Verdict:
    fixed = prog in {"fgrep"} or any(
        a in {"-F", "--fixed-strings"} or re.fullmatch(r"-\w*F\w*", a) for a in args
    )
    j, has_pattern = 0, False
    while j < len(args) and args[j].startswith("-") and args[j] != "--":
        if args[j] in {"-e", "--regexp", "-f", "--file", "-m", "-A", "-B", "-C", "--max-count"}:
            if j + 1 == i:
                if args[j] in {"-e", "--regexp"}:
                    return Verdict("arg") if fixed else Verdict("regex", prog)
                return Verdict("arg", start=start)
            has_pattern |= args[j] in {"-e", "--regexp", "-f", "--file"}
            j += 2
            continue
        j += 1
    if j < len(args) and args[j] == "--":
        j += 1
    if not has_pattern and i == j:
        return Verdict("arg", start=start) if fixed else Verdict("regex", prog)
    return Verdict("arg", start=start)


def jq(prog: str, args: list[str], i: int, start: bool, sent: str = "") -> Verdict:
    """jq takes data by `--arg name value`; inside a "…" literal of its program a value is
    escaped as a JSON string body (so `"`, `\\` and `\\(` cannot end or interpolate it)."""
    j, from_file = 0, False
    while j < len(args) and args[j].startswith("-"):
        a = args[j]
        if a in {"--arg", "--argjson", "--slurpfile", "--rawfile"}:
            if j + 2 == i:
                return Verdict("arg")  # jq --arg name VALUE: data, never code
            j += 3
            continue
        from_file |= a in {"-f", "--from-file"}
        j += 1
    if not from_file and i == j:
        if sent and _in_string_literal(args[i].split(sent, 1)[0]):
            return Verdict("jqstring")
        return Verdict("refuse", f"it sits inside a {prog} program; pass it with --arg name value")
    return Verdict("arg", start=start)


def _in_string_literal(before: str) -> bool:
    inside, k = False, 0
    while k < len(before):
        if before[k] == "\\" and inside:
            if before.startswith("\\(", k):
                return False  # inside an interpolation: code again
            k += 2
            continue
        if before[k] == '"':
            inside = not inside
        k += 1
    return inside


def code(base: str, args: list[str], i: int, sent: str, start: bool) -> Verdict:
    flags = CODE_FLAGS[base]
    for j, a in enumerate(args[: i + 1]):
        if (a in flags and j + 1 == i) or (
            j == i and any(a.startswith(f) and a != f for f in flags)
        ):
            return Verdict("refuse", f"it sits in code run by {base}")
    if base in {"python", "perl", "ruby", "node", "php", "lua", "Rscript"}:
        pos = [j for j, a in enumerate(args) if not a.startswith("-")]
        if not any(a in flags for a in args) and pos and pos[0] == i:
            return Verdict("refuse", f"the value would name the script {base} runs")
    return Verdict("arg", start=start)
