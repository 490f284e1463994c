"""Lines of one block that share shell state run as one script; lines typed into a shell that
an earlier line opened (`kubectl exec -it`, `oc rsh`, `ssh host`, `chroot /host`, `psql`) stay
with that step, shown only: they are never run on the bastion.
"""

from __future__ import annotations

import re

from warroom.domain.runbook_parse.commands import (
    defined_function,
    is_assignment_only,
    terminal_use,
    words_of,
)
from warroom.domain.runbook_parse.drafts import Draft, word_set
from warroom.domain.runbook_parse.queries import PSQL_PROMPT
from warroom.domain.runbook_parse.shell_blocks import PROMPT
from warroom.domain.runbooks import StepKind
from warroom.domain.shell_syntax import split_simple_commands

# state that every later line of the block runs under
_GLOBAL = word_set("cd pushd popd export set source . umask trap shopt alias ulimit unalias")
_USE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_EXIT = re.compile(r"^\s*(?:\$\s+|[\w.-]+=[#>]\s*)?(?:exit|logout|quit|\\q|exit\(\))\s*;?\s*$")


def is_exit(line: str) -> bool:
    return bool(_EXIT.match(line))


def _defines(command: str) -> tuple[set[str], bool]:
    """(names a command sets: variables and functions, whether it sets block-wide state)."""
    names: set[str] = set()
    func = defined_function(command)
    if func:
        return {func}, False
    block_wide = _opens_block_state(command)
    for part in split_simple_commands(command):
        words = words_of(part)
        if not words:
            continue
        if is_assignment_only(part):
            names |= {w.split("=", 1)[0] for w in words if "=" in w}
            block_wide = block_wide or words[0] == "export"
        elif words[0] == "read":
            names |= {w for w in words[1:] if not w.startswith("-")}
        elif words[0] == "for" and len(words) > 1:
            names.add(words[1])
    return names, block_wide


def _opens_block_state(command: str) -> bool:
    """`cd`, `set -e`, `export`, `source` at the top of a line (not in a `( … )` subshell or a
    `$( … )`): every later line runs under it."""
    if command.lstrip().startswith("(") and not command.lstrip().startswith("(("):
        return False
    for line in command.split("\n"):
        text = line.strip().lstrip("{").strip()
        if text.startswith("("):
            continue
        for piece in re.split(r"&&|\|\||;", re.sub(r"\$\([^)]*\)", "", text)):
            words = words_of(piece.strip())
            if words and words[0] in _GLOBAL:
                return True
    return False


def _uses(command: str) -> set[str]:
    used = set(_USE.findall(re.sub(r"'[^']*'", "''", command)))
    for part in split_simple_commands(command):
        words = words_of(part)
        if words:
            used.add(words[0])
    return used


def join_scripts(drafts: list[Draft]) -> list[Draft]:
    """Runs of shell drafts that share state become one script draft, in page order."""
    out: list[Draft] = []
    run: list[Draft] = []
    for d in [*drafts, None]:
        if d is not None and d.kind is StepKind.SHELL:
            run.append(d)
            continue
        out += _join_run(run)
        run = []
        if d is not None:
            out.append(d)
    return out


def _join_run(run: list[Draft]) -> list[Draft]:
    if len(run) < 2:
        return run
    reach = list(range(len(run)))  # reach[i]: the last index joined to i
    defined_at: dict[str, int] = {}
    for j, d in enumerate(run):
        for name in _uses(d.command):
            if name in defined_at:
                i = defined_at[name]
                reach[i] = max(reach[i], j)
        names, block_wide = _defines(d.command)
        for name in names:
            defined_at[name] = j
        if block_wide:
            reach[j] = len(run) - 1
    out: list[Draft] = []
    i = 0
    while i < len(run):
        end = reach[i]
        k = i
        while k <= end:
            end = max(end, reach[k])
            k += 1
        out.append(_script(run[i : end + 1]) if end > i else run[i])
        i = end + 1
    return out


def _script(parts: list[Draft]) -> Draft:
    first = parts[0]
    return Draft(
        StepKind.SHELL,
        "\n".join(p.command for p in parts),
        first.line,
        first.description,
        first.phase,
        first.alternative,
        first.language,
        first.timeout_s,
        expected_output="\n".join(p.expected_output for p in parts if p.expected_output),
        script=True,
    )


def mark_terminal(d: Draft) -> None:
    if d.kind is StepKind.SHELL:
        d.interactive, d.opens_session = terminal_use(d.command)


def take_sessions(drafts: list[Draft], lines: list[str], start: int) -> tuple[list[Draft], int]:
    """The first draft that opens a shell keeps the drafts after it as its shown-only lines.

    Returns the drafts and how many shells are still open at the end of the block (the next
    blocks of the same part of the page are typed into them too)."""
    for d in drafts:
        mark_terminal(d)
    for k, d in enumerate(drafts):
        if not d.opens_session:
            continue
        after = d.line - start + len(d.command.split("\n"))  # the block's lines after it
        inside = [unprompted(x) for x in lines[after:] if x.strip()]
        head = _joined(drafts[: k + 1])
        opener = head[-1]
        opener.interactive = opener.opens_session = True
        opener.session_lines = tuple(inside)
        return head, session_depth(1, inside)
    return _joined(drafts), 0


def _joined(drafts: list[Draft]) -> list[Draft]:
    out = join_scripts(drafts)
    for d in out:
        if d.script:
            mark_terminal(d)
    return out


def unprompted(line: str) -> str:
    """A line as typed: without its `$ ` / `db=# ` prompt."""
    m = PROMPT.match(line) or PSQL_PROMPT.match(line)
    return (m.group(m.lastindex or 1) or "") if m else line


def session_depth(depth: int, lines: list[str]) -> int:
    """How many shells are open after `lines` were typed into `depth` open ones."""
    for line in lines:
        if is_exit(line):
            depth -= 1
            if depth <= 0:
                return 0
        elif terminal_use(line)[1]:
            depth += 1
    return depth
