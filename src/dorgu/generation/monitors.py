"""The prometheus-operator object that scrapes a component's metrics endpoint: a
``ServiceMonitor`` selecting the component's Service, or a ``PodMonitor`` selecting its pods
when there is no Service to select or when a StatefulSet's two Services (regular and
headless, with the same labels) would make a ServiceMonitor scrape every pod twice.

The endpoint is the one analysis found: its path, the name of the port it is served on (the
Service's and the container's port names are the same), scheme http.  Labels: the
component's, plus ``observability.release`` as ``release`` (what kube-prometheus-stack's
Prometheus selects monitors by) and ``observability.labels``.

Must not read files or settings beyond the ``ComponentPlan``.
"""

from __future__ import annotations

from collections.abc import Mapping

from dorgu.generation.manifests import Manifest
from dorgu.generation.planning import ComponentPlan, PlannedPort, WorkloadKind
from dorgu.models.app import Endpoint, EndpointKind

MONITORING_API = "monitoring.coreos.com/v1"


def metrics_endpoint(plan: ComponentPlan) -> Endpoint | None:
    return next((e for e in plan.component.endpoints if e.kind is EndpointKind.METRICS), None)


def metrics_port(plan: ComponentPlan, endpoint: Endpoint) -> PlannedPort | None:
    """The planned port serving ``endpoint`` (its own port, else the HTTP port)."""
    if endpoint.port is not None:
        return next((p for p in plan.ports if p.number == endpoint.port), None)
    return plan.http_port


def monitor_labels(plan: ComponentPlan) -> dict[str, str]:
    """The component's labels plus what the Prometheus selects monitors and rules by."""
    wanted = plan.settings.observability
    labels = dict(plan.labels)
    labels.update(wanted.labels)
    if wanted.release:
        labels["release"] = wanted.release
    return labels


def build_monitor(plan: ComponentPlan, *, with_service: bool) -> Manifest | None:
    """The ServiceMonitor or PodMonitor, or None when the endpoint's port is not declared."""
    endpoint = metrics_endpoint(plan)
    if endpoint is None:
        return None
    port = metrics_port(plan, endpoint)
    if port is None:
        return None
    metadata: Manifest = {"name": plan.name}
    if plan.settings.namespace:
        metadata["namespace"] = plan.settings.namespace
    metadata["labels"] = dict(sorted(monitor_labels(plan).items()))
    scrape: Manifest = {"port": port.name, "path": endpoint.path, "scheme": "http"}
    spec: Manifest = {"selector": {"matchLabels": dict(sorted(plan.selector.items()))}}
    if plan.settings.namespace:
        spec["namespaceSelector"] = {"matchNames": [plan.settings.namespace]}
    use_service = with_service and plan.workload is not WorkloadKind.STATEFULSET
    if use_service:
        spec["endpoints"] = [scrape]
        kind = "ServiceMonitor"
    else:
        spec["podMetricsEndpoints"] = [scrape]
        kind = "PodMonitor"
    return {"apiVersion": MONITORING_API, "kind": kind, "metadata": metadata, "spec": spec}


def monitor_file(manifest: Mapping[str, object]) -> str:
    return f"monitoring/{str(manifest['kind']).lower()}.yaml"
