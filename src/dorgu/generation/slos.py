"""Which SLOs a component has and which series measure them.

- ``component_slos(plan)``: ``observability.slos`` when set, else the defaults of the app
  type (api: 99.9 % available and 99 % of requests under 500ms; web: 99.5 % and 95 % under
  1s; both over 30d; workers, cron jobs and daemons serve no requests: none);
- ``slo_metrics(plan)``: the request counter, the selector of failed requests and the latency
  histogram, by framework (``FRAMEWORK_METRICS``) unless ``observability`` names them.

The default thresholds are bucket boundaries of the Prometheus clients' default histograms
(Go, Python, Java: ..., 0.25, 0.5, 1, 2.5, ...), so ``le="0.5"`` exists.

Must not read files or settings beyond the ``ComponentPlan``.
"""

from __future__ import annotations

from dataclasses import dataclass

from dorgu.generation.planning import ComponentPlan, WorkloadKind
from dorgu.models.app import AppType, EndpointKind
from dorgu.models.config import SloEntry, SloIndicator

DEFAULT_SLOS: dict[AppType, tuple[SloEntry, ...]] = {
    AppType.API: (
        SloEntry(name="availability", indicator=SloIndicator.AVAILABILITY, objective=99.9),
        SloEntry(name="latency", indicator=SloIndicator.LATENCY, objective=99, threshold="500ms"),
    ),
    AppType.WEB: (
        SloEntry(name="availability", indicator=SloIndicator.AVAILABILITY, objective=99.5),
        SloEntry(name="latency", indicator=SloIndicator.LATENCY, objective=95, threshold="1s"),
    ),
}


@dataclass(frozen=True)
class SloMetrics:
    """The series an SLO reads: ``requests`` (a counter of requests), ``errors`` (label
    matchers that pick the failed ones) and ``latency`` (a histogram's base name: its
    ``_bucket`` and ``_count`` series)."""

    requests: str
    errors: str
    latency: str


DEFAULT_METRICS = SloMetrics("http_requests_total", 'code=~"5.."', "http_request_duration_seconds")
FRAMEWORK_METRICS: dict[str, SloMetrics] = {
    # Micrometer (Spring Boot Actuator + micrometer-registry-prometheus); the buckets need
    # management.metrics.distribution.percentiles-histogram.http.server.requests=true
    "spring-boot": SloMetrics(
        "http_server_requests_seconds_count", 'status=~"5.."', "http_server_requests_seconds"
    ),
    # prometheus-fastapi-instrumentator: status is grouped ("5xx")
    "fastapi": SloMetrics("http_requests_total", 'status=~"5.."', "http_request_duration_seconds"),
    # prometheus-flask-exporter
    "flask": SloMetrics(
        "flask_http_request_total", 'status=~"5.."', "flask_http_request_duration_seconds"
    ),
    # express-prom-bundle: one histogram, its _count is the request counter
    "express": SloMetrics(
        "http_request_duration_seconds_count",
        'status_code=~"5.."',
        "http_request_duration_seconds",
    ),
}

LONG_RUNNING = (WorkloadKind.DEPLOYMENT, WorkloadKind.STATEFULSET, WorkloadKind.DAEMONSET)


def exposes_metrics(plan: ComponentPlan) -> bool:
    return any(e.kind is EndpointKind.METRICS for e in plan.component.endpoints)


def component_type(plan: ComponentPlan) -> AppType:
    """The persona's type: the planned one, else api with ports and worker without."""
    if plan.app_type is not None:
        return plan.app_type
    return AppType.API if plan.ports else AppType.WORKER


def component_slos(plan: ComponentPlan) -> tuple[SloEntry, ...]:
    """The component's SLOs (none for run-once jobs and cron jobs)."""
    if plan.workload not in LONG_RUNNING:
        return ()
    configured = plan.settings.observability.slos if plan.own_settings else None
    if configured is not None:
        return tuple(configured)
    return DEFAULT_SLOS.get(component_type(plan), ())


def slo_metrics(plan: ComponentPlan) -> SloMetrics:
    wanted = plan.settings.observability
    base = FRAMEWORK_METRICS.get(plan.component.framework or "", DEFAULT_METRICS)
    return SloMetrics(
        wanted.requests_metric or base.requests,
        wanted.errors_selector or base.errors,
        wanted.latency_histogram or base.latency,
    )


def threshold_seconds(threshold: str) -> float:
    """``500ms`` -> 0.5, ``1s`` -> 1.0 (the pattern of ``SloEntry.threshold`` holds)."""
    if threshold.endswith("ms"):
        return float(threshold[:-2]) / 1000
    return float(threshold[:-1])


def le_values(seconds: float) -> tuple[str, ...]:
    """How a bucket boundary is written: ``0.5``; whole seconds as ``1`` (client libraries)
    and ``1.0`` (Prometheus 3 normalises ``le`` of classic histograms)."""
    text = f"{seconds:.9g}"
    if "." in text or "e" in text:
        return (text,)
    return (text, f"{text}.0")
