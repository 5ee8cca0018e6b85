"""The observability rules of ``dorgu validate``: PromQL syntax of PrometheusRule expressions,
alert severity and runbook, and monitors whose selector matches nothing in the input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.rules import evaluate
from dorgu.rules.observability import promql_error

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _rule(*rules: dict[str, object]) -> dict[str, object]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "shop", "namespace": "prod"},
        "spec": {"groups": [{"name": "g", "rules": list(rules)}]},
    }


GOOD_ALERT = {
    "alert": "Down",
    "expr": 'up{job="shop"} == 0',
    "labels": {"severity": "critical"},
    "annotations": {"runbook_url": "https://runbooks.example.com/shop"},
}


def _findings(*objects: dict[str, object]) -> list[tuple[str, str, str]]:
    return [
        (f.finding.rule_id or "", f.finding.field or "", f.finding.message)
        for f in evaluate(list(objects), now=NOW)
        if (f.finding.rule_id or "").startswith("observability.")
    ]


def test_a_valid_rule_file_has_no_findings() -> None:
    record = {"record": "x:rate5m", "expr": "sum by (namespace) (rate(x[5m]))"}
    assert _findings(_rule(record, GOOD_ALERT)) == []


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        ("sum(rate(x[5m])", "unclosed left parenthesis"),
        ("rate(x)", "expected type matrix"),
        ("holt_winters(x[5m], 0.5, 0.5)", "unknown function"),
        ("sum(x) offset 5m", "offset"),
        ("", "empty"),
    ],
)
def test_an_invalid_expression_is_an_error_at_its_expr(expr: str, fragment: str) -> None:
    found = _findings(_rule({**GOOD_ALERT, "expr": expr}))
    assert len(found) == 1
    rule_id, field, message = found[0]
    assert rule_id == "observability.rule-expression"
    assert field == "spec.groups[0].rules[0].expr"
    assert message.startswith("Down: invalid PromQL: ")
    assert fragment in message.lower()


def test_promql_error_accepts_the_constructs_dorgu_generates() -> None:
    for expr in (
        "histogram_quantile(0.99, sum by (namespace, le) (rate(b_bucket[5m])))",
        "x - x offset 10m >= 1 and ignoring (reason) min_over_time(y[10m]) == 1",
        'avg_over_time(r{a="b"}[30d])',
        "vector(0.999)",
        "count_over_time(x[1d]) >= bool 60",
    ):
        assert promql_error(expr) is None, expr


def test_an_alert_without_severity_or_runbook_is_flagged() -> None:
    bare = {"alert": "Down", "expr": "up == 0"}
    found = _findings(_rule(bare))
    assert [(r, f) for r, f, _ in found] == [
        ("observability.alert-severity", "spec.groups[0].rules[0].labels"),
        ("observability.alert-runbook", "spec.groups[0].rules[0].annotations"),
    ]
    assert "alert Down has no severity label" in found[0][2]


def test_a_runbook_label_is_enough_and_recording_rules_need_neither() -> None:
    labelled = {"alert": "Down", "expr": "up == 0", "labels": {"severity": "x", "runbook": "u"}}
    assert _findings(_rule(labelled, {"record": "a:b", "expr": "up"})) == []


def _service(labels: dict[str, str], namespace: str = "prod") -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "shop", "namespace": namespace, "labels": labels},
        "spec": {"selector": labels, "ports": [{"name": "http", "port": 80}]},
    }


def _monitor(match: dict[str, str], **spec: object) -> dict[str, object]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "shop", "namespace": "prod"},
        "spec": {"selector": {"matchLabels": match}, "endpoints": [{"port": "http"}], **spec},
    }


def test_a_service_monitor_matching_a_service_is_fine() -> None:
    assert _findings(_service({"app": "shop", "tier": "x"}), _monitor({"app": "shop"})) == []


def test_a_service_monitor_matching_no_service_is_flagged() -> None:
    found = _findings(_service({"app": "shop"}), _monitor({"app": "shpo"}))
    assert [(r, f) for r, f, _ in found] == [("observability.monitor-selector", "spec.selector")]
    assert "app=shpo" in found[0][2]


def test_a_service_in_another_namespace_needs_the_namespace_selector() -> None:
    other = _service({"app": "shop"}, namespace="dev")
    assert _findings(other, _monitor({"app": "shop"}))
    watched = _monitor({"app": "shop"}, namespaceSelector={"matchNames": ["dev"]})
    assert _findings(other, watched) == []
    anywhere = _monitor({"app": "shop"}, namespaceSelector={"any": True})
    assert _findings(other, anywhere) == []


def test_a_monitor_alone_is_not_judged() -> None:
    assert _findings(_monitor({"app": "nothing"})) == []


def test_a_pod_monitor_is_judged_against_pod_templates() -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "shop", "namespace": "prod"},
        "spec": {
            "selector": {"matchLabels": {"app": "shop"}},
            "template": {
                "metadata": {"labels": {"app": "shop"}},
                "spec": {"containers": [{"name": "app", "image": "shop:1"}]},
            },
        },
    }
    monitor = {**_monitor({"app": "shop"}), "kind": "PodMonitor"}
    assert _findings(deployment, monitor) == []
    wrong = {**_monitor({"app": "other"}), "kind": "PodMonitor"}
    assert [r for r, _, _ in _findings(deployment, wrong)] == ["observability.monitor-selector"]


@pytest.mark.parametrize(
    "expr",
    [
        "x + " * 5000 + "x",  # crashes the parser's stack when parsed
        "(" * 5000 + "x" + ")" * 5000,  # takes minutes to parse
        "abs(" * 100 + "x" + ")" * 100,
    ],
)
def test_hostile_expressions_are_not_parsed_but_reported(expr: str) -> None:
    found = _findings(_rule({**GOOD_ALERT, "expr": expr}))
    assert len(found) == 1
    rule_id, field, message = found[0]
    assert (rule_id, field) == ("observability.rule-expression", "spec.groups[0].rules[0].expr")
    assert message.startswith("Down: not checked: ")
    severities = {
        f.finding.severity.value for f in evaluate([_rule({**GOOD_ALERT, "expr": expr})], now=NOW)
    }
    assert severities == {"warning"}


def test_many_rules_share_a_parsing_budget_per_object() -> None:
    heavy = {**GOOD_ALERT, "expr": "x + " * 400 + "x"}  # under the per-expression limit
    found = _findings(_rule(*[heavy] * 40))
    skipped = [m for _, _, m in found if "not checked" in m]
    assert 0 < len(skipped) < 40
    assert not [m for _, _, m in found if "invalid PromQL" in m]


def test_strings_and_comments_do_not_count_as_brackets() -> None:
    expr = 'x{path="' + "(" * 200 + '"} # ' + ")" * 300
    assert _findings(_rule({**GOOD_ALERT, "expr": expr})) == []


_PROMQL_ALPHABET = st.sampled_from(
    [
        *list('xyz_:(){}[]",=~!<>+-*/%^ 0123456789.#\n'),
        "sum",
        "rate",
        "by",
        "on",
        "and",
        "or",
        "offset",
        "@",
        "5m",
        "bool",
        "ignoring",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PROMQL_ALPHABET, max_size=120).map("".join) | st.text(max_size=200))
def test_the_expression_check_never_crashes_on_junk(expr: str) -> None:
    found = _findings(_rule({**GOOD_ALERT, "expr": expr}))
    assert all(rule_id == "observability.rule-expression" for rule_id, _, _ in found)
