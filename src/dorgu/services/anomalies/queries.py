"""The series a persona has, as PromQL, and reading them from Prometheus in bounded pieces.

Each *group* is one query over all the persona's pods (``namespace`` and a ``pod`` regex built
from its workloads' names, plus the cluster label when configured) returning one series per
container (CPU, memory, restarts) or one per persona (HTTP).  Containers are aggregated over
the pods, so a series survives rollouts (new pod names) and scaling:

| group | PromQL (``S`` the selector, ``R`` the rate window; each ``rate(x[R])`` is kept only
where ``x`` has a sample in the last step, see ``_rate``; the step must not be shorter
than the scrape interval) |
|---|---|
| cpu | ``sum by (container) (max by (pod, container) (rate(container_cpu_usage_seconds_total{S}[R])))`` |
| memory | ``max by (container) (container_memory_working_set_bytes{S})`` |
| restarts | ``sum by (container) (increase(kube_pod_container_status_restarts_total{S}[R]))`` |
| request_rate | ``sum(rate(http_requests_total{S}[R]))`` |
| error_rate | 5xx share: ``(sum(rate(...{S, code=~"5.."}[R])) or vector(0)) / sum(rate(...{S}[R]))`` |
| latency | ``histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket{S}[R])))`` |

``max by (pod, container)`` first: the kubelet's resource endpoint and cAdvisor export the same
names, and a container scraped twice must count once; ``container!=""`` drops cAdvisor's
pod-level cgroup series.  A group the app does not expose returns nothing (no series, no
error).  Range queries are cut into pieces of at most ``MAX_POINTS`` steps (Prometheus refuses
more than 11,000 points per series).

Must not decide what is anomalous (``dorgu.learning``), print, or read settings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from dorgu.clients.prometheus import PrometheusClient
from dorgu.models.anomalies import SeriesMetric, SeriesRef
from dorgu.services.usage import duration, quote

MAX_POINTS = 10_000
_SUFFIXES = {
    "Deployment": "-[a-z0-9]{1,10}-[a-z0-9]{5}",
    "StatefulSet": "-[0-9]+",
    "DaemonSet": "-[a-z0-9]{5}",
    "Pod": "",
}


@dataclass(frozen=True)
class Scope:
    """Whose series: the persona's namespace and the workloads (kind, name) it selects."""

    namespace: str
    workloads: tuple[tuple[str, str], ...]
    cluster: str | None = None
    cluster_label: str = "cluster"

    def selector(self, *extra: str) -> str:
        patterns = sorted(
            re.escape(name) + _SUFFIXES.get(kind, _SUFFIXES["Deployment"])
            for kind, name in self.workloads
        )
        matchers = [f"namespace={quote(self.namespace)}", f"pod=~{quote('|'.join(patterns))}"]
        if self.cluster:
            matchers.append(f"{self.cluster_label}={quote(self.cluster)}")
        return "{" + ", ".join([*matchers, *extra]) + "}"


def _rate(function: str, series: str, window: str, fresh: str) -> str:
    """``function(series[window])`` only where ``series`` has a sample in the last ``fresh`` (one
    step): after a series ends (a pod deleted, a scrape outage) Prometheus still computes a
    rate from the last samples in the window, extrapolated less and less once the last sample
    is more than 1.1 intervals old: a fall that is not in the data.
    (``present_over_time`` costs a tenth of ``time() - timestamp(series)`` in 2.42.)"""
    return f"({function}({series}[{window}]) and present_over_time({series}[{fresh}]))"


def group_queries(scope: Scope, *, rate_window: float, step: float) -> dict[SeriesMetric, str]:
    """One PromQL expression per series group."""
    window, fresh = duration(rate_window), duration(step)
    containers = scope.selector('container!=""')
    plain = scope.selector()
    errors = scope.selector('code=~"5.."')
    requests = f"sum({_rate('rate', f'http_requests_total{plain}', window, fresh)})"
    cpu = _rate("rate", f"container_cpu_usage_seconds_total{containers}", window, fresh)
    restarts = _rate(
        "increase", f"kube_pod_container_status_restarts_total{containers}", window, fresh
    )
    failed = _rate("rate", f"http_requests_total{errors}", window, fresh)
    buckets = _rate("rate", f"http_request_duration_seconds_bucket{plain}", window, fresh)
    return {
        SeriesMetric.CPU: f"sum by (container) (max by (pod, container) {cpu})",
        SeriesMetric.MEMORY: f"max by (container) (container_memory_working_set_bytes{containers})",
        SeriesMetric.RESTARTS: f"sum by (container) {restarts}",
        SeriesMetric.REQUEST_RATE: requests,
        SeriesMetric.ERROR_RATE: f"(sum({failed}) or vector(0)) / {requests}",
        SeriesMetric.LATENCY: f"histogram_quantile(0.9, sum by (le) {buckets})",
    }


def pieces(start: float, end: float, step: float) -> list[tuple[float, float]]:
    """``[start, end]`` cut into ranges of at most ``MAX_POINTS`` steps."""
    out: list[tuple[float, float]] = []
    while start <= end:
        last = min(end, start + (MAX_POINTS - 1) * step)
        out.append((start, last))
        start = last + step
    return out


async def read_group(
    client: PrometheusClient,
    metric: SeriesMetric,
    promql: str,
    *,
    start: float,
    end: float,
    step: float,
) -> dict[SeriesRef, list[tuple[float, float]]]:
    """The group's samples from ``start`` to ``end`` at ``step``, per series (finite values
    only; a missing step is a gap)."""
    found: dict[SeriesRef, list[tuple[float, float]]] = {}
    per_container = metric in (SeriesMetric.CPU, SeriesMetric.MEMORY, SeriesMetric.RESTARTS)
    for low, high in pieces(start, end, step):
        result = await client.query_range(promql, start=low, end=high, step=step)
        for series in result.series:
            container = series.labels.get("container") if per_container else None
            if per_container and not container:
                continue
            key = SeriesRef(metric=metric, container=container)
            found.setdefault(key, []).extend((t, v) for t, v in series.samples if math.isfinite(v))
    return found


def order(refs: Sequence[SeriesRef]) -> list[SeriesRef]:
    metrics = list(SeriesMetric)
    return sorted(refs, key=lambda r: (metrics.index(r.metric), r.container or ""))
