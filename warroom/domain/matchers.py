"""Alertmanager-style label matchers and the terms of the `/` filter, parsed (pure): the one
parser silences, the filter and the silence policy share."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

TERM = re.compile(
    r'(?P<key>@?[A-Za-z_][A-Za-z0-9_]*)(?P<op>=~|!~|!=|=)(?P<value>"[^"]*"|\S+)|(?P<text>"[^"]*"|\S+)'
)


@dataclass(frozen=True, slots=True)
class Matcher:
    """An Alertmanager-style matcher: `name=value`, `name!=value`, `name=~re`, `name!~re`."""

    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.is_regex:
            try:
                hit = re.fullmatch(self.value, actual) is not None
            except re.error:
                hit = False
        else:
            hit = actual == self.value
        return hit if self.is_equal else not hit

    def __str__(self) -> str:
        op = (
            ("=~" if self.is_equal else "!~") if self.is_regex else ("=" if self.is_equal else "!=")
        )
        return f'{self.name}{op}"{self.value}"'

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """Parse `name=value` (quotes optional); raises ValueError with a one-line reason."""
        m = TERM.fullmatch(text.strip())
        if not m or not m.group("key") or m.group("key").startswith("@"):
            raise ValueError(
                f"not a matcher: {text!r} (expected name=value, name!=value, name=~regex)"
            )
        op = m.group("op")
        value = m.group("value").strip('"')
        if "~" in op:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"bad regex in {text!r}: {exc}") from None
        return cls(m.group("key"), value, is_regex="~" in op, is_equal=not op.startswith("!"))
