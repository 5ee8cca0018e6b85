"""The observability files of ``dorgu generate`` (``--no-observability`` skips them), per
long-running component built from source, under ``monitoring/`` (docs/observability.md):

- ``servicemonitor.yaml`` or ``podmonitor.yaml`` when the app exposes a metrics endpoint;
- ``slo-rules.yaml`` (a ``PrometheusRule``), ``slo-rules.prometheus.yaml`` (the same groups
  as a plain rules file) and ``slo-rules.test.yaml`` (``promtool test rules`` unit tests) when
  it exposes metrics and has SLOs;
- ``health-rules.yaml`` and ``health-rules.prometheus.yaml`` always: they need no app metrics;
- ``<workload>-dashboard.json`` (Grafana) and ``<workload>-dashboard.configmap.yaml`` (the same
  for the Grafana sidecar) always (``dashboards.py``); an app of several such components also
  gets ``monitoring/<app>-dashboard.json`` and its ConfigMap at the top of the output;
- ``alertmanagerconfig.yaml`` and ``alertmanager-route.yaml``: the alerts' routing to the
  owning team (``alert_routing.py``).

None of them is in kustomization.yaml (the prometheus-operator CRDs may not be installed).
Must not read files or settings beyond the ``AppPlan``.
"""

from __future__ import annotations

from dorgu.generation.alert_routing import alertmanager_config, alertmanager_route
from dorgu.generation.anomaly_rules import persona_labels
from dorgu.generation.dashboards import (
    DashboardSpec,
    app_dashboard,
    component_dashboard,
    dashboard_components,
    dashboard_configmap,
    render_configmap,
    render_dashboard,
)
from dorgu.generation.diagnosing import info
from dorgu.generation.health_rules import health_group
from dorgu.generation.labels import MANAGED_BY
from dorgu.generation.manifests import GeneratedDocument
from dorgu.generation.monitors import build_monitor, metrics_endpoint, monitor_file, monitor_labels
from dorgu.generation.planning import AppPlan, ComponentPlan, WorkloadKind
from dorgu.generation.rendering import render_manifest
from dorgu.generation.rulegroups import RuleGroup, prometheus_rule, rules_file
from dorgu.generation.slo_rules import slo_groups
from dorgu.generation.slo_tests import slo_test_file
from dorgu.generation.slos import LONG_RUNNING, component_slos, exposes_metrics, slo_metrics
from dorgu.generation.volumes import plan_volumes
from dorgu.models.app import ComponentKind
from dorgu.models.evidence import Diagnostic

SLO_RULE_FILE = "monitoring/slo-rules.yaml"
SLO_PLAIN_FILE = "monitoring/slo-rules.prometheus.yaml"
SLO_TEST_FILE = "monitoring/slo-rules.test.yaml"
HEALTH_RULE_FILE = "monitoring/health-rules.yaml"
HEALTH_PLAIN_FILE = "monitoring/health-rules.prometheus.yaml"
MONITOR_NOTE = "scrapes the metrics endpoint (prometheus-operator), apply it yourself"
SLO_NOTE = "PrometheusRule: SLO error ratios, budget and burn-rate alerts, apply it yourself"
HEALTH_NOTE = "PrometheusRule: crash loops, OOM kills, replicas, autoscaler, volumes"
PLAIN_NOTE = "the same rules as a Prometheus rules file (rule_files)"
TEST_NOTE = "promtool test rules slo-rules.test.yaml: the burn-rate alerts' unit tests"
ROUTING_FILE = "monitoring/alertmanagerconfig.yaml"
ROUTE_FILE = "monitoring/alertmanager-route.yaml"
DASHBOARD_NOTE = "Grafana dashboard: import it, or apply the ConfigMap next to it"
CONFIGMAP_NOTE = (
    "the dashboard for the Grafana sidecar (label grafana_dashboard), apply it yourself"
)
ROUTING_NOTE = "AlertmanagerConfig: routes the alerts to the team's receiver (add its integration)"
ROUTE_NOTE = "the same routing as a plain Alertmanager route and receiver"


def build_observability_documents(
    app: AppPlan,
) -> tuple[list[GeneratedDocument], list[Diagnostic]]:
    request = app.request
    if not request.options.observability:
        return [], []
    documents: list[GeneratedDocument] = []
    diagnostics: list[Diagnostic] = []
    for plan in app.components:
        if plan.component.kind is not ComponentKind.APP or plan.workload not in LONG_RUNNING:
            continue
        made, found = _component_documents(plan, app)
        documents += made
        diagnostics += found
    plans = dashboard_components(app)
    if len(plans) > 1:
        containers = {p.name: _container(app, p) for p in plans}
        spec = app_dashboard(app, plans, containers)
        namespace = plans[0].settings.namespace
        documents += _dashboard_documents(
            spec,
            f"{request.app_name}-dashboard",
            namespace,
            plans[0].settings.observability.dashboard_labels,
            None,
        )
    return documents, diagnostics


def _container(app: AppPlan, plan: ComponentPlan) -> str:
    return app.request.sanitize_name(plan.component.name) or "app"


def _dashboard_documents(
    spec: DashboardSpec,
    name: str,
    namespace: str | None,
    labels: dict[str, str],
    owner: str | None,
) -> list[GeneratedDocument]:
    text = render_dashboard(spec)
    labels = {**labels, "app.kubernetes.io/managed-by": MANAGED_BY}  # old output is recognised
    configmap = dashboard_configmap(spec, text, name=name, namespace=namespace, labels=labels)
    return [
        GeneratedDocument(f"monitoring/{name}.json", text, owner, note=DASHBOARD_NOTE),
        GeneratedDocument(
            f"monitoring/{name}.configmap.yaml",
            render_configmap(configmap),
            owner,
            note=CONFIGMAP_NOTE,
        ),
    ]


def _component_documents(
    plan: ComponentPlan, app: AppPlan
) -> tuple[list[GeneratedDocument], list[Diagnostic]]:
    request = app.request
    owner = plan.component.name
    container = request.sanitize_name(owner) or "app"
    runbook = plan.settings.app.runbook
    labels = persona_labels(plan)
    documents: list[GeneratedDocument] = []
    diagnostics: list[Diagnostic] = []
    if exposes_metrics(plan):
        with_service = bool(plan.ports)
        monitor = build_monitor(plan, with_service=with_service)
        if monitor is None:
            endpoint = metrics_endpoint(plan)
            assert endpoint is not None
            diagnostics.append(
                info(
                    "metrics-port-unknown",
                    f"{owner}: metrics endpoint {endpoint.path} is on port {endpoint.port}, which "
                    "the container does not declare: no ServiceMonitor (add the port)",
                )
            )
        else:
            documents.append(
                GeneratedDocument(
                    monitor_file(monitor), render_manifest(monitor), owner, note=MONITOR_NOTE
                )
            )
        slos = component_slos(plan)
        if slos:
            metrics = slo_metrics(plan)
            groups = slo_groups(
                plan,
                slos,
                container=container,
                metrics=metrics,
                alert_labels=labels,
                runbook=runbook,
            )
            documents += _rule_documents(
                plan, groups, f"{plan.name}-slo", SLO_RULE_FILE, SLO_PLAIN_FILE, SLO_NOTE
            )
            tests, skipped = slo_test_file(
                plan,
                slos,
                groups,
                container=container,
                metrics=metrics,
                rule_file=SLO_PLAIN_FILE.rsplit("/", 1)[1],
            )
            if tests is not None:
                documents.append(
                    GeneratedDocument(SLO_TEST_FILE, render_manifest(tests), owner, note=TEST_NOTE)
                )
            diagnostics += [info("slo-untested", f"{owner}: {reason}") for reason in skipped]
    volumes = plan_volumes(
        plan, sanitize=request.sanitize_name, storage_size=request.options.storage_size
    )
    claims = [str(r.name) for r in volumes.resources if r.kind == "PersistentVolumeClaim"]
    claims += [
        f"{template['metadata']['name']}-{plan.name}-[0-9]+"  # type: ignore[index]
        for template in volumes.claim_templates
        if plan.workload is WorkloadKind.STATEFULSET
    ]
    group = health_group(
        plan, container=container, claims=claims, alert_labels=labels, runbook=runbook
    )
    documents += _rule_documents(
        plan, (group,), f"{plan.name}-health", HEALTH_RULE_FILE, HEALTH_PLAIN_FILE, HEALTH_NOTE
    )
    documents += _dashboard_documents(
        component_dashboard(plan, app, container=container),
        f"{plan.name}-dashboard",
        plan.settings.namespace,
        plan.settings.observability.dashboard_labels,
        owner,
    )
    documents += [
        GeneratedDocument(
            ROUTING_FILE, render_manifest(alertmanager_config(plan)), owner, note=ROUTING_NOTE
        ),
        GeneratedDocument(
            ROUTE_FILE, render_manifest(alertmanager_route(plan)), owner, note=ROUTE_NOTE
        ),
    ]
    if not runbook:
        diagnostics.append(
            info(
                "alerts-without-runbook",
                f"{owner}: the generated alerts carry no runbook (set app.runbook)",
            )
        )
    return documents, diagnostics


def _rule_documents(
    plan: ComponentPlan,
    groups: tuple[RuleGroup, ...],
    name: str,
    rule_path: str,
    plain_path: str,
    note: str,
) -> list[GeneratedDocument]:
    owner = plan.component.name
    rule = prometheus_rule(
        groups, name=name, namespace=plan.settings.namespace, labels=monitor_labels(plan)
    )
    return [
        GeneratedDocument(rule_path, render_manifest(rule), owner, note=note),
        GeneratedDocument(plain_path, render_manifest(rules_file(groups)), owner, note=PLAIN_NOTE),
    ]
