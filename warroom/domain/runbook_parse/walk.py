"""First pass over a page: headings, the alerts each names, and the drafts under each.

Nothing is assigned to sections here; `assemble` builds the tree once every alert is known
(an `## Alert` heading or a table can name the owner of headings read before it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from warroom.domain.runbook_parse import alert_names as names
from warroom.domain.runbook_parse.blocks import Token, tokens
from warroom.domain.runbook_parse.commands import reads_as_command
from warroom.domain.runbook_parse.drafts import MAX_INLINE_STEPS, MAX_STEP_CHARS, Counters, Draft
from warroom.domain.runbook_parse.headings import loose_phase, plain_title, slug
from warroom.domain.runbook_parse.queries import (
    read_http,
    read_promql,
    read_sql,
    read_transcript,
    transcript_kind,
)
from warroom.domain.runbook_parse.scripts import (
    is_exit,
    session_depth,
    take_sessions,
    unprompted,
)
from warroom.domain.runbook_parse.shell_blocks import (
    SHELL_LANGUAGES,
    SQL_LANGUAGES,
    TRANSCRIPT_LANGUAGES,
    ShellReader,
    block_would_run,
    looks_like_commands,
    prompted_lines,
)
from warroom.domain.runbooks import RunbookIssue, StepKind
from warroom.domain.shell_syntax import is_complete
from warroom.domain.untrusted import clip, one_line

_RUNBOOK_HEADING = re.compile(
    r"^(?:meaning|impact|diagnos\w*|mitigat\w*|resolution|remediation|troubleshoot\w*|"
    r"investigat\w*|symptoms?|possible causes?|causes?)\b",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Node:
    """One heading as read."""

    level: int
    title: str
    line: int
    anchor: str
    alerts: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Walk:
    path: str
    text: str
    lines: list[str]
    nodes: list[Node] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)
    errors: list[RunbookIssue] = field(default_factory=list)
    named: list[str] = field(default_factory=list)
    page_alerts: list[str] = field(default_factory=list)  # front matter, file name
    fm_title: str = ""
    title: str = ""
    fence_lines: set[int] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)  # (alert, #anchor) from tables
    counters: Counters = field(default_factory=Counters)

    def error(self, line: int, message: str) -> None:
        self.errors.append(RunbookIssue(self.path, line, message))

    def name(self, alert: str) -> None:
        if alert not in self.named:
            self.named.append(alert)

    def claim(self, node: int, alerts: list[str]) -> None:
        """Alerts for heading `node` (-1: the page)."""
        target = self.nodes[node].alerts if node >= 0 else self.page_alerts
        for a in alerts:
            self.name(a)
            if a not in target:
                target.append(a)


class Walker:
    def __init__(self, text: str, path: str) -> None:
        text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        self.w = Walk(path, text, text.split("\n"))
        self.shell = ShellReader(self.w.counters, self.w.error)
        self.label: str | None = None
        self.label_phase: str | None = None
        self.alert_heading: int | None = None  # claims go to this node after `## Alert`
        self.session_depth = 0
        self.session_level = 0
        self.session_line = 0
        self.anchors: dict[str, int] = {}
        self.tentative: list[str] = []  # a bare H1 name, if the page has runbook headings
        self.lists: list[bool] = []  # per open list: does it list this page's alerts?
        self.last_paragraph = ""
        self.heading = ""
        self.last_at_level: dict[int, int] = {}  # heading level -> index of its latest node

    @property
    def node(self) -> int:
        return len(self.w.nodes) - 1

    def walk(self) -> Walk:
        body = self._front_matter()
        toks = list(tokens(body, self.w.counters))
        i, in_item = 0, 0
        while i < len(toks):
            tok = toks[i]
            try:
                if tok.type == "heading_open":
                    self._heading(tok, toks[i + 1].content)
                    i += 3
                    continue
                if tok.type in {"bullet_list_open", "ordered_list_open"}:
                    self.lists.append(self._lists_alerts())
                elif tok.type in {"bullet_list_close", "ordered_list_close"} and self.lists:
                    self.lists.pop()
                elif tok.type == "list_item_open":
                    in_item += 1
                elif tok.type == "list_item_close":
                    in_item -= 1
                elif tok.type == "paragraph_open" and i + 1 < len(toks):
                    self._paragraph(toks[i + 1], list_item=in_item > 0)
                elif tok.type in {"fence", "code_block"}:
                    self._block(tok)
                elif tok.type == "table_open":
                    i = self._table(toks, i)
                    continue
            except Exception as exc:  # one odd part never hides the rest of the page
                line = (tok.map[0] + 1) if tok.map else 1
                self.w.error(line, f"could not read this part: {exc!r}")
            i += 1
        if self.tentative and any(_RUNBOOK_HEADING.search(n.title) for n in self.w.nodes[1:]):
            self.w.claim(0, self.tentative)  # `# Watchdog` over `## Meaning`, `## Mitigation`
        # the front-matter title and the file name are the fallback: a heading that names the
        # alert says it better (`NorthboundStaleAlert.md` is about `# NorthboundStale`)
        if not any(n.alerts for n in self.w.nodes) and not self.w.page_alerts:
            file_alert = names.file_alert(self.w.path)
            fm_title = self.w.fm_title
            title_alert = fm_title if names.is_alert_like(fm_title, strict=True) else None
            self.w.claim(-1, list(dict.fromkeys(a for a in (title_alert, file_alert) if a)))
        return self.w

    def _front_matter(self) -> str:
        lines = self.w.lines
        if not lines or lines[0].strip() != "---":
            return self.w.text
        for end in range(1, min(len(lines), 200)):
            if lines[end].strip() in {"---", "..."}:
                break
        else:
            self.w.error(1, "front matter is not closed with ---")
            return self.w.text
        key = ""
        found: list[str] = []
        for raw in lines[1:end]:
            m = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$", raw)
            if m:
                key, value = m.group(1).lower(), m.group(2).strip()
                if key in {"alerts", "alert", "alertname"} and value:
                    cleaned = value.strip("[]").replace("'", "").replace('"', "")
                    found += names.split_alert_names(cleaned)
                elif key == "title" and value:
                    self.w.fm_title = value.strip("'\"")
            elif key in {"alerts", "alert"} and re.match(r"^\s*-\s+", raw):
                found += names.split_alert_names(re.sub(r"^\s*-\s+", "", raw).strip("'\""))
        self.w.claim(-1, found)
        return "\n".join(["" for _ in range(end + 1)] + lines[end + 1 :])

    def _heading(self, tok: Token, content: str) -> None:
        level = int(tok.tag[1:]) if tok.tag[1:].isdigit() else 1
        line = tok.map[0] + 1 if tok.map else 1
        title = plain_title(content.strip())
        self.heading, self.last_paragraph = title, ""
        if level == 1 and not self.w.title:
            self.w.title = title
        stem = self.w.path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
        page_title = (level == 1 and not self.w.nodes and stem not in {"readme", "index"}) or (
            stem == title.lower()
        )
        alerts = names.heading_alerts(content.strip())
        self.w.nodes.append(Node(level, title, line, slug(content.strip(), self.anchors)))
        self.w.claim(self.node, alerts)
        if page_title and not alerts:  # confirmed at the end if the page reads as a runbook
            self.tentative = names.heading_alerts(content.strip(), page_title=True)
            file_stem = self.w.path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".md")
            if not self.tentative and title == file_stem and re.fullmatch(r"[A-Z][a-z]+", title):
                self.tentative = [title]  # `Watchdog.md`: `# Watchdog`
        self.alert_heading = None
        if not alerts and names.is_alert_heading(content.strip()):
            # the latest heading above this level (one look per level, not one per heading)
            above = [k for lv, k in self.last_at_level.items() if lv < level]
            self.alert_heading = max(above) if above else -1
        self.last_at_level[level] = self.node
        self.label = self.label_phase = None
        if self.session_depth and level <= self.session_level:
            self.session_depth = 0

    def _paragraph(self, inline: Token, *, list_item: bool) -> None:
        content = inline.content
        if self.alert_heading is not None:  # only the first paragraph under `## Alert`
            self.w.claim(self.alert_heading, names.paragraph_names(content))
            self.alert_heading = None
        labelled = names.label_alerts(content)
        if labelled is not None:
            self.w.claim(self.node, labelled)
            return
        if list_item and self.lists and self.lists[-1]:
            m2 = re.match(r"^`([A-Za-z][A-Za-z0-9_]*)`\s*(?:[-–—:]\s+.*)?$", content.strip())
            bare = content.strip()
            if m2 and names.is_alert_like(m2.group(1)):
                self.w.name(m2.group(1))
            elif names.is_alert_like(bare, strict=True):
                self.w.name(bare)
        strong = re.match(r"^\s*(?:\*\*|__)(.+?)(?:\*\*|__)", content)
        if strong:
            label = strong.group(1).strip().rstrip(":").strip()
            phase = loose_phase(label)
            if phase:
                self.label_phase, self.label = phase, None
            else:
                self.label = label
        elif not list_item:
            self.label = None
        self._inline_commands(inline)
        self.last_paragraph = content

    def _lists_alerts(self) -> bool:
        """A list names alerts when what introduces it says so ("Critical (P0) Alerts",
        "Critical alerts are firing:"), and not other pages' ("Related alerts", "See also")."""
        context = f"{self.heading}\n{self.last_paragraph}"
        if re.search(r"\b(?:related|see\s+also|other|similar)\b", context, re.IGNORECASE):
            return False
        return bool(re.search(r"\balerts?\b", context, re.IGNORECASE))

    def _inline_commands(self, inline: Token) -> None:
        """ "Check `kubectl describe pod <pod>`": inline code that is a whole command is a step."""
        line = inline.map[0] + 1 if inline.map else 1
        desc: str | None = None  # the paragraph as a description: made once, not once per span
        for child in inline.children or []:
            if self.w.counters.inline_steps >= MAX_INLINE_STEPS:
                if self.w.counters.inline_steps == MAX_INLINE_STEPS:
                    self.w.counters.inline_steps += 1
                    self.w.error(
                        line, f"over {MAX_INLINE_STEPS} commands in prose; the rest stay prose"
                    )
                return
            code = child.content.strip() if child.type == "code_inline" else ""
            if not code or len(code) > MAX_STEP_CHARS or not reads_as_command(code, strict=True):
                continue
            self.w.counters.scanned_chars += len(code)
            if not is_complete(code):
                continue
            kind = StepKind.TEXT if self.session_depth else StepKind.SHELL
            if desc is None:
                desc = clip(one_line(re.sub(r"[`*_]", "", inline.content)), 200)
            self._add(
                [Draft(kind, code, line, desc, self.label_phase, language="inline", inline=True)]
            )
            self.w.counters.inline_steps += 1

    def _table(self, toks: list[Token], i: int) -> int:
        """Alert tables: a column headed "Alert" names alerts; a `#anchor` link in the row
        ties the alert to that heading."""
        rows: list[list[Token]] = []
        row: list[Token] = []
        while i < len(toks) and toks[i].type != "table_close":
            t = toks[i]
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
        for cells in rows[1:] if col is not None else []:
            if col is None or col >= len(cells):
                continue
            found = [
                n for n in names.split_alert_names(cells[col].content) if names.is_alert_like(n)
            ]
            anchors = re.findall(r"\]\(#([^)\s]+)\)", " ".join(c.content for c in cells))
            for name in found:
                self.w.name(name)
                self.w.links += [(name, anchor.lower()) for anchor in anchors]
        return i + 1

    def _block(self, tok: Token) -> None:
        fenced = tok.type == "fence"
        info = (tok.info or "").strip().split(None, 1) if fenced else []
        language = (info[0].lower() if info else "").strip("{}.")
        start = tok.map[0] + (2 if fenced else 1) if tok.map else 1
        if tok.map:
            self.w.fence_lines.update(range(tok.map[0], tok.map[1]))
        content = tok.content.rstrip("\n")
        if len(content) > MAX_STEP_CHARS:
            self._add([self._too_long(content, language, start)])
            return
        lines = content.split("\n")
        drafts: list[Draft] = []
        shell_like = language in SHELL_LANGUAGES or language == ""
        kind = (
            transcript_kind(lines)
            if language in TRANSCRIPT_LANGUAGES | SQL_LANGUAGES | SHELL_LANGUAGES
            else None
        )
        if kind:
            drafts = read_transcript(kind, lines, start)
        elif language in SQL_LANGUAGES:
            drafts = read_sql(content, start)
        elif language in {"promql", "prometheus", "prom"}:
            drafts = read_promql(content, start)
        elif language in {"http", "rest"}:
            drafts = read_http(content, start, self.w.error)
        elif shell_like:
            drafts = self._shell(lines, language, start)
        if not drafts:
            drafts = [Draft(StepKind.TEXT, content, start, description=self.label)]
        for d in drafts:
            d.language = d.language or language
        if drafts[0].description is None and self.label:
            drafts[0].description = self.label
        self._add(drafts)

    def _too_long(self, content: str, language: str, start: int) -> Draft:
        """A block longer than any step may be: its head shown as text, never split (that
        was the slow part), said when it would have run."""
        if block_would_run(content[:MAX_STEP_CHARS], language):
            self.w.error(start, f"block longer than {MAX_STEP_CHARS} characters; shown as text")
            self.w.counters.capped_steps += 1
        return Draft(StepKind.TEXT, content[:MAX_STEP_CHARS] + "\n…", start, description=self.label)

    def _shell(self, lines: list[str], language: str, start: int) -> list[Draft]:
        if self.session_depth:  # typed inside a shell an earlier block opened
            depth = session_depth(self.session_depth, [x for x in lines if x.strip()])
            cut = len(lines)
            if depth == 0:
                d = self.session_depth
                for k, x in enumerate(lines):
                    d = d - 1 if is_exit(x) else d
                    if d <= 0:
                        cut = k + 1
                        break
            self.session_depth = depth
            inside = "\n".join(unprompted(x) for x in lines[:cut])
            note = f"typed inside the shell opened at line {self.session_line}; never run here"
            head = [Draft(StepKind.TEXT, inside, start, note)] if inside.strip() else []
            rest = self._shell(lines[cut:], language, start + cut) if lines[cut:] else []
            return head + rest
        prompts = prompted_lines(lines, language)
        if prompts:
            drafts = self.shell.prompted(lines, prompts, start)
        elif language in SHELL_LANGUAGES - TRANSCRIPT_LANGUAGES or looks_like_commands(
            lines, language
        ):
            drafts = self.shell.plain(lines, start)
        else:
            return []
        drafts, depth = take_sessions(drafts, lines, start)
        if depth:
            opener = next(d for d in drafts if d.opens_session)
            self.session_depth, self.session_line = depth, opener.line
            self.session_level = self.w.nodes[-1].level if self.w.nodes else 0
        return drafts

    def _add(self, drafts: list[Draft]) -> None:
        for d in drafts:
            d.node = self.node
            if len(d.command) > MAX_STEP_CHARS + 2:  # one cap for every kind of step
                if d.kind is not StepKind.TEXT:
                    self.w.error(
                        d.line, f"step longer than {MAX_STEP_CHARS} characters; shown as text"
                    )
                    self.w.counters.capped_steps += 1
                d.kind, d.command = StepKind.TEXT, d.command[:MAX_STEP_CHARS] + "\n…"
            if d.phase is None:
                d.phase = self.label_phase
        self.w.drafts.extend(drafts)
