"""Markdown runbooks -> `Runbook`: sections tied to alerts, code blocks split into steps.

Real runbooks are messy (mojibake, PowerShell beside bash, SQL pasted into bash blocks,
comment-only blocks), so the parser never raises on content: what it cannot read becomes a
`RunbookIssue` with a line number and the rest is still used. Pure: text in, data out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt

from warroom.domain import shell_syntax
from warroom.domain.durations import parse_duration
from warroom.domain.placeholders import placeholders_in
from warroom.domain.runbooks import Runbook, RunbookIssue, Section, Step, StepKind
from warroom.domain.step_risk import classify

SHELL_LANGUAGES = frozenset({"bash", "sh", "shell", "console", "zsh", "shell-session", "terminal"})
PHASES = (
    ("Diagnosis", r"diagnos\w*|triage|assess\w*"),
    ("Investigation", r"investigat\w*"),
    ("Mitigation", r"mitigat\w*|emergency\s+measures?|workarounds?"),
    ("Resolution", r"resolution\w*|resolve|remediation|recovery\s+steps|fix(es)?"),
    ("Verify", r"verif\w*|validat\w*|confirm\w*"),
    ("Prevention", r"prevent\w*|follow[- ]ups?"),
    ("Rollback", r"roll\s*back\w*"),
)
_PHASE_RE = [(name, re.compile(rf"\b({pattern})\b", re.IGNORECASE)) for name, pattern in PHASES]
_PHASE_HEADING = re.compile(
    r"^(?:\d+[.)]\s*)?(?:common\s+|quick\s+|immediate\s+)?("
    + "|".join(p for _, p in PHASES)
    + r")(?:\s+(?:steps?|procedures?|actions?|commands?))?\s*:?$",
    re.IGNORECASE,
)
_ALERT_LABEL = re.compile(
    r"^\s*(?:\*\*|__)?\s*alerts?\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_ALERT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_:.\-]*$")
_HEADING_ALERT = re.compile(r"\(\s*`([^`]+)`\s*\)")
_CAMEL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
NOT_ALERTS = frozenset(
    [
        "PostgreSQL",
        "MySQL",
        "MongoDB",
        "JavaScript",
        "TypeScript",
        "GitHub",
        "GitLab",
        "PagerDuty",
        "OpsGenie",
        "DevOps",
        "CloudWatch",
        "DataDog",
        "NodeJS",
        "OAuth",
        "GraphQL",
        "PowerShell",
        "YouTube",
        "LinkedIn",
        "WordPress",
        "RabbitMQ",
        "ElasticSearch",
        "OpenSearch",
        "SQLite",
        "IPv4",
        "IPv6",
        "VMware",
        "PgBouncer",
        "HAProxy",
        "CoreDNS",
        "DynamoDB",
        "BigQuery",
        "NoSQL",
        "FastAPI",
        "GitOps",
        "ChatOps",
        "SRE",
        "HTTP",
        "HTTPS",
        "API",
        "TLS",
        "SSL",
        "DNS",
    ]
)
_SQL_START = re.compile(
    r"^(SELECT|INSERT|UPDATE|DELETE|ALTER|CREATE|DROP|TRUNCATE|VACUUM|ANALYZE|REINDEX|GRANT|"
    r"REVOKE|EXPLAIN|WITH|SHOW|CLUSTER|REFRESH|COPY|BEGIN|COMMIT|ROLLBACK|SET|RESET|LOCK|CALL)\b"
)
_PROMQL_START = re.compile(
    r"^(rate|irate|increase|sum|avg|min|max|count|histogram_quantile|topk|bottomk|absent|delta|"
    r"deriv|predict_linear|\w+_over_time|label_replace|clamp_max|clamp_min|sort|sort_desc|"
    r"quantile|stddev|up)\s*[({]"
)
_PROMQL_COMMENT = re.compile(
    r"^(?:promql|query|prometheus(?:\s+query)?|check\s+prometheus)\s*:\s*(.+)$", re.IGNORECASE
)
_TIMEOUT_COMMENT = re.compile(r"^timeout\s*[:=]?\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min)?$", re.IGNORECASE)
_HTTP_START = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+\S+", re.IGNORECASE)

_md = MarkdownIt("commonmark").enable("table")


@dataclass(slots=True)
class _Draft:
    """A step before it has its section-wide index."""

    kind: StepKind
    command: str
    line: int
    description: str | None = None
    phase: str | None = None
    alternative: bool = False
    language: str = ""
    timeout_s: float | None = None


@dataclass(slots=True)
class _SectionDraft:
    section: Section
    drafts: list[_Draft] = field(default_factory=list)


@dataclass(slots=True)
class ParseResult:
    """A runbook plus every alert the document names anywhere (sections, lists, tables)."""

    runbook: Runbook
    named_alerts: list[str]


def parse_runbook(text: str, path: str) -> Runbook:
    """Parse one Markdown runbook. Never raises on content."""
    return parse_runbook_full(text, path).runbook


def parse_runbook_full(text: str, path: str) -> ParseResult:
    try:
        return _Parser(text, path).parse()
    except Exception as exc:  # the parser must never take the console down
        runbook = Runbook(path=path, title=_fallback_title(text, path))
        runbook.errors.append(RunbookIssue(path, 1, f"could not parse: {exc!r}"))
        return ParseResult(runbook, [])


def alerts_named(text: str, path: str = "") -> list[str]:
    """Every alert name a document mentions: in sections, alert lists and alert tables."""
    return parse_runbook_full(text, path).named_alerts


def _fallback_title(text: str, path: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.rsplit("/", 1)[-1]


def phase_of(label: str) -> str | None:
    """`**Diagnosis Steps:**`, `### Verify`, `# Common resolutions:` -> the phase name."""
    text = re.sub(r"[*_`]", "", label).strip()
    if not _PHASE_HEADING.match(text):
        return None
    for name, pattern in _PHASE_RE:
        if pattern.search(text):
            return name
    return None


def _loose_phase(label: str) -> str | None:
    """A bold label that mentions a phase anywhere ("Verify recovery:", "Resolution Steps")."""
    text = re.sub(r"[*_`]", "", label).strip()
    for name, pattern in _PHASE_RE:
        m = pattern.search(text)
        if m and m.start() <= 12:
            return name
    return None


def slug(title: str, seen: dict[str, int] | None = None) -> str:
    """GitHub-style heading anchor."""
    text = re.sub(r"[`*_~\[\]()]", "", title).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    anchor = text.replace(" ", "-")
    if seen is not None:
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        if count:
            anchor = f"{anchor}-{count}"
    return anchor


def is_alert_like(name: str) -> bool:
    """A CamelCase word with two capitals or more that is not a product name."""
    return (
        bool(_CAMEL.match(name))
        and sum(ch.isupper() for ch in name) >= 2
        and any(ch.islower() for ch in name)
        and name not in NOT_ALERTS
    )


def split_alert_names(text: str) -> list[str]:
    """`A`, `B` or `C` (severity: critical) -> [A, B, C]."""
    text = re.sub(r"\([^)]*\)", " ", text)
    text = re.sub(r"\s[-–—]\s.*$", " ", text)
    names: list[str] = []
    for part in re.split(r",|;|/|\bor\b|\band\b|\s&\s", text):
        word = part.strip().strip("*_").strip().strip("`").strip()
        if word and _ALERT_NAME.match(word) and word not in names:
            names.append(word)
    return names


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        self.lines = self.text.split("\n")
        self.errors: list[RunbookIssue] = []
        self.sections: list[_SectionDraft] = []
        self.named: list[str] = []
        self.fence_lines: set[int] = set()
        self.table_links: list[tuple[str, str]] = []
        self.title = ""
        self.phase: str | None = None
        self.label: str | None = None
        self.fm_alerts: list[str] = []
        self.fm_title = ""

    def error(self, line: int, message: str) -> None:
        self.errors.append(RunbookIssue(self.path, line, message))

    def name(self, alert: str) -> None:
        if alert not in self.named:
            self.named.append(alert)

    # --- walk --------------------------------------------------------------------------

    def parse(self) -> ParseResult:
        body = self._front_matter()
        tokens = _md.parse(body)
        i = 0
        in_item = 0
        while i < len(tokens):
            tok = tokens[i]
            try:
                if tok.type == "heading_open":
                    self._heading(tok, tokens[i + 1].content)
                    i += 3
                    continue
                if tok.type == "list_item_open":
                    in_item += 1
                elif tok.type == "list_item_close":
                    in_item -= 1
                elif tok.type == "paragraph_open" and i + 1 < len(tokens):
                    self._paragraph(tokens[i + 1], list_item=in_item > 0)
                elif tok.type in {"fence", "code_block"}:
                    self._block(tok)
                elif tok.type == "table_open":
                    i = self._table(tokens, i)
                    continue
            except Exception as exc:
                line = (tok.map[0] + 1) if tok.map else 1
                self.error(line, f"could not read this part: {exc!r}")
            i += 1
        return ParseResult(self._finish(), self.named)

    def _front_matter(self) -> str:
        if not self.lines or self.lines[0].strip() != "---":
            return self.text
        for end in range(1, min(len(self.lines), 200)):
            if self.lines[end].strip() in {"---", "..."}:
                break
        else:
            self.error(1, "front matter is not closed with ---")
            return self.text
        key = ""
        for raw in self.lines[1:end]:
            m = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$", raw)
            if m:
                key, value = m.group(1).lower(), m.group(2).strip()
                if key == "alerts" and value:
                    self.fm_alerts += split_alert_names(
                        value.strip("[]").replace("'", "").replace('"', "")
                    )
                elif key == "title" and value:
                    self.fm_title = value.strip("'\"")
            elif key == "alerts" and re.match(r"^\s*-\s+", raw):
                self.fm_alerts += split_alert_names(re.sub(r"^\s*-\s+", "", raw).strip("'\""))
        for a in self.fm_alerts:
            self.name(a)
        blank = ["" for _ in range(end + 1)]
        return "\n".join(blank + self.lines[end + 1 :])

    def _current(self) -> _SectionDraft:
        if not self.sections:
            title = self.fm_title or self.title or self.path.rsplit("/", 1)[-1]
            self.sections.append(_SectionDraft(Section(title, 1, 1, slug(title))))
        return self.sections[-1]

    def _heading(self, tok: Any, content: str) -> None:
        level = int(tok.tag[1:]) if tok.tag[1:].isdigit() else 1
        line = tok.map[0] + 1 if tok.map else 1
        title = content.strip()
        if level == 1 and not self.title:
            self.title = re.sub(r"[`*_]", "", title)
        phase = phase_of(title)
        if phase and self.sections and level > self.sections[-1].section.level:
            self.phase = phase
            self.label = None
            return
        alerts = [m.strip() for m in _HEADING_ALERT.findall(title) if _ALERT_NAME.match(m.strip())]
        bare = re.sub(r"[`*_]", "", title).strip()
        if not alerts and is_alert_like(bare):
            alerts = [bare]
        seen = getattr(self, "_anchors", {})
        self._anchors = seen
        section = Section(
            title=re.sub(r"`", "", title),
            level=level,
            line=line,
            anchor=slug(title, seen),
            alerts=alerts,
        )
        for a in alerts:
            self.name(a)
        self.sections.append(_SectionDraft(section))
        self.phase = None
        self.label = None

    def _paragraph(self, inline: Any, *, list_item: bool) -> None:
        content = inline.content
        m = _ALERT_LABEL.match(content)
        if m:
            names = split_alert_names(m.group(1).split("\n")[0])
            section = self._current().section
            for name in names:
                if name not in section.alerts:
                    section.alerts.append(name)
                self.name(name)
            return
        if list_item:
            m2 = re.match(r"^`([A-Za-z][A-Za-z0-9_]*)`\s*(?:[-–—:]\s+.*)?$", content.strip())
            bare = content.strip()
            if m2 and is_alert_like(m2.group(1)):
                self.name(m2.group(1))
            elif is_alert_like(bare):
                self.name(bare)
        strong = re.match(r"^\s*(?:\*\*|__)(.+?)(?:\*\*|__)", content)
        if strong:
            label = strong.group(1).strip().rstrip(":").strip()
            phase = _loose_phase(label)
            if phase:
                self.phase = phase
                self.label = None
            else:
                self.label = label
        elif not list_item:
            self.label = None

    def _table(self, tokens: list[Any], i: int) -> int:
        """Alert tables: a column headed "Alert" names alerts; a `#anchor` link in the row
        ties the alert to that section."""
        rows: list[list[Any]] = []
        row: list[Any] = []
        while i < len(tokens) and tokens[i].type != "table_close":
            t = tokens[i]
            if t.type == "tr_open":
                row = []
            elif t.type == "inline":
                row.append(t)
            elif t.type == "tr_close":
                rows.append(row)
            i += 1
        if not rows:
            return i + 1
        header = [re.sub(r"[*_`]", "", c.content).strip().lower() for c in rows[0]]
        col = next(
            (k for k, h in enumerate(header) if h in {"alert", "alerts", "alert name"}), None
        )
        if col is None:
            return i + 1
        for cells in rows[1:]:
            if col >= len(cells):
                continue
            names = [n for n in split_alert_names(cells[col].content) if is_alert_like(n)]
            anchors = re.findall(r"\]\(#([^)\s]+)\)", " ".join(c.content for c in cells))
            for name in names:
                self.name(name)
                for anchor in anchors:
                    self.table_links.append((name, anchor))
        return i + 1

    # --- code blocks -------------------------------------------------------------------

    def _block(self, tok: Any) -> None:
        fenced = tok.type == "fence"
        info = (tok.info or "").strip().split(None, 1) if fenced else []
        language = info[0].lower() if info else ""
        language = language.strip("{}.")
        start = tok.map[0] + (2 if fenced else 1) if tok.map else 1
        if tok.map:
            self.fence_lines.update(range(tok.map[0], tok.map[1]))
        content = tok.content.rstrip("\n")
        section = self._current()
        if language in SHELL_LANGUAGES:
            drafts = self._shell(content, start, console=language in {"console", "shell-session"})
        elif language in {"sql", "psql", "postgresql", "pgsql", "plpgsql"}:
            drafts = self._sql(content, start)
        elif language in {"promql", "prometheus", "prom"}:
            drafts = self._promql(content, start)
        elif language in {"http", "rest"}:
            drafts = self._http(content, start)
        else:
            drafts = []
        if not drafts:
            drafts = [_Draft(StepKind.TEXT, content, start, description=self.label)]
        for d in drafts:
            d.language = language
            if d.phase is None:
                d.phase = self.phase
        if drafts and drafts[0].description is None and self.label:
            drafts[0].description = self.label
        section.drafts.extend(drafts)

    def _shell(self, content: str, start: int, *, console: bool = False) -> list[_Draft]:
        lines = content.split("\n")
        drafts: list[_Draft] = []
        desc: list[str] = []
        alternative = False
        timeout: float | None = None
        phase: str | None = None
        cur: list[str] = []
        cur_line = 0
        i = 0

        def emit(kind: StepKind, command: str, line: int) -> None:
            nonlocal desc, alternative, timeout
            drafts.append(
                _Draft(
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

        while i < len(lines):
            line = lines[i]
            if not cur:
                stripped = line.strip()
                if console:
                    if stripped.startswith(("$ ", "# ")) and stripped != "#":
                        line = re.sub(r"^\s*[$#] ", "", line)
                        stripped = line.strip()
                    else:
                        i += 1  # sample output
                        continue
                if not stripped:
                    desc, alternative = [], False
                    i += 1
                    continue
                if stripped.startswith("#"):
                    if not stripped.startswith("#!"):
                        text = stripped.lstrip("#").strip()
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
                    j = i
                    body = []
                    while j < len(lines) and lines[j].strip():
                        body.append(lines[j])
                        if lines[j].rstrip().endswith(";"):
                            break
                        j += 1
                    emit(StepKind.SQL, "\n".join(body).strip().rstrip(";").rstrip(), start + i)
                    i = j + 1
                    continue
                if _PROMQL_START.match(stripped):  # PromQL pasted into a shell block
                    emit(StepKind.PROMQL, stripped, start + i)
                    i += 1
                    continue
                cur_line = start + i
            cur.append(line)
            if shell_syntax.scan("\n".join(cur)).complete:
                emit(StepKind.SHELL, "\n".join(cur).rstrip(), cur_line)
                cur = []
            i += 1
        if cur:
            result = shell_syntax.scan("\n".join(cur))
            what = ", ".join(result.unclosed) or "continuation"
            self.error(cur_line, f"command never ends (open: {what}); shown as text")
            emit(StepKind.TEXT, "\n".join(cur).rstrip(), cur_line)
        return drafts

    def _sql(self, content: str, start: int) -> list[_Draft]:
        drafts: list[_Draft] = []
        desc: list[str] = []
        body: list[str] = []
        body_line = 0
        in_string = False
        for k, line in enumerate(content.split("\n")):
            stripped = line.strip()
            if not body and not in_string:
                if stripped.startswith("--"):
                    desc.append(stripped.lstrip("-").strip())
                    continue
                if not stripped:
                    desc = []
                    continue
                body_line = start + k
            body.append(line)
            code = re.sub(r"--.*$", "", line)
            in_string ^= bool(code.count("'") % 2)
            if not in_string and code.rstrip().endswith(";"):
                drafts.append(_sql_draft(body, body_line, desc))
                body, desc = [], []
        if body and "\n".join(body).strip():
            drafts.append(_sql_draft(body, body_line, desc))
        return drafts

    def _promql(self, content: str, start: int) -> list[_Draft]:
        drafts: list[_Draft] = []
        desc: list[str] = []
        body: list[str] = []
        body_line = 0
        for k, line in enumerate([*content.split("\n"), ""]):
            stripped = line.strip()
            if stripped.startswith("#") and not body:
                desc.append(stripped.lstrip("#").strip())
                continue
            if not stripped:
                if body:
                    drafts.append(
                        _Draft(
                            StepKind.PROMQL,
                            "\n".join(body).strip(),
                            body_line,
                            " ".join(desc) or None,
                        )
                    )
                body, desc = [], []
                continue
            if not body:
                body_line = start + k
            body.append(line)
        return drafts

    def _http(self, content: str, start: int) -> list[_Draft]:
        drafts: list[_Draft] = []
        desc: list[str] = []
        body: list[str] = []
        body_line = 0

        def flush() -> None:
            nonlocal body, desc
            text = "\n".join(body).strip()
            if text:
                drafts.append(_Draft(StepKind.HTTP, text, body_line, " ".join(desc) or None))
            body, desc = [], []

        for k, line in enumerate(content.split("\n")):
            stripped = line.strip()
            if stripped.startswith("###"):
                flush()
                continue
            if not body and (stripped.startswith("#") or stripped.startswith("//")):
                desc.append(stripped.lstrip("#/").strip())
                continue
            if not body and not stripped:
                continue
            if body and _HTTP_START.match(stripped):
                flush()
            if not body:
                if not _HTTP_START.match(stripped):
                    self.error(start + k, "an http block must start with METHOD URL")
                    return []
                body_line = start + k
            body.append(line)
        flush()
        return drafts

    # --- assembly ----------------------------------------------------------------------

    def _finish(self) -> Runbook:
        title = self.fm_title or self.title or _fallback_title(self.text, self.path)
        runbook = Runbook(path=self.path, title=title, errors=self.errors)
        for draft in self.sections:
            draft.section.steps = _steps(draft.drafts)
        by_anchor = {d.section.anchor: d.section for d in self.sections}
        for name, anchor in self.table_links:
            target = by_anchor.get(anchor.lower())
            if target is not None and name not in target.alerts:
                target.alerts.append(name)
        starts = [d.section.line for d in self.sections]
        for k, draft in enumerate(self.sections):
            first = draft.section.line  # 1-based heading line; body starts after it
            end = starts[k + 1] - 1 if k + 1 < len(starts) else len(self.lines)
            body = [
                self.lines[n]
                for n in range(first, end)
                if n not in self.fence_lines and n < len(self.lines)
            ]
            draft.section.body = "\n".join(body).strip("\n")
        if self.fm_alerts and self.sections:
            head = self.sections[0].section
            for a in self.fm_alerts:
                if a not in head.alerts:
                    head.alerts.append(a)
            if not head.steps:
                everything: list[_Draft] = []
                for d in self.sections:
                    for s in d.drafts:
                        if s.phase is None:
                            s.phase = d.section.title
                        everything.append(s)
                head.steps = _steps(everything)
        runbook.sections = [d.section for d in self.sections]
        return runbook


def _steps(drafts: list[_Draft]) -> list[Step]:
    steps: list[Step] = []
    for d in drafts:
        alternative_of: int | None = None
        if d.alternative and steps:
            prev = steps[-1]
            alternative_of = (
                prev.alternative_of if prev.alternative_of is not None else len(steps) - 1
            )
        runnable = d.kind is not StepKind.TEXT
        steps.append(
            Step(
                kind=d.kind,
                command=d.command,
                line=d.line,
                risk=classify(d.kind, d.command),
                description=d.description,
                phase=d.phase,
                placeholders=placeholders_in(d.command) if runnable else (),
                alternative_of=alternative_of,
                language=d.language,
                timeout_s=d.timeout_s,
            )
        )
    return steps


def _sql_draft(body: list[str], line: int, desc: list[str]) -> _Draft:
    """One SQL statement (its trailing semicolon dropped), with the comments above it."""
    return _Draft(
        StepKind.SQL, "\n".join(body).strip().rstrip(";").rstrip(), line, " ".join(desc) or None
    )
