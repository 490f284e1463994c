"""The block structure of a Markdown page in one pass over its lines: linear, and fast.

Only what the walker reads, as CommonMark (with GFM tables) builds it: ATX and setext
headings, fenced and indented code, lists and their items, block quotes, tables, paragraphs
with their code spans; HTML blocks and thematic breaks are passed over. It yields tokens shaped
like markdown-it's (`type`, `tag`, `map`, `content`, `info`, `children`), so the walker reads
one stream. A general Markdown library costs 2-15 s on a 5 MB page; this costs one look per
line (and one per backtick run for code spans), whatever the page's shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from warroom.domain.runbook_parse.block_rules import (
    ATX,
    ATX_START,
    DELIM_ROW,
    FENCE,
    HR,
    HTML_END,
    HTML_START,
    ITEM,
    QUOTE,
    REFERENCE,
    SETEXT,
    columns_of,
    drop_columns,
    is_blank,
    row_cells,
)
from warroom.domain.runbook_parse.drafts import Counters
from warroom.domain.runbook_parse.spans import code_spans

MAX_NESTING = 10  # quotes and list items deeper than this read as text (runbooks use 1-4)


@dataclass(slots=True)
class Token:
    type: str
    tag: str = ""
    map: list[int] | None = None
    content: str = ""
    info: str = ""
    children: list[Token] | None = None


@dataclass(slots=True)
class _Box:
    """An open container: a block quote, or a list item (content starts at `indent`)."""

    quote: bool
    indent: int = 0
    ordered: bool = False
    marker: str = ""


@dataclass(slots=True)
class _Leaf:
    kind: str  # paragraph | fence | code | html | table
    start: int
    lines: list[str] = field(default_factory=list)
    fence: str = ""
    indent: int = 0
    info: str = ""
    html: int = 0
    columns: int = 0


class _Scanner:
    def __init__(self, text: str, counters: Counters) -> None:
        self.counters = counters
        self.lines = text.split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.out: list[Token] = []
        self.boxes: list[_Box] = []
        self.leaf: _Leaf | None = None

    def run(self) -> list[Token]:
        n = len(self.lines)
        for ln in range(n):
            self._line(ln, self.lines[ln])
        self._close_leaf(n)
        self._close_boxes(0, n)
        return self.out

    # ---- containers
    def _match(self, line: str) -> tuple[int, str]:
        """How many open containers `line` continues, and what is left of it."""
        for k, box in enumerate(self.boxes):
            if box.quote:
                m = QUOTE.match(line)
                if not m:
                    return k, line
                line = line[m.end() :]
            elif is_blank(line):
                line = ""
            elif columns_of(line) >= box.indent:
                line = drop_columns(line, box.indent)
            else:
                return k, line
        return len(self.boxes), line

    def _close_boxes(self, keep: int, ln: int) -> None:
        while len(self.boxes) > keep:
            box = self.boxes.pop()
            if not box.quote:
                self.out.append(Token("list_item_close"))
                self.out.append(Token("ordered_list_close" if box.ordered else "bullet_list_close"))

    def _starts_block(self, rest: str, *, outside: bool = False) -> bool:
        """Whether `rest` opens a block that ends a paragraph (so it is no lazy line); a list
        item `outside` the paragraph's container always does (it is no interruption)."""
        if is_blank(rest) or columns_of(rest) >= 4:
            return is_blank(rest)
        if ATX_START.match(rest) or FENCE.match(rest) or HR.match(rest) or QUOTE.match(rest):
            return True
        m = ITEM.match(rest)
        if m and (outside or (not is_blank(rest[m.end() :]) and m.group(3) in {None, "1"})):
            return True
        return any(_rx.match(rest) for kind, _rx in HTML_START if kind < 7)

    def _line(self, ln: int, line: str) -> None:
        self.counters.block_looks += 1 + len(self.boxes)
        if not self.boxes and self._plain_line(ln, line):
            return
        matched, rest = self._match(line)
        leaf = self.leaf
        if matched < len(self.boxes):
            if leaf and leaf.kind == "paragraph" and not self._starts_block(rest, outside=True):
                leaf.lines.append(rest.lstrip(" \t"))
                return  # a lazy continuation line
            self._close_leaf(ln)
            leaf = None
        fresh = matched < len(self.boxes)
        if not (leaf and leaf.kind in {"fence", "code", "html"}):
            rest, opened = self._open_boxes(ln, rest, matched)
            fresh = fresh or opened
        self._leaf_line(ln, rest, fresh)

    def _plain_line(self, ln: int, line: str) -> bool:
        """The common lines outside any container, read without trying every block rule: a
        line of prose (a letter first, no `|`: it can start nothing else), a blank line after
        prose, a line inside a fence that cannot close it."""
        leaf = self.leaf
        if leaf is None or leaf.kind == "paragraph":
            if line[:1].isalpha() and "|" not in line:
                if leaf is None:
                    self.leaf = _Leaf("paragraph", ln, [line])
                else:
                    leaf.lines.append(line)
                return True
            if not line:
                self._close_leaf(ln)
                return True
            return False
        if leaf.kind == "fence":
            text = line.lstrip(" ")
            if len(line) - len(text) > 3 or not text.startswith(leaf.fence[0] * 3):
                leaf.lines.append(drop_columns(line, leaf.indent))
                return True
        return False

    def _open_boxes(self, ln: int, rest: str, keep: int) -> tuple[str, bool]:
        """Block quotes and list items that start on this line (a new item of the list
        whose item the line did not continue is its sibling: the list goes on)."""
        opened = False
        closed = False
        while columns_of(rest) < 4 and len(self.boxes) < MAX_NESTING:
            m = QUOTE.match(rest)
            if m:
                self._close_leaf(ln)
                if not closed:
                    self._close_boxes(keep, ln)
                    closed = True
                self.boxes.append(_Box(True))
                rest, opened = rest[m.end() :], True
                continue
            m = ITEM.match(rest)
            if not m or HR.match(rest):
                break
            after = rest[m.end() :]
            in_para = self.leaf is not None and self.leaf.kind == "paragraph" and not opened
            if (
                in_para
                and keep == len(self.boxes)
                and (is_blank(after) or (m.group(3) and m.group(3) != "1"))
            ):
                break
            self._close_leaf(ln)
            ordered, marker = bool(m.group(3)), m.group(2)[-1]
            width = len(m.group(1)) + len(m.group(2))
            pad = columns_of(rest[width:]) if not is_blank(after) else 1
            pad = 1 if pad > 4 else max(pad, 1)
            sibling = None
            if not closed:
                below = self.boxes[keep:] if keep < len(self.boxes) else []
                sibling = below[0] if below and not below[0].quote else None
                if sibling and sibling.ordered == ordered and sibling.marker == marker:
                    self._close_boxes(keep + 1, ln)
                    self.boxes.pop()
                    self.out.append(Token("list_item_close"))
                else:
                    sibling = None
                    self._close_boxes(keep, ln)
                closed = True
            if sibling is None:
                kind = "ordered_list_open" if ordered else "bullet_list_open"
                self.out.append(Token(kind, map=[ln, ln + 1]))
            self.out.append(Token("list_item_open", map=[ln, ln + 1]))
            self.boxes.append(_Box(False, width + pad, ordered, marker))
            rest = "" if is_blank(after) else drop_columns(rest[width:], pad)
            opened = True
        if not closed and keep < len(self.boxes):
            self._close_boxes(keep, ln)
        return rest, opened

    # ---- leaves
    def _leaf_line(self, ln: int, rest: str, fresh: bool) -> None:
        leaf = self.leaf
        if leaf and leaf.kind == "fence":
            close = re.match(r"^ {0,3}(`{3,}|~{3,})[ \t]*$", rest)
            if (
                close
                and close.group(1)[0] == leaf.fence[0]
                and len(close.group(1)) >= len(leaf.fence)
            ):
                self._close_leaf(ln + 1)
            else:
                leaf.lines.append(drop_columns(rest, leaf.indent))
            return
        if leaf and leaf.kind == "html":
            if leaf.html >= 6 and is_blank(rest):
                self._close_leaf(ln)
                return
            leaf.lines.append(rest)
            if leaf.html < 6 and HTML_END[leaf.html].search(rest):
                self._close_leaf(ln + 1)
            return
        if is_blank(rest):
            if leaf and leaf.kind == "code":
                leaf.lines.append(drop_columns(rest, 4))
            else:
                self._close_leaf(ln)
            return
        indent = columns_of(rest)
        if leaf and leaf.kind == "code":
            if indent >= 4:
                leaf.lines.append(drop_columns(rest, 4))
                return
            self._close_leaf(ln)
            leaf = None
        if indent >= 4:
            if leaf and leaf.kind == "paragraph":
                leaf.lines.append(rest)
                return
            self._close_leaf(ln)
            self.leaf = _Leaf("code", ln, [drop_columns(rest, 4)])
            return
        if leaf and leaf.kind == "table":
            if ln == leaf.start + 1:
                return  # the delimiter row
            if not self._starts_block(rest):
                leaf.lines.append(rest)
                return
            self._close_leaf(ln)
            leaf = None
        in_para = leaf is not None and leaf.kind == "paragraph"
        if in_para and not fresh and SETEXT.match(rest) and leaf is not None:
            self.leaf = None
            level = 1 if rest.strip()[0] == "=" else 2
            self._heading(leaf.start, ln + 1, level, "\n".join(leaf.lines).strip())
            return
        m = ATX.match(rest)
        if m:
            self._close_leaf(ln)
            self._heading(ln, ln + 1, len(m.group(1)), (m.group(2) or "").strip())
            return
        m = FENCE.match(rest)
        if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
            self._close_leaf(ln)
            self.leaf = _Leaf("fence", ln, fence=m.group(2), indent=len(m.group(1)))
            self.leaf.info = m.group(3).strip()
            return
        if HR.match(rest):
            self._close_leaf(ln)
            return
        for kind, rx in HTML_START:
            if rx.match(rest) and not (kind == 7 and in_para):
                self._close_leaf(ln)
                self.leaf = _Leaf("html", ln, [rest], html=kind)
                if kind < 6 and HTML_END[kind].search(rest[rest.index("<") + 2 :]):
                    self._close_leaf(ln + 1)
                return
        if self._table_starts(ln, rest):
            self._close_leaf(ln)
            self.leaf = _Leaf("table", ln, [rest], columns=len(row_cells(rest)))
            return
        if in_para and leaf is not None:
            leaf.lines.append(rest)
            return
        self.leaf = _Leaf("paragraph", ln, [rest.lstrip(" \t")])

    def _table_starts(self, ln: int, rest: str) -> bool:
        """A row with `|` over a delimiter row (`|---|:--:|`) with as many cells."""
        if "|" not in rest or ln + 1 >= len(self.lines):
            return False
        matched, below = self._match(self.lines[ln + 1])
        if matched < len(self.boxes) or not DELIM_ROW.match(below) or columns_of(below) >= 4:
            return False
        head = below.strip()
        if head[0] == "-" and len(head) > 1 and head[1] in " \t":
            return False
        delims = row_cells(below)
        if not delims or not all(re.fullmatch(r":?-+:?", d) for d in delims):
            return False
        return len(delims) == len(row_cells(rest))

    def _heading(self, start: int, end: int, level: int, content: str) -> None:
        self.out.append(Token("heading_open", f"h{level}", [start, end]))
        kids = [Token("code_inline", content=c) for c in code_spans(content, self.counters)]
        self.out.append(Token("inline", map=[start, end], content=content, children=kids))
        self.out.append(Token("heading_close", f"h{level}"))

    def _close_leaf(self, end: int) -> None:
        leaf, self.leaf = self.leaf, None
        if leaf is None:
            return
        if leaf.kind == "paragraph":
            skip = 0  # link reference definitions (`[x]: https://…`) are no paragraph
            while skip < len(leaf.lines) and REFERENCE.match(leaf.lines[skip]):
                skip += 1
            if skip == len(leaf.lines):
                return
            content = "\n".join(leaf.lines[skip:]).strip()
            where = [leaf.start + skip, end]
            self.out.append(Token("paragraph_open", map=where))
            kids = [Token("code_inline", content=c) for c in code_spans(content, self.counters)]
            self.out.append(Token("inline", map=where, content=content, children=kids))
            self.out.append(Token("paragraph_close"))
        elif leaf.kind == "fence":
            body = "".join(x + "\n" for x in leaf.lines)
            self.out.append(Token("fence", map=[leaf.start, end], content=body, info=leaf.info))
        elif leaf.kind == "code":
            lines = leaf.lines
            while lines and is_blank(lines[-1]):
                lines.pop()
            body = "".join(x + "\n" for x in lines)
            where = [leaf.start, leaf.start + len(lines)]
            self.out.append(Token("code_block", map=where, content=body))
        elif leaf.kind == "table":
            self._table(leaf)

    def _table(self, leaf: _Leaf) -> None:
        self.out.append(Token("table_open", map=[leaf.start, leaf.start + len(leaf.lines) + 1]))
        for k, row in enumerate(leaf.lines):
            cells = row_cells(row)
            if k:
                cells = (cells + [""] * leaf.columns)[: leaf.columns]
            self.out.append(Token("tr_open"))
            self.out += [Token("inline", content=c, children=[]) for c in cells]
            self.out.append(Token("tr_close"))
        self.out.append(Token("table_close"))


def tokens(text: str, counters: Counters | None = None) -> Iterator[Token]:
    """The page's blocks as markdown-it-shaped tokens, in page order (line ends made `\n`
    and NUL bytes U+FFFD first, as CommonMark says)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    yield from _Scanner(text, counters or Counters()).run()
