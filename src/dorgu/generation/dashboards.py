"""Grafana dashboards as plain data (``DashboardSpec``), and their rendering to Grafana's
dashboard JSON (schema version 41, Grafana 11.6) through ``grafana-foundation-sdk``'s model.

A component's dashboard (``component_dashboard``), rows in this order:

- Golden signals (only with a metrics endpoint): request rate, error share and latency
  p50/p95/p99, from the series the SLO rules read (``slo_metrics``: framework defaults or
  ``observability.*``), summed over the component's pods;
- SLOs (metrics and SLOs): per SLO the good share over its window, the error budget left
  and the burn rate over 5m/1h/6h/1d/3d, from the recording rules of ``slo_rules.py``;
- Resources: CPU and memory against requests and limits, restarts, available replicas
  (cAdvisor and kube-state-metrics);
- Dependencies (when the persona has any): a table of them, and the error budget of each
  one that is a component of the same bundle with SLOs;
- without a metrics endpoint, a text panel saying what instrumenting would add.

Rollouts are annotations (a change of the workload's observed generation).  An app with
several components also gets one dashboard (``app_dashboard``) with a row per component.

Every query selects by namespace, pod name pattern and container (never job or instance),
uses a fixed ``[5m]`` range (plain PromQL that promtool checks) and reads only the series in
``dashboard_series``: the generated recording rules, the app's SLO series and
``EXPORTER_SERIES``.  Panel ids are numbered in order; the uid derives from the name.

The SDK is imported only in ``render_dashboard`` (it costs ~100 ms).
Must not read files or settings beyond the ``AppPlan``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dorgu.generation.anomaly_rules import workload_matchers
from dorgu.generation.manifests import Manifest
from dorgu.generation.planning import AppPlan, ComponentPlan, WorkloadKind
from dorgu.generation.rendering import render_manifest
from dorgu.generation.slo_rules import PREFIX, budget
from dorgu.generation.slos import (
    LONG_RUNNING,
    SloMetrics,
    component_slos,
    exposes_metrics,
    slo_metrics,
)
from dorgu.models.app import ComponentKind
from dorgu.models.config import SloEntry, SloIndicator

EXPORTER_SERIES = frozenset(
    {
        # cAdvisor (kubelet /metrics/cadvisor)
        "container_cpu_usage_seconds_total",
        "container_memory_working_set_bytes",
        # kube-state-metrics
        "kube_pod_container_resource_requests",
        "kube_pod_container_resource_limits",
        "kube_pod_container_status_restarts_total",
        "kube_deployment_status_replicas_available",
        "kube_deployment_spec_replicas",
        "kube_deployment_status_observed_generation",
        "kube_statefulset_status_replicas_ready",
        "kube_statefulset_replicas",
        "kube_statefulset_status_observed_generation",
        "kube_daemonset_status_number_available",
        "kube_daemonset_status_desired_number_scheduled",
        "kube_daemonset_status_observed_generation",
    }
)
"""The standard exporters' series a dashboard may read (docs/observability.md)."""

RATE = "5m"
BURN_WINDOWS = ("5m", "1h", "6h", "1d", "3d")
QUANTILES = (0.5, 0.95, 0.99)
DATASOURCE = "${datasource}"


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str


@dataclass(frozen=True)
class PanelSpec:
    """``kind``: timeseries, stat or text (``content``: markdown)."""

    kind: str
    title: str
    queries: tuple[Query, ...] = ()
    unit: str | None = None
    description: str | None = None
    content: str | None = None
    width: int = 8
    height: int = 8


@dataclass(frozen=True)
class RowSpec:
    title: str
    panels: tuple[PanelSpec, ...]


@dataclass(frozen=True)
class DashboardSpec:
    uid: str
    title: str
    tags: tuple[str, ...]
    rows: tuple[RowSpec, ...]
    annotations: tuple[Query, ...] = ()
    description: str = ""
    series: frozenset[str] = field(default_factory=frozenset)  # what its queries may read


def dashboard_uid(namespace: str | None, name: str) -> str:
    """Stable and unique per namespace and name; Grafana allows 40 characters."""
    digest = hashlib.sha256(f"{namespace or ''}/{name}".encode()).hexdigest()[:10]
    return f"dorgu-{name[:23]}-{digest}"


def _sel(matchers: Mapping[str, str], *extra: str) -> str:
    return ", ".join([*(f"{key}{value}" for key, value in matchers.items()), *extra])


def _own(plan: ComponentPlan, slo: SloEntry) -> str:
    own = f'dorgu_workload="{plan.name}", slo="{slo.name}"'
    if plan.settings.namespace:
        own = f'namespace="{plan.settings.namespace}", {own}'
    return own


def _pod(plan: ComponentPlan, container: str) -> dict[str, str]:
    return workload_matchers(plan, container=container)


def golden_row(plan: ComponentPlan, metrics: SloMetrics, container: str) -> RowSpec:
    pod = _pod(plan, container)
    total = f"sum by (namespace) (rate({metrics.requests}{{{_sel(pod)}}}[{RATE}]))"
    failed = f"sum by (namespace) (rate({metrics.requests}{{{_sel(pod, metrics.errors)}}}[{RATE}]))"
    buckets = f"sum by (le) (rate({metrics.latency}_bucket{{{_sel(pod)}}}[{RATE}]))"
    return RowSpec(
        "Golden signals",
        (
            PanelSpec("timeseries", "Request rate", (Query(total, "requests/s"),), unit="reqps"),
            PanelSpec(
                "timeseries",
                "Errors",
                (Query(f"({failed} or 0 * {total}) / {total}", "failed share"),),
                unit="percentunit",
                description=f"Share of requests matching {metrics.errors}.",
            ),
            PanelSpec(
                "timeseries",
                "Latency",
                tuple(
                    Query(f"histogram_quantile({q:g}, {buckets})", f"p{round(q * 100)}")
                    for q in QUANTILES
                ),
                unit="s",
                description=f"From the histogram {metrics.latency}.",
            ),
        ),
    )


def slo_panels(plan: ComponentPlan, slo: SloEntry, *, prefix: str = "") -> tuple[PanelSpec, ...]:
    own = _own(plan, slo)
    what = (
        "requests not failed"
        if slo.indicator is SloIndicator.AVAILABILITY
        else (f"requests under {slo.threshold}")
    )
    return (
        PanelSpec(
            "stat",
            f"{prefix}{slo.name}: good over {slo.window}",
            (Query(f"1 - {PREFIX}:sli_error:ratio_rate{slo.window}{{{own}}}", slo.name),),
            unit="percentunit",
            description=f"Share of {what}; objective {slo.objective:g} %.",
            width=6,
        ),
        PanelSpec(
            "stat",
            f"{prefix}{slo.name}: error budget left",
            (Query(f"{PREFIX}:error_budget:remaining{{{own}}}", "budget left"),),
            unit="percentunit",
            description="1: untouched, 0: spent, below 0: overspent.",
            width=6,
        ),
        PanelSpec(
            "timeseries",
            f"{prefix}{slo.name}: burn rate",
            tuple(
                Query(
                    f"{PREFIX}:sli_error:ratio_rate{w}{{{own}}} / {budget(slo):.6g}",
                    f"{w}",
                )
                for w in BURN_WINDOWS
            ),
            unit="x",
            description="Bad share over the window divided by the budget (1: spends it exactly "
            "in the SLO window); pages at 14.4x (1h and 5m) or 6x (6h and 30m).",
            width=12,
        ),
    )


def _workload_series(plan: ComponentPlan) -> tuple[str, str, str, str]:
    """(kind label, available, wanted, observed generation) for kube-state-metrics."""
    if plan.workload is WorkloadKind.STATEFULSET:
        return (
            "statefulset",
            "kube_statefulset_status_replicas_ready",
            "kube_statefulset_replicas",
            "kube_statefulset_status_observed_generation",
        )
    if plan.workload is WorkloadKind.DAEMONSET:
        return (
            "daemonset",
            "kube_daemonset_status_number_available",
            "kube_daemonset_status_desired_number_scheduled",
            "kube_daemonset_status_observed_generation",
        )
    return (
        "deployment",
        "kube_deployment_status_replicas_available",
        "kube_deployment_spec_replicas",
        "kube_deployment_status_observed_generation",
    )


def _workload_sel(plan: ComponentPlan) -> str:
    label = _workload_series(plan)[0]
    ns = f'namespace="{plan.settings.namespace}", ' if plan.settings.namespace else ""
    return f'{ns}{label}="{plan.name}"'


def rollout_annotation(plan: ComponentPlan) -> Query:
    generation = _workload_series(plan)[3]
    return Query(
        f"changes({generation}{{{_workload_sel(plan)}}}[{RATE}]) > 0", f"{plan.name} rollout"
    )


def resource_row(plan: ComponentPlan, container: str, *, title: str = "Resources") -> RowSpec:
    pod = _pod(plan, container)
    cpu, memory = _sel(pod, 'resource="cpu"'), _sel(pod, 'resource="memory"')
    _, available, wanted, _ = _workload_series(plan)
    return RowSpec(
        title,
        (
            PanelSpec(
                "timeseries",
                "CPU against requests and limits",
                (
                    Query(
                        f"sum by (pod) (rate(container_cpu_usage_seconds_total{{{_sel(pod)}}}"
                        f"[{RATE}]))",
                        "{{pod}} used",
                    ),
                    Query(f"max(kube_pod_container_resource_requests{{{cpu}}})", "request"),
                    Query(f"max(kube_pod_container_resource_limits{{{cpu}}})", "limit"),
                ),
                unit="cores",
                width=12,
            ),
            PanelSpec(
                "timeseries",
                "Memory against requests and limits",
                (
                    Query(
                        f"sum by (pod) (container_memory_working_set_bytes{{{_sel(pod)}}})",
                        "{{pod}} working set",
                    ),
                    Query(f"max(kube_pod_container_resource_requests{{{memory}}})", "request"),
                    Query(f"max(kube_pod_container_resource_limits{{{memory}}})", "limit"),
                ),
                unit="bytes",
                width=12,
            ),
            PanelSpec(
                "timeseries",
                "Restarts (1h)",
                (
                    Query(
                        f"sum by (pod) (increase(kube_pod_container_status_restarts_total"
                        f"{{{_sel(pod)}}}[1h]))",
                        "{{pod}}",
                    ),
                ),
                unit="short",
                width=12,
            ),
            PanelSpec(
                "timeseries",
                "Replicas",
                (
                    Query(f"{available}{{{_workload_sel(plan)}}}", "available"),
                    Query(f"{wanted}{{{_workload_sel(plan)}}}", "wanted"),
                ),
                unit="short",
                width=12,
            ),
        ),
    )


INSTRUMENT_NOTE = (
    "**{name} exposes no metrics endpoint**, so this dashboard shows only what Kubernetes "
    "measures (cAdvisor, kube-state-metrics).\n\n"
    "Instrumenting the app (a Prometheus client library serving `/metrics`, with a request "
    "counter and a latency histogram) would add: request rate, error share and latency "
    "p50/p95/p99, the SLOs with their error budget and burn-rate alerts, and a ServiceMonitor. "
    "Then run `dorgu generate` again (docs/observability.md)."
)


def _dependency_row(plan: ComponentPlan, app: AppPlan) -> tuple[RowSpec | None, set[str]]:
    deps = plan.component.dependencies
    if not deps:
        return None, set()
    lines = ["| dependency | type | technology | provided by |", "|---|---|---|---|"]
    panels: list[PanelSpec] = []
    series: set[str] = set()
    for dep in sorted(deps, key=lambda d: d.name):
        where = "external" if dep.external else (dep.component or "-")
        cells = (dep.name, dep.type.value, dep.kind or "-", where)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        other = _bundle_plan(app, dep.component) if dep.component else None
        if other is None or other is plan or not exposes_metrics(other):
            continue
        for slo in component_slos(other):
            panels.append(slo_panels(other, slo, prefix=f"{other.name} ")[1])
            series |= _slo_records(slo)
    table = PanelSpec(
        "text", f"What {plan.name} talks to", content="\n".join(lines), width=24, height=6
    )
    return RowSpec("Dependencies", (table, *panels)), series


def _bundle_plan(app: AppPlan, name: str | None) -> ComponentPlan | None:
    return next((p for p in app.components if p.component.name == name), None)


def _slo_records(slo: SloEntry) -> set[str]:
    return {
        f"{PREFIX}:sli_error:ratio_rate{w}" for w in {*BURN_WINDOWS, slo.window, "30m", "2h"}
    } | {f"{PREFIX}:error_budget:remaining", f"{PREFIX}:objective:ratio"}


def _input_series(metrics: SloMetrics) -> set[str]:
    return {metrics.requests, f"{metrics.latency}_bucket", f"{metrics.latency}_count"}


def component_dashboard(plan: ComponentPlan, app: AppPlan, *, container: str) -> DashboardSpec:
    rows: list[RowSpec] = []
    series: set[str] = set(EXPORTER_SERIES)
    if exposes_metrics(plan):
        metrics = slo_metrics(plan)
        series |= _input_series(metrics)
        rows.append(golden_row(plan, metrics, container))
        slos = component_slos(plan)
        if slos:
            rows.append(RowSpec("SLOs", tuple(p for slo in slos for p in slo_panels(plan, slo))))
            for slo in slos:
                series |= _slo_records(slo)
    else:
        rows.append(
            RowSpec(
                "Instrumentation",
                (
                    PanelSpec(
                        "text",
                        "What instrumenting would add",
                        content=INSTRUMENT_NOTE.format(name=plan.component.name),
                        width=24,
                        height=5,
                    ),
                ),
            )
        )
    rows.append(resource_row(plan, container))
    deps, dep_series = _dependency_row(plan, app)
    if deps is not None:
        rows.append(deps)
        series |= dep_series
    namespace = plan.settings.namespace
    return DashboardSpec(
        uid=dashboard_uid(namespace, plan.name),
        title=f"{plan.name}" + (f" ({namespace})" if namespace else ""),
        tags=("dorgu", plan.name),
        rows=tuple(rows),
        annotations=(rollout_annotation(plan),),
        description=f"Generated by dorgu generate for {plan.name}: see docs/observability.md.",
        series=frozenset(series),
    )


def dashboard_components(app: AppPlan) -> tuple[ComponentPlan, ...]:
    """The components that get a dashboard: long-running apps built from source."""
    return tuple(
        p
        for p in app.components
        if p.component.kind is ComponentKind.APP and p.workload in LONG_RUNNING
    )


def app_dashboard(
    app: AppPlan, plans: Sequence[ComponentPlan], containers: Mapping[str, str]
) -> DashboardSpec:
    """One dashboard for a multi-component app: a row per component (budget, errors,
    resources)."""
    rows: list[RowSpec] = []
    series: set[str] = set(EXPORTER_SERIES)
    for plan in plans:
        container = containers[plan.name]
        panels: list[PanelSpec] = []
        if exposes_metrics(plan):
            metrics = slo_metrics(plan)
            series |= _input_series(metrics)
            panels += golden_row(plan, metrics, container).panels[:2]
            for slo in component_slos(plan):
                panels.append(slo_panels(plan, slo)[1])
                series |= _slo_records(slo)
        panels += resource_row(plan, container).panels[:2]
        rows.append(RowSpec(plan.name, tuple(panels)))
    name = app.request.app_name
    namespace = app.components[0].settings.namespace if app.components else None
    return DashboardSpec(
        uid=dashboard_uid(namespace, f"{name}-app"),
        title=f"{name}: all components" + (f" ({namespace})" if namespace else ""),
        tags=("dorgu", name),
        rows=tuple(rows),
        annotations=tuple(rollout_annotation(p) for p in plans),
        description=f"Generated by dorgu generate for {name}: see docs/observability.md.",
        series=frozenset(series),
    )


# --- rendering (grafana-foundation-sdk) --------------------------------------------------------


def render_dashboard(spec: DashboardSpec) -> str:
    """The dashboard's JSON (sorted keys, stable), built with the SDK's dashboard model."""
    return json.dumps(dashboard_json(spec), indent=2, sort_keys=True) + "\n"


def dashboard_json(spec: DashboardSpec) -> dict[str, Any]:
    from grafana_foundation_sdk.builders import dashboard as gd
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models.dashboard import DataSourceRef

    source = DataSourceRef(type_val="prometheus", uid=DATASOURCE)
    board = (
        gd.Dashboard(spec.title)
        .uid(spec.uid)
        .description(spec.description)
        .tags(list(spec.tags))
        .time("now-6h", "now")
        .refresh("1m")
        .timezone("browser")
        .with_variable(gd.DatasourceVariable("datasource").label("Prometheus").type("prometheus"))
    )
    for annotation in spec.annotations:
        board = board.annotation(
            gd.AnnotationQuery()
            .name(annotation.legend)
            .datasource(source)
            .enable(True)
            .icon_color("blue")
            .expr(annotation.expr)
        )
    ids = iter(range(1, 1000))
    for row in spec.rows:
        board = board.with_row(gd.Row(row.title).id(next(ids)).collapsed(False))
        for panel in row.panels:  # an expanded row's panels follow it at the top level
            board = board.with_panel(_panel(panel, next(ids), source))
    data = json.loads(json.dumps(board.build(), cls=JSONEncoder))
    assert isinstance(data, dict)
    return data


def _panel(spec: PanelSpec, panel_id: int, source: Any) -> Any:
    from grafana_foundation_sdk.builders import prometheus, stat, text, timeseries
    from grafana_foundation_sdk.models.text import TextMode

    built: Any
    if spec.kind == "text":
        built = text.Panel().mode(TextMode.MARKDOWN).content(spec.content or "")
    elif spec.kind == "stat":
        built = stat.Panel().datasource(source)
    else:
        built = timeseries.Panel().datasource(source).fill_opacity(10)
    built = built.id(panel_id).title(spec.title).span(spec.width).height(spec.height)
    if spec.description:
        built = built.description(spec.description)
    if spec.unit:
        built = built.unit(spec.unit)
    for index, query in enumerate(spec.queries):
        target = (
            prometheus.Dataquery()
            .expr(query.expr)
            .legend_format(query.legend)
            .ref_id(chr(ord("A") + index))
            .datasource(source)
        )
        if spec.kind == "stat":
            target = target.instant()
        built = built.with_target(target)
    return built


def dashboard_configmap(
    spec: DashboardSpec,
    text: str,
    *,
    name: str,
    namespace: str | None,
    labels: Mapping[str, str],
) -> Manifest:
    """The dashboard as a ConfigMap the Grafana sidecar picks up by label."""
    metadata: Manifest = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    metadata["labels"] = dict(sorted(labels.items()))
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata,
        "data": {f"{spec.uid}.json": text},
    }


def render_configmap(configmap: Manifest) -> str:
    """``render_manifest`` of a dashboard ConfigMap, with the JSON written as the literal block
    PyYAML would write, without its emitter's per-character cost (~12 ms a dashboard).  The
    JSON of ``render_dashboard`` qualifies: no trailing blanks or control characters, one
    final newline."""
    data = configmap["data"]
    assert isinstance(data, dict) and len(data) == 1
    ((key, text),) = data.items()
    head = render_manifest({k: v for k, v in configmap.items() if k != "data"})
    if not _plain_block(text):
        return render_manifest(configmap)
    body = "".join(f"    {line}\n" for line in text.splitlines())
    return f"{head}data:\n  {key}: |\n{body}"


def _plain_block(text: str) -> bool:
    return (
        text.endswith("\n")
        and not text.endswith("\n\n")
        and not text.startswith((" ", "\n"))
        and not re.search(r"[ \t]\n|[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]", text)
    )
