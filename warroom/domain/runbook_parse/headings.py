"""Headings: anchors as GitHub makes them, and which heading names which phase.

A page is a tree of headings. Under an alert's heading every sub-heading is a phase of its steps
(`Mitigation › Data retention`); the canonical phase names come from here.
"""

from __future__ import annotations

import re

from warroom.domain.shell_syntax.memo import memo

PHASES = (
    ("Diagnosis", r"diagnos\w*|triage|assess\w*|troubleshoot\w*"),
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


@memo()
def plain_title(raw: str) -> str:
    """A heading's text as shown: links by their text, no emphasis marks or backticks."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", raw)
    text = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", text)  # **strong**, __strong__
    text = re.sub(r"(?<![\w*])([*_])(?=[^\s*_])(.+?)(?<=[^\s*_])\1(?![\w*])", r"\2", text)
    return text.replace("`", "").strip()


def phase_of(label: str) -> str | None:
    """`**Diagnosis Steps:**`, `### Verify`, `# Common resolutions:` -> the phase name."""
    text = re.sub(r"[*_`]", "", label).strip()
    if not _PHASE_HEADING.match(text):
        return None
    for name, pattern in _PHASE_RE:
        if pattern.search(text):
            return name
    return None


def loose_phase(label: str, *, near_start: bool = True) -> str | None:
    """A label that mentions a phase ("Verify recovery:", "Diagnosis and mitigation")."""
    text = re.sub(r"[*_`]", "", label).strip()
    best: tuple[int, str] | None = None
    for name, pattern in _PHASE_RE:
        m = pattern.search(text)
        if m and (not near_start or m.start() <= 12) and (best is None or m.start() < best[0]):
            best = (m.start(), name)
    return best[1] if best else None


def phase_for_path(path: tuple[str, ...]) -> str | None:
    """The phase a heading path is in: the deepest heading that names one, else the top one."""
    for title in reversed(path):
        phase = phase_of(title) or loose_phase(title, near_start=False)
        if phase:
            return phase
    return path[0] if path else None


def slug(title: str, seen: dict[str, int] | None = None) -> str:
    """GitHub's heading anchor: lower case, punctuation gone (`-` and `_` kept), spaces to `-`,
    and `-1`, `-2` for repeats."""
    text = plain_title(title).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    anchor = text.replace(" ", "-")
    if seen is not None:
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        if count:
            anchor = f"{anchor}-{count}"
    return anchor
