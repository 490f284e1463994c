"""Second pass: the heading tree into sections, phases and steps.

An alert named at a heading (or for the whole page: front matter, file name) owns everything
beneath it until the next heading of the same or a higher level; its sub-headings are phases
with their path kept. A heading naming its own alert inside starts a section of its own, and its
steps are reachable from the outer alert too. Headings outside any alert are sections as before
(a phase-named sub-heading folds into the section above it).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from warroom.domain.placeholders import placeholders_in
from warroom.domain.runbook_parse.drafts import Draft
from warroom.domain.runbook_parse.headings import phase_for_path, phase_of, slug
from warroom.domain.runbook_parse.walk import Node, Walk
from warroom.domain.runbooks import Phase, Runbook, Section, Step, StepKind
from warroom.domain.step_risk import classify
from warroom.domain.untrusted import clip, one_line


@dataclass(slots=True)
class _Built:
    section: Section
    parent: int | None = None  # the owning section it sits in, if any
    path_in_parent: tuple[str, ...] = ()
    drafts: list[tuple[Draft, tuple[str, ...]]] = field(default_factory=list)


def assemble(w: Walk) -> Runbook:
    by_anchor = {n.anchor: n for n in w.nodes}
    for name, anchor in w.links:
        node = by_anchor.get(anchor)
        if node is not None and name not in node.alerts:
            node.alerts.append(name)
    built: list[_Built] = []
    place: dict[int, tuple[int, tuple[str, ...]]] = {}  # node -> (section, phase path)
    root = _root(w, built)
    stack: list[tuple[int, int, tuple[str, ...]]] = []  # (level, section, path)
    if root is not None:
        stack.append((0, root, ()))
        place[-1] = (root, ())
    for k, node in enumerate(w.nodes):
        if root is not None and k == 0 and node.level == 1 and _single_h1(w):
            sec = built[root].section
            sec.title, sec.line, sec.anchor, sec.level = node.title, node.line, node.anchor, 1
            for a in node.alerts:
                if a not in sec.alerts:
                    sec.alerts.append(a)
            place[k] = (root, ())
            stack = [(1, root, ())]
            continue
        while stack and stack[-1][0] >= node.level:
            stack.pop()
        owner = next((e for e in reversed(stack) if built[e[1]].section.alerts), None)
        top = stack[-1] if stack else None
        if node.alerts:
            parent = owner[1] if owner else None
            base = top[2] if top and owner and top[1] == owner[1] else ()
            built.append(_Built(_section(node), parent, (*base, node.title)))
            place[k] = (len(built) - 1, ())
            stack.append((node.level, len(built) - 1, ()))
        elif owner is not None or (top is not None and phase_of(node.title)):
            host = owner if owner is not None else top
            assert host is not None
            base = top[2] if top is not None and top[1] == host[1] else ()
            path = (*base, node.title)
            place[k] = (host[1], path)
            stack.append((node.level, host[1], path))
            built[host[1]].section.phases.append(_phase(w, k, node, path))
        else:
            built.append(_Built(_section(node)))
            place[k] = (len(built) - 1, ())
            stack.append((node.level, len(built) - 1, ()))
    if -1 not in place and any(d.node == -1 for d in w.drafts):
        title = w.fm_title or w.title or w.path.rsplit("/", 1)[-1]
        built.insert(0, _Built(Section(title, 1, 1, slug(title))))
        place = {k: (s + 1, p) for k, (s, p) in place.items()}
        for b in built[1:]:
            b.parent = None if b.parent is None else b.parent + 1
        place[-1] = (0, ())
    for d in w.drafts:
        at, path = place.get(d.node, (0, ()))
        _reach(built, at, d, path)
    for b in built:
        b.section.steps = _steps(b.drafts)
    _bodies(w, [b.section for b in built])
    title = w.fm_title or w.title or _fallback_title(w.text, w.path)
    return Runbook(w.path, title, [b.section for b in built], w.errors)


def _reach(built: list[_Built], sec: int, d: Draft, path: tuple[str, ...]) -> None:
    """A draft belongs to its section and to every alert section above it."""
    current: int | None = sec
    while current is not None:
        built[current].drafts.append((d, path))
        path = (*built[current].path_in_parent, *path)
        current = built[current].parent


def _single_h1(w: Walk) -> bool:
    return sum(1 for n in w.nodes if n.level == 1) == 1


def _root(w: Walk, built: list[_Built]) -> int | None:
    """The page-wide section when the page names its alert outside the headings."""
    if not w.page_alerts:
        return None
    title = w.fm_title or w.title or w.path.rsplit("/", 1)[-1]
    built.append(_Built(Section(title, 0, 1, slug(title), alerts=list(w.page_alerts))))
    return 0


def _section(node: Node) -> Section:
    return Section(node.title, node.level, node.line, node.anchor, alerts=list(node.alerts))


def _phase(w: Walk, k: int, node: Node, path: tuple[str, ...]) -> Phase:
    end = w.nodes[k + 1].line - 1 if k + 1 < len(w.nodes) else len(w.lines)
    body = _prose(w, node.line, end)
    return Phase(node.title, path, node.level, node.line, node.anchor, _gist(body), body)


def _gist(body: str) -> str:
    """The first sentence of a phase's prose, on one line."""
    for para in re.split(r"\n\s*\n", body):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", para)
        # markup and HTML tags go, but not inside `code`: `kubectl -n <namespace>` keeps its <>
        parts = re.split(r"(`[^`\n]*`)", text)
        text = "".join(
            p.strip("`")
            if p.startswith("`") and p.endswith("`") and len(p) > 1
            else re.sub(r"[*_`#>]|^\s*[-+]\s+|<[^>]+>", "", p, flags=re.MULTILINE)
            for p in parts
        )
        text = one_line(" ".join(text.split()))
        if text:
            m = re.match(r"^(.+?[.!?:])(?:\s|$)", text)
            return clip(m.group(1) if m else text, 160)
    return ""


def _prose(w: Walk, first: int, end: int) -> str:
    """Lines `first`..`end` (0-based after a 1-based heading line), fences left out."""
    lines = [w.lines[n] for n in range(first, min(end, len(w.lines))) if n not in w.fence_lines]
    return "\n".join(lines).strip("\n")


def _bodies(w: Walk, sections: list[Section]) -> None:
    starts = sorted({s.line for s in sections})
    for s in sections:
        at = bisect.bisect_right(starts, s.line)  # the next section's start (linear overall)
        end = starts[at] - 1 if at < len(starts) else len(w.lines)
        s.body = _prose(w, s.line if s.level else 0, end)


def _fallback_title(text: str, path: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.rsplit("/", 1)[-1]


def _steps(drafts: list[tuple[Draft, tuple[str, ...]]]) -> list[Step]:
    steps: list[Step] = []
    for d, path in drafts:
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
                phase=d.phase or phase_for_path(path),
                placeholders=placeholders_in(d.command) if runnable else (),
                alternative_of=alternative_of,
                language=d.language,
                timeout_s=d.timeout_s,
                phase_path=path,
                expected_output=d.expected_output,
                interactive=d.interactive,
                session_lines=d.session_lines,
                script=d.script,
                inline=d.inline,
            )
        )
    return steps
