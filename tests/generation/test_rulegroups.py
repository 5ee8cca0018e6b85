"""Rule groups as plain data, rendered as a rules file and as a PrometheusRule."""

from __future__ import annotations

from dorgu.generation.rulegroups import (
    AlertingRule,
    RecordingRule,
    RuleGroup,
    prometheus_rule,
    rules_file,
)

GROUP = RuleGroup(
    "g",
    (
        RecordingRule("job:up:sum", "sum(up)", {"z": "1", "a": "2"}),
        AlertingRule("Down", "job:up:sum == 0", annotations={"summary": "down"}),
        AlertingRule("Slow", "x > 1", for_="5m", labels={"severity": "page"}),
    ),
    interval="30s",
)


def test_rules_file_keeps_rule_order_and_sorts_label_maps() -> None:
    assert rules_file([GROUP]) == {
        "groups": [
            {
                "name": "g",
                "interval": "30s",
                "rules": [
                    {"record": "job:up:sum", "expr": "sum(up)", "labels": {"a": "2", "z": "1"}},
                    {
                        "alert": "Down",
                        "expr": "job:up:sum == 0",
                        "annotations": {"summary": "down"},
                    },
                    {"alert": "Slow", "expr": "x > 1", "for": "5m", "labels": {"severity": "page"}},
                ],
            }
        ]
    }
    assert list(rules_file([GROUP])["groups"][0]["rules"][0]) == [  # type: ignore[index]
        "record",
        "expr",
        "labels",
    ]


def test_a_group_without_interval_leaves_it_to_prometheus() -> None:
    assert "interval" not in rules_file([RuleGroup("g", ())])["groups"][0]  # type: ignore[index]


def test_prometheus_rule_wraps_the_same_groups() -> None:
    rule = prometheus_rule([GROUP], name="api-rules", namespace="shop", labels={"release": "kps"})
    assert rule == {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "api-rules", "namespace": "shop", "labels": {"release": "kps"}},
        "spec": rules_file([GROUP]),
    }
    assert "namespace" not in prometheus_rule([GROUP], name="r")["metadata"]  # type: ignore[operator]
