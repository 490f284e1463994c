"""Just enough bash syntax to split runbook blocks into commands and quote values safely.

This is not a shell parser: it tracks quotes, `$( )`, `${ }`, backticks, subshells, braces,
heredocs and compound statements (if/fi, for/while/until/select…done, case/esac) so that the
parser knows where a top-level command ends, and the renderer knows whether a `<placeholder>`
sits in plain, double-quoted, single-quoted or heredoc text. Pure: no IO.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from warroom.domain.shell_syntax.memo import memo

_OPENERS = {"if": "if", "for": "loop", "while": "loop", "until": "loop", "select": "loop"}
_CLOSERS = {"fi": "if", "done": "loop", "esac": "case"}
_CMD_AGAIN = {"then", "do", "else", "elif", "!", "time"}
_HEREDOC = re.compile(r"<<(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")

# Context names reported for offsets.
PLAIN = "plain"
DOUBLE = "double"
SINGLE = "single"
HEREDOC = "heredoc"  # unquoted delimiter: $ ` \ are live
HEREDOC_QUOTED = "heredoc-quoted"  # quoted delimiter: all literal
OTHER = "other"  # ${ … }: not a place for a value
ARITH = "arith"  # $(( … )) or (( … )): operands are evaluated as arithmetic code
BACKTICK = "backtick"  # `…`: backslashes and backquotes mean something else again


@dataclass(slots=True)
class ScanResult:
    """What a scan found: whether the text is one finished command, and quoting contexts."""

    complete: bool
    unclosed: list[str] = field(default_factory=list)
    contexts: dict[int, str] = field(default_factory=dict)
    comment_only: bool = False


def close_single(text: str, i: int, stack: list[str]) -> int:
    """Past single-quoted text going on at `i` (nothing is special before the closing `'`),
    its frame popped off `stack` once closed; the end of the text when it never is."""
    j = text.find("'", i)
    if j < 0:
        return len(text)
    stack.pop()
    return j + 1


def scan(text: str, offsets: tuple[int, ...] = ()) -> ScanResult:
    """Scan `text` as shell; report whether it ends at a top-level command boundary and the
    quoting context at each of `offsets`."""
    want = set(offsets)
    contexts: dict[int, str] = {}
    stack: list[str] = []
    heredocs: list[tuple[str, bool, bool]] = []  # delimiter, strip tabs, quoted
    cmdpos = True
    word = ""
    word_quoted = False
    last_op = ""
    continued = False
    saw_code = False
    i = 0
    n = len(text)

    def context_of() -> str:
        top = stack[-1] if stack else None
        for frame in reversed(stack):
            if frame in {"$((", "(("}:
                return ARITH
            if frame in {"$(", "`"}:
                break
        if top == "'":
            return SINGLE
        if top == '"':
            return DOUBLE
        if top == "${":
            return OTHER
        if "`" in stack:
            return BACKTICK
        return PLAIN

    def end_word() -> None:
        nonlocal word, word_quoted, cmdpos
        if not word and not word_quoted:
            return
        w, quoted = word, word_quoted
        word, word_quoted = "", False
        top = stack[-1] if stack else None
        if quoted:
            cmdpos = False
            return
        if top == "case" and w == "in":
            cmdpos = False
            return
        if cmdpos:
            if w in _OPENERS:
                stack.append(_OPENERS[w])
                cmdpos = w in {"if", "while", "until"}
                return
            if w == "case":
                stack.append("case")
                cmdpos = False
                return
            if w in _CLOSERS:
                if top == _CLOSERS[w]:
                    stack.pop()
                cmdpos = False
                return
            if w == "{":
                stack.append("{")
                cmdpos = True
                return
            if w == "}":
                if top == "{":
                    stack.pop()
                cmdpos = False
                return
            if w in _CMD_AGAIN or _ASSIGNMENT.match(w):
                cmdpos = True
                return
            cmdpos = False
            return
        if w in {"then", "do", "else", "elif"}:
            # `for x in a b; do` puts `do` after `;` anyway; `;;` handled elsewhere
            cmdpos = True

    while i < n:
        if i in want:
            contexts[i] = context_of()
        top = stack[-1] if stack else None
        c = text[i]
        if top == "'":
            inside = context_of() if want else SINGLE
            j = close_single(text, i, stack)
            contexts.update((k, inside) for k in want if i < k < j)
            i = j
            continue
        if top == '"':
            if c == "\\":
                i += 2
                continue
            if c == '"':
                stack.pop()
            elif text.startswith("$((", i):
                stack.append("$((")
                i += 3
                continue
            elif text.startswith("$(", i):
                stack.append("$(")
                cmdpos = True
                i += 2
                continue
            elif text.startswith("${", i):
                stack.append("${")
                i += 2
                continue
            elif c == "`":
                stack.append("`")
                cmdpos = True
            i += 1
            continue
        if top == "${":
            if c == "}":
                stack.pop()
            elif c in "'\"":
                stack.append(c)
            i += 1
            continue
        # code context: top is None, "$(", "(", "`", "{", "if", "loop", "case"
        if c == "\\":
            if i + 1 >= n or text[i + 1] == "\n":
                continued = True
                i += 2
                continue
            word += text[i : i + 2]
            saw_code = True
            i += 2
            continue
        if c == "\n":
            end_word()
            if heredocs:
                i, done = _skip_heredocs(text, i + 1, heredocs, want, contexts)
                if done:
                    heredocs.clear()
                cmdpos = True
                continue
            if last_op in {"|", "&&", "||"} or continued:
                continued = False
                i += 1
                continue
            cmdpos = True
            last_op = "\n"
            i += 1
            continue
        if c in " \t":
            end_word()
            i += 1
            continue
        saw_code = True
        continued = False
        if c == "#" and not word and not word_quoted:
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "'" or c == '"':
            word_quoted = True
            stack.append(c)
            last_op = ""
            i += 1
            continue
        if c == "`":
            end_word()
            if top == "`":
                stack.pop()
                cmdpos = False
            else:
                stack.append("`")
                cmdpos = True
            i += 1
            continue
        if top in {"$((", "(("} and text.startswith("))", i):
            stack.pop()
            word += "))"
            i += 2
            continue
        if text.startswith("$((", i):
            stack.append("$((")
            word += "$(("
            i += 3
            continue
        if cmdpos and not word and text.startswith("((", i):
            stack.append("((")
            i += 2
            continue
        if text.startswith("$(", i):
            stack.append("$(")
            word += "$("
            cmdpos = True
            i += 2
            continue
        if text.startswith("${", i):
            stack.append("${")
            word += "${"
            i += 2
            continue
        if c == ";":
            end_word()
            last_op = ";"
            cmdpos = True
            i += 2 if text.startswith(";;", i) else 1
            continue
        if c in "&|":  # &, &&, |, ||
            end_word()
            last_op = c * 2 if text.startswith(c * 2, i) else c
            i += len(last_op)
            cmdpos = True
            continue
        if c == "(":
            end_word()
            stack.append("(")
            cmdpos = True
            last_op = ""
            i += 1
            continue
        if c == ")":
            end_word()
            if top in {"(", "$("}:
                stack.pop()
            cmdpos = top == "case"
            last_op = ""
            i += 1
            continue
        if c == "<":
            end_word()
            m = _HEREDOC.match(text, i)
            if m and not text.startswith("<<<", i):
                heredocs.append((m.group(3), m.group(1) == "-", bool(m.group(2))))
                i = m.end()
            else:
                i += 1
            last_op = ""
            continue
        if c == ">":
            end_word()
            last_op = ""
            i += 1
            continue
        word += c
        last_op = ""
        i += 1
    end_word()
    complete = not stack and not heredocs and not continued and last_op not in {"|", "&&", "||"}
    for off in want:
        contexts.setdefault(off, PLAIN)
    return ScanResult(complete, list(stack), contexts, comment_only=not saw_code)


def _skip_heredocs(
    text: str,
    i: int,
    heredocs: list[tuple[str, bool, bool]],
    want: set[int],
    contexts: dict[int, str],
) -> tuple[int, bool]:
    """Consume heredoc bodies starting at `i`; returns the offset after the last delimiter."""
    n = len(text)
    for delim, strip_tabs, quoted in heredocs:
        kind = HEREDOC_QUOTED if quoted else HEREDOC
        while i < n:
            j = text.find("\n", i)
            end = n if j < 0 else j
            line = text[i:end]
            check = line.lstrip("\t") if strip_tabs else line
            if check == delim:
                i = end + 1 if j >= 0 else n
                break
            for off in want:
                if i <= off < end + 1:
                    contexts[off] = kind
            i = end + 1 if j >= 0 else n
        else:
            return n, False  # unterminated: the body runs to the end of the text
    return i, True


@memo()
def is_complete(text: str) -> bool:
    """True when `text` is whole: no open quote, compound statement, heredoc or continuation."""
    result = scan(text)
    return result.complete
