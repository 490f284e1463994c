"""The line-level rules of the block scanner: which line opens which block, as CommonMark
says (ATX and setext headings, fences, thematic breaks, quotes, list items, HTML blocks, link
reference definitions, GFM table rows), and columns of indentation with tabs counted as
CommonMark counts them."""

from __future__ import annotations

import re

ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
ATX_START = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
HR = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
QUOTE = re.compile(r"^ {0,3}> ?")
ITEM = re.compile(r"^( {0,3})([-+*]|(\d{1,9})[.)])([ \t]+|$)")
REFERENCE = re.compile(
    r"^ {0,3}\[[^\]]+\]:[ \t]*\S+(?:[ \t]+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?[ \t]*$"
)
DELIM_ROW = re.compile(r"^ {0,3}[|:-][|: \t-]*$")
HTML_END = {1: re.compile(r"</(?:script|pre|style|textarea)>", re.I), 2: re.compile("-->"),
             3: re.compile(r"\?>"), 4: re.compile(">"), 5: re.compile(r"\]\]>")}  # fmt: skip
_HTML_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|"
    "details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|"
    "head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|"
    "option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul"
)
HTML_START = [
    (1, re.compile(r"^ {0,3}<(?:script|pre|style|textarea)(?:\s|>|$)", re.I)),
    (2, re.compile(r"^ {0,3}<!--")),
    (3, re.compile(r"^ {0,3}<\?")),
    (4, re.compile(r"^ {0,3}<![A-Za-z]")),
    (5, re.compile(r"^ {0,3}<!\[CDATA\[")),
    (6, re.compile(rf"^ {{0,3}}</?(?:{_HTML_TAGS})(?:\s|/?>|$)", re.I)),
    (7, re.compile(r"^ {0,3}(?:<[A-Za-z][\w-]*(?:\s[^<>]*)?/?>|</[A-Za-z][\w-]*\s*>)\s*$")),
]


def columns_of(line: str) -> int:
    """Columns of leading white space (a tab runs to the next multiple of 4)."""
    col = 0
    for ch in line:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += 4 - col % 4
        else:
            break
    return col


def drop_columns(line: str, cols: int) -> str:
    """`line` without its first `cols` columns of white space (a split tab leaves spaces)."""
    col = i = 0
    while i < len(line) and col < cols and line[i] in " \t":
        width = 1 if line[i] == " " else 4 - col % 4
        if col + width > cols:
            return " " * (col + width - cols) + line[i + 1 :]
        col += width
        i += 1
    return line[i:]


def is_blank(line: str) -> bool:
    return not line.strip(" \t")


def row_cells(line: str) -> list[str]:
    """A table row's cells: split on `|` not escaped, outer pipes dropped, each trimmed."""
    parts = re.split(r"(?<!\\)\|", line.strip())
    if parts and parts[0].strip() == "":
        parts.pop(0)
    if parts and parts[-1].strip() == "":
        parts.pop()
    return [p.replace("\\|", "|").strip() for p in parts]
