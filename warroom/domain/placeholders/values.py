"""What a value may be where it lands: one argument, one literal, never an option or code.

Every refusal is an `UnsafeValue`: one line naming the placeholder, the value (made inert) and
why, so the commander sees exactly what was refused at 3 a.m.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from warroom.domain.errors import RunbookError
from warroom.domain.untrusted import clip, one_line

_TRAVERSAL = re.compile(r"(?:^|/)\.\.(?:/|$)")
_INTEGER = re.compile(r"[0-9]{1,18}")
# Characters that mean nothing special to grep -E/-G, awk or sed regexes besides `.`.
_REGEX_PLAIN = re.compile(r"[\w .:@%+,=/-]*")
_GLOB_SPECIAL = re.compile(r"[*?\[\]\\]")
_URL_SAFE = re.compile(r"[\w.~:@-]+")


class UnsafeValue(RunbookError):
    """A value that cannot be placed where its placeholder sits."""

    def __init__(self, name: str, value: str, reason: str) -> None:
        self.name, self.value, self.reason = name, value, reason
        super().__init__(f"refused <{name}> = {shown(value)}: {reason}")


def shown(value: str) -> str:
    return repr(clip(one_line(value), 60))


def no_nul(name: str, value: str) -> None:
    """Bash drops NUL bytes from a script and no argument can hold one: never what was sent."""
    if "\x00" in value:
        raise UnsafeValue(name, value, "a NUL byte cannot be passed to a program")


def argument(name: str, value: str, *, word_start: bool) -> None:
    """A value that becomes (part of) one program argument."""
    no_nul(name, value)
    if not value.strip():
        raise UnsafeValue(name, value, "an empty value would drop the argument it fills")
    if word_start and value.startswith("-"):
        raise UnsafeValue(name, value, "it starts with '-', so the program would read an option")
    if _TRAVERSAL.search(value):
        raise UnsafeValue(name, value, "it contains '..', a path that climbs out of its directory")
    if not value.strip("/. "):
        raise UnsafeValue(name, value, "a value of only '/' and '.' names no single thing")


def integer(name: str, value: str, where: str) -> str:
    """Arithmetic evaluates its operands as code (`a[$(cmd)]`): only plain digits go in."""
    if not _INTEGER.fullmatch(value):
        raise UnsafeValue(name, value, f"{where} evaluates it as arithmetic; only digits go there")
    return value


def regex_literal(name: str, value: str, where: str) -> None:
    if not _REGEX_PLAIN.fullmatch(value) or value.startswith("-"):
        raise UnsafeValue(
            name, value, f"{where} reads it as a regex; use a fixed-string option (grep -F)"
        )


def glob_literal(name: str, value: str, where: str) -> None:
    if _GLOB_SPECIAL.search(value) or not value.strip():
        raise UnsafeValue(name, value, f"{where} reads it as a pattern that could match more")


def url_part(name: str, value: str) -> None:
    if not _URL_SAFE.fullmatch(value) or _TRAVERSAL.search(value):
        raise UnsafeValue(name, value, "it would change the URL's path, query or host")


def whole_url(name: str, value: str) -> None:
    """A value that is the whole URL must be one http(s) URL, and stay one."""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or re.search(r"\s", value):
        raise UnsafeValue(name, value, "it is not an http(s) URL")


def one_line_only(name: str, value: str, where: str) -> None:
    if "\n" in value or "\r" in value:
        raise UnsafeValue(name, value, f"a value inside {where} cannot span lines")


_SELECTOR_OPTS = frozenset({"-l", "--selector", "--field-selector", "-L", "--label-columns"})
_LABEL_VALUE = re.compile(r"[\w./-]*")
_FORM_DATA_OPTS = frozenset({"-d", "--data", "--data-raw", "--data-binary", "--post-data"})


def _open_quote(text: str, quote: str) -> bool:
    """Whether `text` leaves a `quote` string of the program's own open (JSON, SQL, PromQL)."""
    inside, i = False, 0
    while i < len(text):
        if text[i] == "\\" and inside:
            i += 2
            continue
        if text[i] == quote:
            inside = not inside
        i += 1
    return inside


def looks_like_json(text: str) -> bool:
    return re.match(r"\s*(\{|\[\s*[\[{\"\d\]-])", text) is not None


def in_word(name: str, value: str, word: str, sent: str, prev: str) -> None:
    """The program reads the whole argument: a value must not change its own syntax."""
    before = word.split(sent, 1)[0]
    selector = prev in _SELECTOR_OPTS or before.startswith(
        ("--selector=", "--field-selector=", "-l")
    )
    if selector and not _LABEL_VALUE.fullmatch(value):
        raise UnsafeValue(name, value, "it would change the label or field selector")
    for quote in ('"', "'"):
        if _open_quote(before, quote):
            if quote in value or "\\" in value or "\n" in value or "\r" in value:
                raise UnsafeValue(
                    name, value, f"it would end the {quote}…{quote} string it sits in"
                )
            return
    if looks_like_json(word) and re.search(r'[,:{}\[\]"\\]', value):
        raise UnsafeValue(name, value, "it would change the structure of the JSON it sits in")
    form = (prev in _FORM_DATA_OPTS or "=" in before) and "&" in before + word.split(sent, 1)[1]
    if form and re.search(r"[&=#%+\s]", value):
        raise UnsafeValue(name, value, "it would add or change a form field")


_YAML_ENTRY = re.compile(r"\s*(?:-\s+)?[\w.\"'/-]+\s*:(?:\s|$)|\s*-\s")
_YAML_PLAIN = re.compile(r"[A-Za-z0-9_./@+=-][\w./@+:=-]*")


def in_document(name: str, value: str, body: str, sent: str) -> None:
    """A value in a heredoc that some program parses (YAML, JSON): it stays one scalar."""
    line = next((ln for ln in body.splitlines() if sent in ln), "")
    if looks_like_json(body):
        in_word(name, value, body.lstrip(), sent, "")
        return
    if _YAML_ENTRY.match(line):
        before = line.split(sent, 1)[0]
        for quote in ('"', "'"):
            if _open_quote(before, quote):
                in_word(name, value, before + sent, sent, "")
                return
        if not _YAML_PLAIN.fullmatch(value) or value.startswith(("-", "@")):
            raise UnsafeValue(name, value, "it would change the structure of the YAML it sits in")
