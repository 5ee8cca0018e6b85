"""SLOs as Prometheus rules: the error ratio of each SLO over the windows of the Google SRE
workbook's multiwindow, multi-burn-rate alerts, the error budget left, and the alerts.

Per SLO (``slos.py``), in one group ``dorgu-slo-<workload>-<slo>``:

- ``dorgu_slo:sli_error:ratio_rate<w>`` for w in 5m, 30m, 1h, 2h, 6h, 1d, 3d: the share of
  bad requests (failed for availability, slower than the threshold for latency), summed over
  the component's pods (selected by namespace, pod and container, never job/instance);
- ``dorgu_slo:sli_error:ratio_rate<window>``: the mean 5m ratio over the SLO window (30d);
- ``dorgu_slo:objective:ratio`` and ``dorgu_slo:error_budget:remaining`` (1: untouched,
  0: spent, negative: overspent);
- ``Dorgu<Slo>BurnRatePage`` (severity critical): 14.4x the budget rate over 1h and 5m, or
  6x over 6h and 30m; ``Dorgu<Slo>BurnRateTicket`` (severity warning): 3x over 1d and 2h, or
  1x over 3d and 6h.

Must not read files or settings beyond the ``ComponentPlan``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dorgu.generation.anomaly_rules import workload_matchers
from dorgu.generation.planning import ComponentPlan
from dorgu.generation.rulegroups import AlertingRule, RecordingRule, Rule, RuleGroup
from dorgu.generation.slos import SloMetrics, le_values, threshold_seconds
from dorgu.models.config import SloEntry, SloIndicator

PREFIX = "dorgu_slo"
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


@dataclass(frozen=True)
class BurnAlert:
    """One multiwindow, multi-burn-rate alert: fires when any (long, short, factor) pair
    burns faster than ``factor`` times the budget rate in both windows."""

    kind: str  # page | ticket
    severity: str
    for_: str
    pairs: tuple[tuple[str, str, float], ...]


BURN_ALERTS = (
    BurnAlert("page", "critical", "2m", (("1h", "5m", 14.4), ("6h", "30m", 6.0))),
    BurnAlert("ticket", "warning", "15m", (("1d", "2h", 3.0), ("3d", "6h", 1.0))),
)


def budget(slo: SloEntry) -> float:
    """The error budget as a ratio: 99.9 -> 0.001."""
    return round((100 - slo.objective) / 100, 12)


def number(value: float) -> str:
    return f"{value:.6g}"


def title(slo: SloEntry) -> str:
    return "".join(part.capitalize() for part in slo.name.split("-"))


def _selector(matchers: Mapping[str, str], *extra: str) -> str:
    return ", ".join([*(f"{key}{value}" for key, value in matchers.items()), *extra])


def sli_error_expr(slo: SloEntry, metrics: SloMetrics, pod: Mapping[str, str], window: str) -> str:
    """The share of bad requests over ``window``, one series per namespace."""
    if slo.indicator is SloIndicator.LATENCY:
        assert slo.threshold is not None
        values = le_values(threshold_seconds(slo.threshold))
        le = f'le="{values[0]}"' if len(values) == 1 else f'le=~"{"|".join(values)}"'
        fast = (
            f"sum by (namespace) (rate({metrics.latency}_bucket{{{_selector(pod, le)}}}[{window}]))"
        )
        count = f"sum by (namespace) (rate({metrics.latency}_count{{{_selector(pod)}}}[{window}]))"
        return f"1 - ({fast} / {count})"
    total = f"sum by (namespace) (rate({metrics.requests}{{{_selector(pod)}}}[{window}]))"
    failed = (
        f"sum by (namespace) (rate({metrics.requests}{{{_selector(pod, metrics.errors)}}}"
        f"[{window}]))"
    )
    return f"({failed} or 0 * {total}) / {total}"


def slo_groups(
    plan: ComponentPlan,
    slos: tuple[SloEntry, ...],
    *,
    container: str,
    metrics: SloMetrics,
    alert_labels: Mapping[str, str],
    runbook: str | None,
) -> tuple[RuleGroup, ...]:
    """One group per SLO: its recording rules, then its two alerts."""
    pod = workload_matchers(plan, container=container)
    groups = []
    for slo in slos:
        labels = {"dorgu_workload": plan.name, "slo": slo.name}
        own = f'dorgu_workload="{plan.name}", slo="{slo.name}"'
        if plan.settings.namespace:
            own = f'namespace="{plan.settings.namespace}", {own}'
        rules: list[Rule] = [
            RecordingRule(
                f"{PREFIX}:sli_error:ratio_rate{w}", sli_error_expr(slo, metrics, pod, w), labels
            )
            for w in WINDOWS
        ]
        window_series = f"{PREFIX}:sli_error:ratio_rate{slo.window}"
        if slo.window not in WINDOWS:  # the mean of the 5m ratios: cheap, a close estimate
            rules.append(
                RecordingRule(
                    window_series,
                    f"avg_over_time({PREFIX}:sli_error:ratio_rate5m{{{own}}}[{slo.window}])",
                    labels,
                )
            )
        objective_labels = dict(labels)
        if plan.settings.namespace:
            objective_labels["namespace"] = plan.settings.namespace
        rules += [
            RecordingRule(
                f"{PREFIX}:objective:ratio",
                f"vector({number(slo.objective / 100)})",
                objective_labels,
            ),
            RecordingRule(
                f"{PREFIX}:error_budget:remaining",
                f"1 - {window_series}{{{own}}} / {number(budget(slo))}",
                labels,
            ),
        ]
        rules += [
            _burn_alert(alert, slo, plan.name, own, alert_labels, runbook) for alert in BURN_ALERTS
        ]
        groups.append(RuleGroup(f"dorgu-slo-{plan.name}-{slo.name}", tuple(rules)))
    return tuple(groups)


def _burn_alert(
    alert: BurnAlert,
    slo: SloEntry,
    workload: str,
    own: str,
    alert_labels: Mapping[str, str],
    runbook: str | None,
) -> AlertingRule:
    b = number(budget(slo))
    conditions = [
        f"({PREFIX}:sli_error:ratio_rate{long}{{{own}}} > ({factor:g} * {b})"
        f" and {PREFIX}:sli_error:ratio_rate{short}{{{own}}} > ({factor:g} * {b}))"
        for long, short, factor in alert.pairs
    ]
    labels = {"severity": alert.severity, **alert_labels}
    annotations = {
        "summary": f"{workload}: the {slo.name} SLO burns its error budget too fast ({alert.kind})",
        "description": (
            f"{workload} must keep {slo.objective:g} % of requests good over {slo.window} "
            f"({slo.name}); the bad share is above "
            + " or ".join(f"{f:g}x the budget over {lo} and {sh}" for lo, sh, f in alert.pairs)
            + ": see docs/observability.md"
        ),
    }
    if runbook:
        labels.setdefault("runbook", runbook)
        annotations["runbook_url"] = runbook
    return AlertingRule(
        f"Dorgu{title(slo)}BurnRate{alert.kind.capitalize()}",
        " or ".join(conditions),
        for_=alert.for_,
        labels=labels,
        annotations=annotations,
    )
