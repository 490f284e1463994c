"""Service scope: which label names a service, and signal queries built (never pasted) for it."""

from __future__ import annotations

import pickle

import pytest

from warroom.config import parse_settings
from warroom.domain.errors import ConfigError, RunbookError
from warroom.domain.promql import regex_literal, string_literal_body
from warroom.domain.scope import (
    DEFAULT_SCOPE_LABELS,
    MATCH_ALL,
    ServiceScope,
    scoped_queries,
    scoped_query,
    service_scope,
)
from warroom.domain.signals import DEFAULT_SIGNALS

TEMPLATE = 'sum(rate(http_requests_total{$service_label="$service",status=~"5.."}[5m]))'


def test_an_alerts_scope_is_every_scope_label_it_has_in_order() -> None:
    scope = service_scope({"job": "payments", "service": "payments-api", "severity": "page"})
    assert scope == "payments-api"
    assert isinstance(scope, ServiceScope)
    assert scope.matchers == (("service", "payments-api"), ("job", "payments"))
    assert service_scope({"job": "payments", "service": ""}) == ServiceScope([("job", "payments")])
    assert service_scope({"severity": "page"}) is None
    app = service_scope(
        {"app_kubernetes_io_name": "cart", "job": "k8s"}, ["app_kubernetes_io_name"]
    )
    assert app is not None and app.matchers == (("app_kubernetes_io_name", "cart"),)
    assert pickle.loads(pickle.dumps(scope)).matchers == scope.matchers  # a snapshot for threads
    other_job = service_scope({"service": "payments-api", "job": "payments-canary"})
    assert other_job != scope and other_job == "payments-api"  # a new scope, the same name


def test_queries_follow_the_label_the_alert_has() -> None:
    scope = service_scope({"service": "payments-api", "job": "payments"})
    assert scoped_queries(TEMPLATE, scope) == (
        TEMPLATE.replace("$service_label", "service").replace("$service", "payments-api"),
        TEMPLATE.replace("$service_label", "job").replace("$service", "payments"),
    )
    # a name picked from the catalog is tried under every scope label
    assert [q.split("{")[1].split(",")[0] for q in scoped_queries(TEMPLATE, "cart")] == [
        'service="cart"',
        'job="cart"',
    ]
    # a query on a fixed label is the same for every label of one value: asked once
    fixed = 'up{job=~"$service"}'
    assert scoped_queries(fixed, "cart") == ('up{job=~"cart"}',)


@pytest.mark.parametrize(
    "hostile",
    ['demo"}[5m])) * 0 or vector(0.01) #', ".*", "a|b", '"', "\\", "a\nb", "$service_label"],
)
def test_hostile_values_stay_literals(hostile: str) -> None:
    for spec in DEFAULT_SIGNALS:
        built = spec.query_for(hostile, "service")
        assert built == spec.query.replace("$service_label", "service").replace(
            "$service", string_literal_body(hostile)
        )
    regex = scoped_query('up{job=~"$service"}', hostile, "job")
    assert regex == 'up{job=~"' + string_literal_body(regex_literal(hostile)) + '"}'


def test_no_scope_is_an_explicit_match_all_not_a_pasted_value() -> None:
    for spec in DEFAULT_SIGNALS:
        built = spec.query_for(None, "service")
        assert "$service" not in built
        assert built == spec.query.replace('$service_label="$service"', "service" + MATCH_ALL)
    for op in ("=", "=~", "!=", "!~"):
        assert scoped_query(f'up{{job{op}"$service"}}', None, "job") == "up{job" + MATCH_ALL + "}"
    with pytest.raises(RunbookError, match="needs a service in scope"):
        scoped_query('up{job=~"$service-canary"}', None, "job")


def test_bad_templates_and_labels_are_refused() -> None:
    with pytest.raises(RunbookError, match="outside a string"):
        scoped_query("up{job=$service}", "a b", "job")
    with pytest.raises(RunbookError, match="not a label name"):
        scoped_query(TEMPLATE, "x", 'job="x"} or vector(1) #')


def test_scope_labels_are_configured_per_environment() -> None:
    settings = parse_settings(
        {
            "environments": {
                "prod": {"scope_labels": ["app", "service"]},
                "staging": {},
            }
        }
    )
    assert settings.environments["prod"].scope_labels == ("app", "service")
    assert settings.environments["staging"].scope_labels == DEFAULT_SCOPE_LABELS
    for bad in ([], ["service", 'job"'], "service", [3]):
        with pytest.raises(ConfigError, match=r"environments\.prod\.scope_labels(\[\d+\])?: "):
            parse_settings({"environments": {"prod": {"scope_labels": bad}}})
