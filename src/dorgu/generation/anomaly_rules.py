"""The anomaly detector's logic as Prometheus recording and alerting rules, per long-running
component built from source: ``monitoring/anomaly-rules.yaml`` (a ``PrometheusRule``) and
``monitoring/anomaly-rules.prometheus.yaml`` (the same groups as a plain rules file).

The rules follow the streaming detector of ``dorgu.learning.anomalies`` (docs/anomaly.md), in
PromQL, one evaluation per ``interval`` (a "sample"):

- ``dorgu_anomaly:signal``: the series, one per ``signal`` (CPU cores, memory working set, and
  with a metrics endpoint request rate, 5xx ratio and p99 latency), selected by the app's
  namespace, pod and container labels (never job/instance), averaged over its pods;
- ``dorgu_anomaly:smoothed``: the mean of the last ``smooth`` samples;
- ``median``/``spread``: the median and the 10-90 % range of the last ``history`` samples,
  the range at least ``cv`` times the median (the coefficient-of-variation floor);
- ``dorgu_anomaly:deviation{view}``: ``|smoothed - median|`` (global), against the median of
  the last ``local`` samples (local), and against the closest of the last ``days`` days' medians
  within ``day_tolerance`` of the same time (daily, with ``offset``), in spreads;
- ``dorgu_anomaly:bar{view}``: mean + ``k`` standard deviations of the view's last ``memory``
  deviations (before this one), at least ``floor``; ``ratio`` = deviation / bar once
  ``warmup`` deviations exist;
- ``dorgu_anomaly:score``: ``r / (r + 1)`` of the larger of the global and local ratios,
  vouched by the daily view when it has one (counted at most ``1/gate`` times the daily ratio,
  unless it reaches ``vouch_below``);
- ``dorgu_anomaly:lower``/``upper``: the expected band, median -+ global bar x spread;
- one alert per signal: score >= ``threshold`` for ``persistence``.

Must not read files or settings: everything comes from the ``AppPlan``.
"""

from __future__ import annotations

from dataclasses import dataclass

from dorgu.generation.manifests import GeneratedDocument
from dorgu.generation.planning import AppPlan, ComponentPlan, WorkloadKind
from dorgu.generation.rendering import render_manifest
from dorgu.generation.rulegroups import (
    AlertingRule,
    RecordingRule,
    Rule,
    RuleGroup,
    prometheus_rule,
    rules_file,
)
from dorgu.models.app import ComponentKind, EndpointKind
from dorgu.models.evidence import Diagnostic

RULE_FILE = "monitoring/anomaly-rules.yaml"
PLAIN_FILE = "monitoring/anomaly-rules.prometheus.yaml"
RULE_NOTE = "PrometheusRule (prometheus-operator): anomaly bands and alerts, apply it yourself"
PLAIN_NOTE = "the same rules as a Prometheus rules file (rule_files)"
PREFIX = "dorgu_anomaly"
_LONG_RUNNING = (WorkloadKind.DEPLOYMENT, WorkloadKind.STATEFULSET, WorkloadKind.DAEMONSET)


@dataclass(frozen=True)
class BandSettings:
    """The detector's parameters (``DetectorSettings``) in rule terms: windows are counted in
    evaluations of ``interval_seconds``."""

    interval_seconds: int = 60
    rate_window: str = "5m"  # rate() window of counters: several scrapes
    smooth: int = 3
    history: int = 1000
    local: int = 100
    memory: int = 5000
    warmup: int = 60
    k: float = 6.0
    floor: float = 0.02
    cv: float = 0.2
    gate: float = 0.5
    vouch_below: float = 5.0  # a level ratio this large is not vouched for by the daily view
    days: int = 7
    day_tolerance_seconds: int = 600
    threshold: float = 0.5
    persistence: int = 3  # evaluations the score stays above the threshold before firing
    severity: str = "warning"

    def window(self, samples: int) -> str:
        return duration(samples * self.interval_seconds)


@dataclass(frozen=True)
class Signal:
    name: str  # the ``signal`` label
    title: str  # in alert names: DorguCpuAnomaly
    description: str
    expr: str  # one series per namespace
    humanize: str  # the template function that formats its values


@dataclass(frozen=True)
class HttpMetrics:
    """The names an app's HTTP instrumentation gives its request counter and latency
    histogram; the 5xx status is read from a ``code`` or a ``status`` label."""

    requests: str
    buckets: str


DEFAULT_HTTP_METRICS = HttpMetrics("http_requests_total", "http_request_duration_seconds_bucket")
HTTP_METRICS = {
    # Micrometer (Spring Boot Actuator): the histogram needs percentiles-histogram enabled
    "spring-boot": HttpMetrics(
        "http_server_requests_seconds_count", "http_server_requests_seconds_bucket"
    ),
}


def duration(seconds: int) -> str:
    """A Prometheus duration: 60000 -> ``16h40m``, 86400 -> ``1d``."""
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def _matchers(items: dict[str, str]) -> str:
    return ", ".join(f"{key}{value}" for key, value in items.items())


def workload_matchers(plan: ComponentPlan, *, container: str) -> dict[str, str]:
    """Label matchers (name -> ``="..."`` or ``=~"..."``) for the component's containers."""
    pods = {
        WorkloadKind.STATEFULSET: f"{plan.name}-[0-9]+",
        WorkloadKind.DAEMONSET: f"{plan.name}-[a-z0-9]+",
    }.get(plan.workload, f"{plan.name}-[a-z0-9]+-[a-z0-9]+")
    matchers: dict[str, str] = {}
    if plan.settings.namespace:
        matchers["namespace"] = f'="{plan.settings.namespace}"'
    matchers["pod"] = f'=~"{pods}"'
    matchers["container"] = f'="{container}"'
    return matchers


def signals(plan: ComponentPlan, *, container: str, rate_window: str) -> tuple[Signal, ...]:
    """What the persona knows to watch: resources always; HTTP golden signals when the app
    exposes a metrics endpoint (``HTTP_METRICS`` by framework, else the Prometheus client
    conventions: ``http_requests_total`` and ``http_request_duration_seconds``)."""
    pod = _matchers(workload_matchers(plan, container=container))
    made = [
        Signal(
            "cpu",
            "Cpu",
            "CPU usage (cores per pod)",
            f"avg by (namespace) (rate(container_cpu_usage_seconds_total{{{pod}}}[{rate_window}]))",
            "humanize",
        ),
        Signal(
            "memory",
            "Memory",
            "memory working set (per pod)",
            f"avg by (namespace) (container_memory_working_set_bytes{{{pod}}})",
            "humanize1024",
        ),
    ]
    if any(e.kind is EndpointKind.METRICS for e in plan.component.endpoints):
        names = HTTP_METRICS.get(plan.component.framework or "", DEFAULT_HTTP_METRICS)
        requests = f"rate({names.requests}{{{pod}}}[{rate_window}])"
        errors = " or ".join(
            f'rate({names.requests}{{{pod}, {label}=~"5.."}}[{rate_window}])'
            for label in ("code", "status")
        )
        total = f"sum by (namespace) ({requests})"
        made += [
            Signal("requests", "RequestRate", "request rate (per second)", total, "humanize"),
            Signal(
                "errors",
                "ErrorRatio",
                "5xx error ratio",
                f"(sum by (namespace) ({errors}) or 0 * {total}) / {total}",
                "humanizePercentage",
            ),
            Signal(
                "latency",
                "Latency",
                "p99 latency",
                "histogram_quantile(0.99, sum by (namespace, le) "
                f"(rate({names.buckets}{{{pod}}}[{rate_window}])))",
                "humanizeDuration",
            ),
        ]
    return tuple(made)


def anomaly_groups(
    plan: ComponentPlan,
    *,
    container: str,
    persona_labels: dict[str, str],
    settings: BandSettings | None = None,
) -> tuple[RuleGroup, ...]:
    """The recording rules and alerts for one component, as one group (order matters: each
    rule reads the ones before it in the same evaluation)."""
    s = settings or BandSettings()
    own = f'dorgu_workload="{plan.name}"'
    if plan.settings.namespace:  # two environments of one app in one Prometheus stay apart
        own = f'namespace="{plan.settings.namespace}", {own}'
    found = signals(plan, container=container, rate_window=s.rate_window)
    rules: list[Rule] = [
        RecordingRule(
            f"{PREFIX}:signal", sig.expr, {"dorgu_workload": plan.name, "signal": sig.name}
        )
        for sig in found
    ]
    rules += _band_rules(own, s)
    rules += [_alert(sig, own, plan.name, persona_labels, s) for sig in found]
    return (RuleGroup(f"dorgu-anomaly-{plan.name}", tuple(rules), duration(s.interval_seconds)),)


def _band_rules(own: str, s: BandSettings) -> list[Rule]:
    def name(metric: str) -> str:
        return f"{PREFIX}:{metric}{{{own}}}"

    history = s.window(s.history)
    signal = f"{name('signal')}[{history}]"
    previous = duration(s.interval_seconds)
    memory = f"{name('deviation')}[{s.window(s.memory)}] offset {previous}"
    spread = f"quantile_over_time(0.9, {signal}) - quantile_over_time(0.1, {signal})"
    floor = f"{s.cv} * abs({name('median')})"
    rules: list[Rule] = [
        RecordingRule(
            f"{PREFIX}:smoothed", f"avg_over_time({name('signal')}[{s.window(s.smooth)}])"
        ),
        RecordingRule(f"{PREFIX}:median", f"quantile_over_time(0.5, {signal})"),
        RecordingRule(f"{PREFIX}:spread", f"clamp_min(({spread}) > {floor} or {floor}, 1e-9)"),
        RecordingRule(
            f"{PREFIX}:local_median",
            f"quantile_over_time(0.5, {name('signal')}[{s.window(s.local)}])",
        ),
    ]
    tolerance = s.day_tolerance_seconds
    for day in range(1, s.days + 1):
        rules.append(
            RecordingRule(
                f"{PREFIX}:daily_median",
                f"quantile_over_time(0.5, {name('smoothed')}[{duration(2 * tolerance)}] "
                f"offset {duration(day * 86400 - tolerance)})",
                {"day": str(day)},
            )
        )
    rules += [
        RecordingRule(
            f"{PREFIX}:deviation",
            f"abs({name('smoothed')} - {name('median')}) / {name('spread')}",
            {"view": "global"},
        ),
        RecordingRule(
            f"{PREFIX}:deviation",
            f"abs({name('smoothed')} - {name('local_median')}) / {name('spread')}",
            {"view": "local"},
        ),
        RecordingRule(
            f"{PREFIX}:deviation",
            f"min without (day) (abs({name('daily_median')} - ignoring (day) group_left "
            f"{name('smoothed')})) / {name('spread')}",
            {"view": "daily"},
        ),
        RecordingRule(
            f"{PREFIX}:bar",
            f"clamp_min(avg_over_time({memory}) + {s.k:g} * stddev_over_time({memory}), "
            f"{s.floor:g})",
        ),
        RecordingRule(
            f"{PREFIX}:ratio",
            f"{name('deviation')} / {name('bar')} * ({name('deviation')} > bool {s.floor:g})"
            f" * (count_over_time({memory}) >= bool {s.warmup})",
        ),
        RecordingRule(
            f"{PREFIX}:level_ratio",
            f'max without (view) ({PREFIX}:ratio{{{own}, view=~"global|local"}})',
        ),
        RecordingRule(
            f"{PREFIX}:daily_ratio",
            f'max without (view) ({PREFIX}:ratio{{{own}, view="daily"}})',
        ),
    ]
    level, daily = name("level_ratio"), name("daily_ratio")
    vouched = f"{1 / s.gate:g} * {daily}"
    capped = f"(({level} < {vouched}) or ({level} >= {s.vouch_below:g}) or {vouched})"
    combined = f"(({capped} > {daily}) or {daily}) or ({level} unless {daily})"
    band = f'{PREFIX}:bar{{{own}, view="global"}} * ignoring (view) {name("spread")}'
    rules += [
        RecordingRule(f"{PREFIX}:combined_ratio", combined),
        RecordingRule(
            f"{PREFIX}:score", f"{name('combined_ratio')} / ({name('combined_ratio')} + 1)"
        ),
        RecordingRule(
            f"{PREFIX}:lower",
            f"{name('median')} - ({band})",
        ),
        RecordingRule(
            f"{PREFIX}:upper",
            f"{name('median')} + ({band})",
        ),
    ]
    return rules


def _alert(
    sig: Signal, own: str, workload: str, persona_labels: dict[str, str], s: BandSettings
) -> AlertingRule:
    def value(metric: str) -> str:
        query = f"{PREFIX}:{metric}{{dorgu_workload=%q, signal=%q, namespace=%q}}"
        return (
            f'{{{{ with printf "{query}" $labels.dorgu_workload $labels.signal '
            f"$labels.namespace | query }}}}{{{{ . | first | value | {sig.humanize} }}}}"
            "{{ else }}?{{ end }}"
        )

    summary = (
        f"{workload}: {sig.description} is {value('smoothed')}, expected "
        f"{value('lower')} to {value('upper')}"
    )
    description = (
        f"{sig.description} of {workload} in namespace {{{{ $labels.namespace }}}} left its "
        'learned band (anomaly score {{ $value | printf "%.2f" }}, alert at '
        f"{s.threshold:g}): see docs/anomaly.md"
    )
    labels = {"severity": s.severity, **persona_labels}
    annotations = {"summary": summary, "description": description}
    if "runbook" in persona_labels:
        annotations["runbook_url"] = persona_labels["runbook"]
    return AlertingRule(
        f"Dorgu{sig.title}Anomaly",
        f'{PREFIX}:score{{{own}, signal="{sig.name}"}} >= {s.threshold:g}',
        for_=duration(s.persistence * s.interval_seconds),
        labels=labels,
        annotations=annotations,
    )


def build_anomaly_rule_documents(
    app: AppPlan, *, settings: BandSettings | None = None
) -> tuple[list[GeneratedDocument], list[Diagnostic]]:
    """Both rule files for each long-running component built from source."""
    request = app.request
    if not request.options.anomaly_rules:
        return [], []
    documents: list[GeneratedDocument] = []
    for plan in app.components:
        if plan.component.kind is not ComponentKind.APP or plan.workload not in _LONG_RUNNING:
            continue
        container = request.sanitize_name(plan.component.name) or "app"
        groups = anomaly_groups(
            plan, container=container, persona_labels=persona_labels(plan), settings=settings
        )
        labels = {k: v for k, v in plan.labels.items() if k.startswith("app.kubernetes.io/")}
        rule = prometheus_rule(
            groups,
            name=f"{plan.name}-anomaly",
            namespace=plan.settings.namespace,
            labels=labels,
        )
        owner = plan.component.name
        documents.append(GeneratedDocument(RULE_FILE, render_manifest(rule), owner, note=RULE_NOTE))
        documents.append(
            GeneratedDocument(
                PLAIN_FILE, render_manifest(rules_file(groups)), owner, note=PLAIN_NOTE
            )
        )
    return documents, []


def persona_labels(plan: ComponentPlan) -> dict[str, str]:
    """The alert labels naming who owns the app: persona, team, owner, runbook (when set)."""
    app = plan.settings.app
    labels = {"persona": plan.name}
    if app.team:
        labels["team"] = app.team
    if app.owner:
        labels["owner"] = app.owner
    if app.runbook:
        labels["runbook"] = app.runbook
    return labels
