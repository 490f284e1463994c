"""Which service the golden signals look at, and PromQL built for it (never pasted).

Which label names a service differs by shop (`service`, `job`, `app`,
`app_kubernetes_io_name`): each environment lists its `scope_labels`, best first, and an
alert's scope is every one of them it carries. A panel's query names the label with
`$service_label` and the value with `$service`; both go through `promql.fill`, so a label value
is only ever the contents of a string or regex literal. "Every service" is not a value: it is
spelled out as a match-all matcher (`MATCH_ALL`), never a `.*` passed in as a service.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from warroom.domain.errors import RunbookError
from warroom.domain.promql import PLACEHOLDER, fill

# Which labels name a service, best first (`scope_labels` per environment overrides it).
DEFAULT_SCOPE_LABELS: tuple[str, ...] = ("service", "job")
# A matcher that selects every value of its label, how "no service in scope" is spelled
# (dot-all: a label value may hold a newline, and RE2's `.` does not match one by default).
MATCH_ALL = '=~"(?s:.*)"'
# `LABEL OP "$service"` (LABEL may be `$service_label`): the matchers that scope a query.
_SCOPED_MATCHER = re.compile(
    r"(\$service_label\b|\$\{service_label\}|[A-Za-z_]\w*)\s*(?:=~|!~|!=|=)\s*"
    r"([\"'])(?:\$service\b|\$\{service\}|<service>)\2"
)
LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ServiceScope(str):
    """A service in scope that remembers which labels named it, best first.

    The string is the service as shown (`payments-api`); `matchers` are the (label, value)
    pairs of the selected alert in scope-label order, e.g. (("service", "payments-api"),
    ("job", "payments")), so a panel queries by the label the alert actually has. A plain
    `str` (a service picked by name) is tried under every scope label instead. A `str`
    subclass so the UI and the signal sources keep passing "the service" unchanged.
    """

    matchers: tuple[tuple[str, str], ...]

    def __new__(cls, matchers: Sequence[tuple[str, str]]) -> ServiceScope:
        if not matchers:
            raise ValueError("a service scope needs at least one label")
        scope = super().__new__(cls, matchers[0][1])
        scope.matchers = tuple(matchers)
        return scope

    def __repr__(self) -> str:
        return f"ServiceScope({self.matchers!r})"

    def __eq__(self, other: object) -> bool:
        """Two scopes differ when their labels do (same `service`, another `job`); against a
        plain name, only the name counts."""
        if isinstance(other, ServiceScope):
            return self.matchers == other.matchers
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__

    def __reduce__(self) -> tuple[type[ServiceScope], tuple[tuple[tuple[str, str], ...]]]:
        return (ServiceScope, (self.matchers,))


def service_scope(
    labels: Mapping[str, str], scope_labels: Sequence[str] = DEFAULT_SCOPE_LABELS
) -> ServiceScope | None:
    """The scope of an alert with these labels: every non-empty scope label it has, in the
    configured order; None when it has none (the panels then show every service)."""
    pairs = [(name, labels[name]) for name in scope_labels if labels.get(name)]
    return ServiceScope(pairs) if pairs else None


def scoped_query(query: str, service: str | None, label: str) -> str:
    """`query` for `label=service`, or for every service when `service` is None.

    Raises RunbookError when the template cannot be filled safely (`$service` outside a string
    literal, or a query that only makes sense for one service asked for all)."""
    if not LABEL_NAME.fullmatch(label):
        raise RunbookError(f"{label!r} is not a label name")
    if service is None:
        return unscoped(query, label)
    return fill(query, {"service": service, "service_label": label})


def scoped_queries(
    query: str, scope: str | None, scope_labels: Sequence[str] = DEFAULT_SCOPE_LABELS
) -> tuple[str, ...]:
    """The queries to try for `scope`, best first, without repeats (a query that does not use
    `$service_label` is the same for every label of one value)."""
    labels = tuple(scope_labels) or DEFAULT_SCOPE_LABELS
    if scope is None:
        return (scoped_query(query, None, labels[0]),)
    pairs = scope.matchers if isinstance(scope, ServiceScope) else ()
    if not pairs:
        pairs = tuple((label, str(scope)) for label in labels)
    out: list[str] = []
    for label, value in pairs:
        built = scoped_query(query, value, label)
        if built not in out:
            out.append(built)
    return tuple(out)


def unscoped(query: str, label: str) -> str:
    """`query` for every service: each matcher on `$service` becomes `LABEL=~"(?s:.*)"` (which also
    matches series without the label). A `$service` left anywhere else has no honest
    "every service" value, so that raises RunbookError rather than guess."""
    out = _SCOPED_MATCHER.sub(lambda m: f"{m.group(1)}{MATCH_ALL}", query)
    if any("service" in m.groups() for m in PLACEHOLDER.finditer(out)):
        raise RunbookError("this signal's query needs a service in scope (pick one first)")
    return fill(out, {"service_label": label})
