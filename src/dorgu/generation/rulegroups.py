"""Prometheus rule groups as plain data, and their two renderings: a plain rules file (what
``promtool check rules`` and Prometheus' ``rule_files`` read) and a prometheus-operator
``PrometheusRule`` object (``monitoring.coreos.com/v1``).

Any generator that makes recording or alerting rules (the anomaly bands of
``anomaly_rules.py``; SLO burn-rate and health alerts later) builds ``RuleGroup`` values and
renders them here, so both forms always hold the same rules.

Must not know what the rules mean, read files or validate PromQL (promtool does, in tests).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dorgu.generation.manifests import Manifest

PROMETHEUS_RULE_API = "monitoring.coreos.com/v1"


@dataclass(frozen=True)
class RecordingRule:
    record: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertingRule:
    alert: str
    expr: str
    for_: str | None = None  # a Prometheus duration ("3m"); None: fires on the first evaluation
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)


Rule = RecordingRule | AlertingRule


@dataclass(frozen=True)
class RuleGroup:
    """Rules evaluated in order, every ``interval``; a later rule sees the earlier ones'
    results of the same evaluation."""

    name: str
    rules: tuple[Rule, ...]
    interval: str | None = None


def rule_data(rule: Rule) -> Manifest:
    """One rule in Prometheus' rule-file shape (keys in the order its docs show)."""
    if isinstance(rule, RecordingRule):
        data: Manifest = {"record": rule.record, "expr": rule.expr}
        if rule.labels:
            data["labels"] = dict(sorted(rule.labels.items()))
        return data
    data = {"alert": rule.alert, "expr": rule.expr}
    if rule.for_:
        data["for"] = rule.for_
    if rule.labels:
        data["labels"] = dict(sorted(rule.labels.items()))
    if rule.annotations:
        data["annotations"] = dict(sorted(rule.annotations.items()))
    return data


def group_data(group: RuleGroup) -> Manifest:
    data: Manifest = {"name": group.name}
    if group.interval:
        data["interval"] = group.interval
    data["rules"] = [rule_data(rule) for rule in group.rules]
    return data


def rules_file(groups: Sequence[RuleGroup]) -> Manifest:
    """The content of a plain Prometheus rules file."""
    return {"groups": [group_data(group) for group in groups]}


def prometheus_rule(
    groups: Sequence[RuleGroup],
    *,
    name: str,
    namespace: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Manifest:
    """A prometheus-operator ``PrometheusRule`` holding ``groups``.  ``labels`` are what the
    operator's ``ruleSelector`` picks rules by (kube-prometheus-stack: ``release: <name>``)."""
    metadata: Manifest = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    if labels:
        metadata["labels"] = dict(sorted(labels.items()))
    return {
        "apiVersion": PROMETHEUS_RULE_API,
        "kind": "PrometheusRule",
        "metadata": metadata,
        "spec": rules_file(groups),
    }
