"""``promtool test rules`` unit tests for the SLO burn-rate alerts, written next to the rules
so users can run them (``promtool test rules slo-rules.test.yaml``) after editing either.

Each scenario feeds synthetic traffic (10 requests/s, a share ``k`` times the error budget
bad) to every SLO at once and checks both alerts of every SLO at one time:

- healthy (0.5x for 1d): nothing fires;
- fast burn (20x after 6h healthy): page fires within the hour, not after 30 minutes;
- 8x after 6h healthy: page fires through its 6h/30m pair alone;
- slow burn below the page threshold (5x for 8h): no page;
- 4x for a day: ticket fires (1d/2h pair), page stays silent;
- 1.5x for 3d: ticket fires through its 3d/6h pair alone, no page;
- slow burn below the ticket threshold (0.9x for 3d): nothing fires.

A scenario whose bad share would exceed 100 % (objectives below about 95 %) checks nothing
for that SLO.  Must not read files or settings beyond the ``ComponentPlan``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from dorgu.generation.manifests import Manifest
from dorgu.generation.planning import ComponentPlan, WorkloadKind
from dorgu.generation.rulegroups import AlertingRule, RuleGroup
from dorgu.generation.slo_rules import budget
from dorgu.generation.slos import SloMetrics, le_values, threshold_seconds
from dorgu.models.config import SloEntry, SloIndicator
from dorgu.models.patterns import LazyPattern

PER_MINUTE = 600.0  # 10 requests per second
HOUR = 60
_MATCHER = LazyPattern(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|=)\s*"((?:[^"\\]|\\.)*)"\s*$')
_BAD_VALUES = ("500", "503", "5xx", "SERVER_ERROR", "error", "true")
_GOOD_VALUES = ("200", "2xx", "SUCCESS", "ok", "false")


@dataclass(frozen=True)
class Scenario:
    name: str
    phases: tuple[tuple[int, float], ...]  # (minutes, bad share in budgets)
    checks: tuple[tuple[int, Mapping[str, bool]], ...]  # (minute, page/ticket -> fires)


SCENARIOS = (
    Scenario(
        "healthy: 0.5x the budget rate for 1d",
        ((24 * HOUR, 0.5),),
        ((24 * HOUR, {"page": False, "ticket": False}),),
    ),
    Scenario(
        "fast burn, 20x after 6h healthy: paged within the hour, not after 30m",
        ((6 * HOUR, 0.0), (HOUR, 20.0)),
        ((6 * HOUR + 30, {"page": False}), (7 * HOUR, {"page": True})),
    ),
    Scenario(
        "8x after 6h healthy: paged by the 6h/30m pair",
        ((6 * HOUR, 0.0), (7 * HOUR, 8.0)),
        ((13 * HOUR, {"page": True}),),
    ),
    Scenario(
        "slow burn below the page threshold: 5x for 8h",
        ((6 * HOUR, 0.0), (8 * HOUR, 5.0)),
        ((14 * HOUR, {"page": False}),),
    ),
    Scenario(
        "4x for 1d: ticket by the 1d/2h pair, no page",
        ((6 * HOUR, 0.0), (25 * HOUR, 4.0)),
        ((31 * HOUR, {"page": False, "ticket": True}),),
    ),
    Scenario(
        "1.5x for 3d: ticket by the 3d/6h pair, no page",
        ((72 * HOUR, 1.5),),
        ((72 * HOUR, {"page": False, "ticket": True}),),
    ),
    Scenario(
        "slow burn below the ticket threshold: 0.9x for 3d",
        ((72 * HOUR, 0.9),),
        ((72 * HOUR, {"page": False, "ticket": False}),),
    ),
)
EVALUATION_INTERVAL = "5m"  # rules every 5m over 1m samples: 5x fewer evaluations, same alerts


def example_pod(plan: ComponentPlan) -> str:
    return {
        WorkloadKind.STATEFULSET: f"{plan.name}-0",
        WorkloadKind.DAEMONSET: f"{plan.name}-x7k2p",
    }.get(plan.workload, f"{plan.name}-6d4cf56db6-x7k2p")


def error_labels(selector: str) -> tuple[str, str, str] | None:
    """(label, a bad value, a good value) for a one-matcher selector such as
    ``code=~"5.."``; None when dorgu cannot make synthetic series for it."""
    found = _MATCHER.match(selector)
    if not found:
        return None
    label, op, value = found.groups()
    if op == "=":
        good = next((v for v in _GOOD_VALUES if v != value), None)
        return (label, value, good) if good else None
    try:
        pattern = re.compile(value)
    except re.error:
        return None
    bad = next((v for v in _BAD_VALUES if pattern.fullmatch(v)), None)
    good = next((v for v in _GOOD_VALUES if not pattern.fullmatch(v)), None)
    if bad is None or good is None:
        return None
    return label, bad, good


def _counter(phases: list[tuple[int, float]]) -> str:
    """input_series notation of a counter growing by each phase's per-minute increase."""
    parts: list[str] = []
    total = 0.0
    first = True
    for minutes, step in phases:
        if first:
            parts.append(f"{_num(total)}+{_num(step)}x{minutes}")
            total += step * minutes
            first = False
        else:
            start = total + step
            parts.append(f"{_num(start)}+{_num(step)}x{minutes - 1}")
            total = start + step * (minutes - 1)
    return " ".join(parts)


def _num(value: float) -> str:
    return f"{value:.12g}"


def _share(scenario: Scenario, slo: SloEntry) -> list[tuple[int, float]] | None:
    b = budget(slo)
    shares = [(minutes, k * b) for minutes, k in scenario.phases]
    if any(share > 1 for _, share in shares):
        return None
    return shares


def slo_test_file(
    plan: ComponentPlan,
    slos: tuple[SloEntry, ...],
    groups: tuple[RuleGroup, ...],
    *,
    container: str,
    metrics: SloMetrics,
    rule_file: str,
) -> tuple[Manifest | None, list[str]]:
    """The unit-test file, and the SLOs it cannot test (with why)."""
    namespace = plan.settings.namespace or "default"
    base = {"namespace": namespace, "pod": example_pod(plan), "container": container}
    skipped: list[str] = []
    testable: list[tuple[SloEntry, RuleGroup]] = []
    for slo, group in zip(slos, groups, strict=True):
        if slo.indicator is SloIndicator.AVAILABILITY and error_labels(metrics.errors) is None:
            skipped.append(f"{slo.name}: no synthetic series for errors_selector {metrics.errors}")
            continue
        testable.append((slo, group))
    if not testable:
        return None, skipped
    tests: list[Manifest] = []
    for scenario in SCENARIOS:
        series: list[Manifest] = []
        checks: list[Manifest] = []
        for slo, group in testable:
            shares = _share(scenario, slo)
            if shares is None:
                continue
            series += _series(slo, metrics, base, shares)
            for at, firing in scenario.checks:
                for alert in (r for r in group.rules if isinstance(r, AlertingRule)):
                    kind = "page" if alert.alert.endswith("Page") else "ticket"
                    if kind in firing:
                        checks.append(_check(alert, slo, plan, namespace, at, firing[kind]))
        if checks:
            tests.append(
                {
                    "name": scenario.name,
                    "interval": "1m",
                    "input_series": series,
                    "alert_rule_test": checks,
                }
            )
    unit: Manifest = {
        "rule_files": [rule_file],
        "evaluation_interval": EVALUATION_INTERVAL,
        "tests": tests,
    }
    return unit, skipped


def _labels(items: Mapping[str, str]) -> str:
    return ", ".join(f'{k}="{v}"' for k, v in items.items())


def _series(
    slo: SloEntry, metrics: SloMetrics, base: Mapping[str, str], shares: list[tuple[int, float]]
) -> list[Manifest]:
    good = [(m, PER_MINUTE * (1 - s)) for m, s in shares]
    bad = [(m, PER_MINUTE * s) for m, s in shares]
    total = [(m, PER_MINUTE) for m, _ in shares]
    if slo.indicator is SloIndicator.LATENCY:
        assert slo.threshold is not None
        le = le_values(threshold_seconds(slo.threshold))[0]
        bucket = f"{metrics.latency}_bucket"
        return [
            {"series": f"{bucket}{{{_labels({**base, 'le': le})}}}", "values": _counter(good)},
            {"series": f"{bucket}{{{_labels({**base, 'le': '+Inf'})}}}", "values": _counter(total)},
            {"series": f"{metrics.latency}_count{{{_labels(base)}}}", "values": _counter(total)},
        ]
    found = error_labels(metrics.errors)
    assert found is not None
    label, bad_value, good_value = found
    return [
        {
            "series": f"{metrics.requests}{{{_labels({**base, label: good_value})}}}",
            "values": _counter(good),
        },
        {
            "series": f"{metrics.requests}{{{_labels({**base, label: bad_value})}}}",
            "values": _counter(bad),
        },
    ]


def _check(
    alert: AlertingRule,
    slo: SloEntry,
    plan: ComponentPlan,
    namespace: str,
    at: int,
    fires: bool,
) -> Manifest:
    expected: list[Manifest] = []
    if fires:
        labels = {
            **dict(alert.labels),
            "namespace": namespace,
            "dorgu_workload": plan.name,
            "slo": slo.name,
        }
        expected.append(
            {
                "exp_labels": dict(sorted(labels.items())),
                "exp_annotations": dict(sorted(alert.annotations.items())),
            }
        )
    return {"eval_time": _minutes(at), "alertname": alert.alert, "exp_alerts": expected}


def _minutes(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return (f"{hours}h" if hours else "") + (f"{rest}m" if rest or not hours else "")
