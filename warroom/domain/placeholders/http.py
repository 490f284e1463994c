"""Values into HTTP steps: the URL built part by part, bodies encoded for their content type.

A `host:port` value stays a host and port (never percent-encoded into a broken URL); a value
in the path is one percent-encoded segment (no `/`, no `..`); query values are encoded so `&`
or `#` cannot add a parameter. A JSON body gets JSON-escaped strings, a form body form-encoded
values; headers take one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from urllib.parse import quote, quote_plus, urlsplit

from warroom.domain.placeholders.names import Found
from warroom.domain.placeholders.values import UnsafeValue, argument, whole_url

_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?)+(?::\d{1,5})?|\[[0-9A-Fa-f:.]+\](?::\d{1,5})?"
)
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")
_FORM = re.compile(r"[\w.%-]+=[^&\s]*(?:&[\w.%-]+=[^&\s]*)*")
_METHOD = re.compile(r"[A-Z]{3,10}")


def render(request: str, found: list[Found], filled: Mapping[str, str]) -> str:
    sent = {k: f"wrplh{k:03d}qz" for k in range(len(found))}
    marked, pos = [], 0
    for k, f in enumerate(found):
        marked += [request[pos : f.start], sent[k]]
        pos = f.end
    marked.append(request[pos:])
    text = "".join(marked)
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    first = lines[0]
    ctype = next(
        (
            ln.split(":", 1)[1].strip().lower()
            for ln in lines[1:]
            if ln.lower().startswith("content-type:")
        ),
        "",
    )
    body_start = len(head) + 2
    first_end = len(first)
    out, pos = [], 0
    for k, f in enumerate(found):
        value, name = filled[f.name], f.name
        at = text.index(sent[k])
        out.append(request[pos : f.start])
        pos = f.end
        if at < first_end:
            out.append(_in_first_line(first, sent[k], name, value))
        elif at < body_start - 2 or not body:
            if "\n" in value or "\r" in value:
                raise UnsafeValue(name, value, "a header value cannot span lines")
            if text.rfind("\n", 0, at) > text.rfind(":", 0, at):
                raise UnsafeValue(name, value, "it would name a header")
            out.append(value)
        else:
            out.append(_in_body(body, sent[k], name, value, ctype))
    out.append(request[pos:])
    return "".join(out)


def _in_first_line(first: str, sent: str, name: str, value: str) -> str:
    words = first.split()
    if words and sent in words[0]:
        if not _METHOD.fullmatch(value):
            raise UnsafeValue(name, value, "an HTTP method is one upper-case word")
        return value
    url = next((w for w in words[1:2] if sent in w), None)
    if url is None:
        raise UnsafeValue(name, value, "it sits outside the method and the URL")
    if url == sent:  # the whole URL comes from the value: it must be one, and stay one
        whole_url(name, value)
        return value
    parts = urlsplit(url)
    if sent in parts.scheme:
        raise UnsafeValue(name, value, "a value cannot choose the URL's scheme")
    if sent in parts.netloc:
        if not _HOST.fullmatch(value):
            raise UnsafeValue(name, value, "it is not a host or host:port")
        return value
    if sent in parts.path:
        argument(name, value, word_start=False)
        return quote(value, safe="")
    return quote(value, safe="")  # query or fragment: `&`, `=`, `#` cannot add a parameter


def _in_body(body: str, sent: str, name: str, value: str, ctype: str) -> str:
    at = body.index(sent)
    is_json = "json" in ctype or (not ctype and body.lstrip()[:1] in "{[")
    if is_json:
        if _in_json_string(body, at):
            return json.dumps(value)[1:-1]
        return value if _NUMBER.fullmatch(value) else json.dumps(value)
    form_like = not ctype and _FORM.fullmatch(body.strip()) is not None
    if "x-www-form-urlencoded" in ctype or form_like:
        return quote_plus(value)
    if "\r" in value:
        raise UnsafeValue(name, value, "a carriage return in a text body")
    return value


def _in_json_string(body: str, at: int) -> bool:
    inside, i = False, 0
    while i < at:
        if body[i] == "\\" and inside:
            i += 2
            continue
        if body[i] == '"':
            inside = not inside
        i += 1
    return inside
