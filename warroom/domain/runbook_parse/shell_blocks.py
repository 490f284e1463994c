"""Shell-like blocks into commands: prompts, sample output, comments, SQL and PromQL pasted in.

With prompts (`$ `, `user@host:path$ `, `% `, a root `# ` only where clearly one), a prompt
starts a command and what follows it, up to the next prompt, is what it printed. Without
prompts every line that reads as a command is one; the rest is shown with the step before it.
Long steps are cut off at a cap and shown as text, so a huge line never makes parsing slow.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from warroom.domain import shell_syntax
from warroom.domain.durations import parse_duration
from warroom.domain.runbook_parse.commands import KNOWN_COMMANDS, first_word, reads_as_command
from warroom.domain.runbook_parse.drafts import MAX_STEP_CHARS, MAX_STEP_LINES, Counters, Draft
from warroom.domain.runbook_parse.headings import phase_of
from warroom.domain.runbooks import StepKind

SHELL_LANGUAGES = frozenset(
    {"bash", "sh", "shell", "console", "zsh", "shell-session", "terminal", "shellsession"}
)
TRANSCRIPT_LANGUAGES = frozenset({"", "console", "shell-session", "terminal", "shellsession"})
PROMPT = re.compile(
    r"^\s*(?:\([\w.-]+\)\s*)?"
    r"(?:\$|%|\[[^\]\n]{1,80}\][$#]|[\w.-]+@[\w.-]+(?::[^\s$#]*)?\s?[$#%]|[\w.-]+:[~/][^\s$#]*[$#])"
    r"(?: (.*)|$)"
)
_ROOT_PROMPT = re.compile(r"^\s*# (.*)$")
_SQL_START = re.compile(
    r"^(SELECT|INSERT|UPDATE|DELETE|ALTER|CREATE|DROP|TRUNCATE|VACUUM|ANALYZE|REINDEX|GRANT|"
    r"REVOKE|EXPLAIN|WITH|SHOW|CLUSTER|REFRESH|COPY|BEGIN|COMMIT|ROLLBACK|SET|RESET|LOCK|CALL)\b"
)
_PROMQL_START = re.compile(
    r"^(rate|irate|increase|sum|avg|min|max|count|histogram_quantile|topk|bottomk|absent|delta|"
    r"deriv|predict_linear|\w+_over_time|label_replace|clamp_max|clamp_min|sort|sort_desc|"
    r"quantile|stddev|up)\s*[({]|^(sum|avg|min|max|count|topk|bottomk|quantile|stddev|group)\s+"
    r"(by|without)\s*\("
)
_PROMQL_COMMENT = re.compile(
    r"^(?:promql|query|prometheus(?:\s+query)?|check\s+prometheus)\s*:\s*(.+)$", re.IGNORECASE
)
_TIMEOUT_COMMENT = re.compile(r"^timeout\s*[:=]?\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min)?$", re.IGNORECASE)
_FUNCTION_HEAD = re.compile(r"^\s*(?:function\s+[\w-]+\s*(?:\(\s*\))?|[\w-]+\s*\(\s*\))\s*(?=[{(])")
_CHAT_COMMAND = re.compile(r"^/[a-z][\w-]*(?:\s|$)")  # `/chatops run ...`: typed in chat


def prompted_lines(lines: list[str], language: str) -> list[tuple[int, str]] | None:
    """(index, command text) of each prompt line, or None when the block has no prompts."""
    found = [(k, m.group(1) or "") for k, line in enumerate(lines) if (m := PROMPT.match(line))]
    if found:
        return found
    if language in {"console", "shell-session", "terminal", "shellsession"}:
        roots = [
            (k, m.group(1))
            for k, line in enumerate(lines)
            if (m := _ROOT_PROMPT.match(line)) and first_word(m.group(1)) in KNOWN_COMMANDS
        ]
        return roots or None
    return None


def looks_like_commands(lines: list[str], language: str) -> bool:
    """An untagged or console block with no prompts holds commands when its first line that
    is not a comment reads as one (a known command or an assignment first). A line over the
    step cap is judged by its first `MAX_STEP_CHARS` characters: its step is capped anyway, and
    splitting 5 MB into words took a second."""
    for line in lines:
        text = line[: MAX_STEP_CHARS + 1].strip()
        if not text or text.startswith("#"):
            continue
        if _PROMQL_START.match(text):
            return True
        if language in {"", "text", "plain", "plaintext"}:
            return reads_as_command(text) and (
                first_word(text) in KNOWN_COMMANDS or "=" in text.split()[0]
            )
        return reads_as_command(text)
    return False


SQL_LANGUAGES = frozenset({"sql", "psql", "postgresql", "pgsql", "plpgsql", "postgres", "mysql"})
RUNNABLE_LANGUAGES = (
    SQL_LANGUAGES
    | (SHELL_LANGUAGES - TRANSCRIPT_LANGUAGES)
    | {"promql", "prometheus", "prom", "http", "rest"}
)


def block_would_run(head: str, language: str) -> bool:
    """Whether a block starting with `head` would have become runnable steps: its language
    says so, or (untagged, console) its first lines read as commands or prompts."""
    if language in RUNNABLE_LANGUAGES:
        return True
    lines = head.split("\n", MAX_STEP_LINES)[:MAX_STEP_LINES]
    return language in SHELL_LANGUAGES | {""} and (
        bool(prompted_lines(lines, language)) or looks_like_commands(lines, language)
    )


class ShellReader:
    """One shell-like block into drafts (before scripts are joined)."""

    def __init__(self, counters: Counters, error: Callable[[int, str], None]) -> None:
        self.counters = counters
        self.error = error

    def complete(self, text: str) -> bool:
        self.counters.scanned_chars += len(text)
        # the scanner does not see `name() {` as opening a group; the body alone it does
        return shell_syntax.is_complete(_FUNCTION_HEAD.sub("", text, count=1))

    def too_long(self, lines: list[str], line: int) -> Draft:
        text = "\n".join(lines)
        self.counters.capped_steps += 1
        self.error(
            line,
            f"step longer than {MAX_STEP_CHARS} characters or {MAX_STEP_LINES} lines; shown as text",
        )
        return Draft(StepKind.TEXT, text[:MAX_STEP_CHARS] + "\n…", line)

    def prompted(self, lines: list[str], prompts: list[tuple[int, str]], start: int) -> list[Draft]:
        drafts: list[Draft] = []
        desc = [_comment(x) for x in lines[: prompts[0][0]] if x.strip().startswith("#")]
        bounds = [k for k, _ in prompts[1:]] + [len(lines)]
        for (k, text), end in zip(prompts, bounds, strict=True):
            if not text.strip() or text.strip().startswith("#"):
                if text.strip():
                    desc.append(_comment(text))
                continue
            body, j = [text], k + 1
            while not self._fits(body) or not self.complete("\n".join(body)):
                if not self._fits(body):
                    drafts.append(self.too_long(body, start + k))
                    body = []
                    break
                if j >= end:
                    break
                body.append(lines[j])
                j += 1
            if not body:
                continue
            command = "\n".join(body).rstrip()
            kind = StepKind.TEXT if _CHAT_COMMAND.match(command) else StepKind.SHELL
            if kind is StepKind.SHELL and not self.complete(command):
                self.error(start + k, "command never ends; shown as text")
                kind = StepKind.TEXT
            output = "\n".join(lines[j:end]).strip("\n")
            drafts.append(
                Draft(
                    kind,
                    command,
                    start + k,
                    " ".join(d for d in desc if d) or None,
                    expected_output=output,
                )
            )
            desc = []
        return drafts

    @staticmethod
    def _fits(body: list[str]) -> bool:
        return len(body) <= MAX_STEP_LINES and sum(len(b) + 1 for b in body) <= MAX_STEP_CHARS

    def plain(self, lines: list[str], start: int) -> list[Draft]:
        """A block with no prompts: one step per complete command, comments as descriptions."""
        drafts: list[Draft] = []
        desc: list[str] = []
        alternative = False
        timeout: float | None = None
        phase: str | None = None
        cur: list[str] = []
        cur_line = 0
        size = 0

        def emit(kind: StepKind, command: str, line: int) -> None:
            nonlocal desc, alternative, timeout
            drafts.append(
                Draft(
                    kind,
                    command,
                    line,
                    " ".join(desc) or None,
                    phase or None,
                    alternative,
                    timeout_s=timeout,
                )
            )
            desc, alternative, timeout = [], False, None

        i = 0
        while i < len(lines):
            line = lines[i]
            if not cur:
                stripped = line.strip()
                if not stripped:
                    desc, alternative = [], False
                    i += 1
                    continue
                if stripped.startswith("#"):
                    if not stripped.startswith("#!"):
                        text = _comment(stripped)
                        orm = re.match(r"^or\b[\s:,\-]*(.*)$", text, re.IGNORECASE)
                        pm = _PROMQL_COMMENT.match(text)
                        tm = _TIMEOUT_COMMENT.match(text)
                        if orm and drafts:
                            alternative = True
                            if orm.group(1):
                                desc.append(orm.group(1))
                        elif pm and re.search(r"[({\[]", pm.group(1)):
                            emit(StepKind.PROMQL, pm.group(1).strip(), start + i)
                        elif tm:
                            timeout = parse_duration(tm.group(1) + (tm.group(2) or "s"))
                        elif phase_of(text):
                            phase = phase_of(text)
                            desc = []
                        elif text:
                            desc.append(text)
                    i += 1
                    continue
                if _SQL_START.match(stripped):
                    j, body = i, list[str]()
                    while j < len(lines) and lines[j].strip() and len(body) < MAX_STEP_LINES:
                        body.append(lines[j])
                        if lines[j].rstrip().endswith(";"):
                            break
                        j += 1
                    emit(StepKind.SQL, "\n".join(body).strip().rstrip(";").rstrip(), start + i)
                    i = j + 1
                    continue
                if _PROMQL_START.match(stripped):  # PromQL pasted into a shell block
                    j, depth, body = i, 0, list[str]()
                    while j < len(lines) and len(body) < MAX_STEP_LINES:
                        body.append(lines[j].strip())
                        depth += _depth(lines[j])
                        j += 1
                        if depth <= 0:
                            break
                    emit(StepKind.PROMQL, "\n".join(body), start + i)
                    i = j
                    continue
                # a line over the cap is judged by its head (its step is capped anyway)
                head = stripped[: MAX_STEP_CHARS + 1]
                if _CHAT_COMMAND.match(stripped) or not reads_as_command(head):
                    self._shown_with_previous(drafts, line, start + i)
                    i += 1
                    continue
                cur_line, size = start + i, 0
            cur.append(line)
            size += len(line) + 1
            if size > MAX_STEP_CHARS or len(cur) > MAX_STEP_LINES:
                # where the command ends is lost: the rest of the block is text too
                drafts.append(self.too_long(cur + lines[i + 1 :], cur_line))
                return drafts
            if self.complete("\n".join(cur)):
                emit(StepKind.SHELL, "\n".join(cur).rstrip(), cur_line)
                cur = []
            i += 1
        if cur:
            result = shell_syntax.scan("\n".join(cur))
            what = ", ".join(result.unclosed) or "continuation"
            self.error(cur_line, f"command never ends (open: {what}); shown as text")
            emit(StepKind.TEXT, "\n".join(cur).rstrip(), cur_line)
        return drafts

    @staticmethod
    def _shown_with_previous(drafts: list[Draft], line: str, number: int) -> None:
        """A line that is no command (sample output, a chat command, an edit to make)."""
        prev = drafts[-1] if drafts else None
        if prev is not None and prev.kind is StepKind.SHELL:
            prev.expected_output = f"{prev.expected_output}\n{line}".strip("\n")
        elif prev is not None and prev.kind is StepKind.TEXT and prev.line < number:
            prev.command = f"{prev.command}\n{line}"
        else:
            drafts.append(Draft(StepKind.TEXT, line, number))


def _depth(line: str) -> int:
    """How many brackets a PromQL line leaves open (strings and label values left out)."""
    code = re.sub(r'"(?:[^"\\]|\\.)*"', "", line)
    return sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")


def _comment(text: str) -> str:
    return text.strip().lstrip("#").strip()
