"""Reading container usage from Prometheus for `dorgu recommend`, within the query budget.

Workloads are packed into batches of at most 50 pod-name patterns (and at most 50 current
pods, unless one workload alone has more); each batch costs two queries, one scan costs one
more (a probe first, so a wrong URL fails fast).  Series are selected by ``namespace``, ``pod``
and ``container`` (plus the cluster label when configured), never ``job`` or ``instance``, and
aggregated ``max by (namespace, pod, container)`` so the same container scraped twice (cAdvisor
and the kubelet's ``/metrics/resource`` use the same metric names) counts once.

- strategies on statistics (krr-simple, target-utilization): one instant query computes, per
  pod, p95 / max / mean / count of the CPU usage rate over ``[window:step]`` (a server-side
  subquery, not raw samples); one computes the exact peak and mean working set over the window;
- strategies on series (vpa): two range queries at a step of at least 1 min and at most 5,000
  points per series: the CPU rate over 2 min sampled at each step, the working-set peak of
  each hour.  Replies are parsed into arrays of doubles (16 bytes a sample).

Must not decide sizes (``dorgu.learning``), read settings, or print.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from dorgu.clients.prometheus import PrometheusClient, PrometheusError, QueryResult
from dorgu.learning.rightsizing import PodUsage, TimeSeries
from dorgu.services.workloads import Workload

logger = logging.getLogger(__name__)
CPU_METRIC = "container_cpu_usage_seconds_total"
MEMORY_METRIC = "container_memory_working_set_bytes"
BATCH_SIZE = 50
QUERIES_PER_BATCH = 2
MAX_RANGE_POINTS = 5000
MEMORY_STEP_SECONDS = 3600.0
BY = "namespace, pod, container"

ContainerKey = tuple[str, str, str, str]  # namespace, kind, name, container


@dataclass(frozen=True)
class UsageOptions:
    window_seconds: float
    end: float
    step_seconds: float = 60.0
    rate_window_seconds: float = 120.0
    series: bool = False
    cluster: str | None = None
    cluster_label: str = "cluster"


@dataclass
class Usage:
    """What Prometheus returned per container, and which containers' batches failed."""

    pods: dict[ContainerKey, dict[str, PodUsage]] = field(default_factory=dict)
    cpu_series: dict[ContainerKey, list[TimeSeries]] = field(default_factory=dict)
    memory_series: dict[ContainerKey, list[TimeSeries]] = field(default_factory=dict)
    partial: set[ContainerKey] = field(default_factory=set)
    errors: list[PrometheusError] = field(default_factory=list)
    batches: int = 0
    range_step: float = 0.0


def duration(seconds: float) -> str:
    """A PromQL duration: ``14d``, ``36h``, ``5m``, ``90s``."""
    whole = max(round(seconds), 1)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}s"


def quote(text: str) -> str:
    """A PromQL string literal."""
    return json.dumps(text)


def plan_batches(workloads: Sequence[Workload], *, size: int = BATCH_SIZE) -> list[list[Workload]]:
    batches: list[list[Workload]] = []
    current: list[Workload] = []
    pods = 0
    for workload in workloads:
        if not workload.containers:
            continue
        count = max(len(workload.pods), 1)
        if current and (len(current) >= size or pods + count > size):
            batches.append(current)
            current, pods = [], 0
        current.append(workload)
        pods += count
    if current:
        batches.append(current)
    return batches


def selector(batch: Sequence[Workload], options: UsageOptions) -> str:
    namespaces = sorted({w.namespace for w in batch})
    patterns = sorted({w.pod_pattern for w in batch})
    containers = sorted({c.name for w in batch for c in w.containers})
    matchers = [
        f"namespace={quote(namespaces[0])}"
        if len(namespaces) == 1
        else f"namespace=~{quote('|'.join(re.escape(n) for n in namespaces))}",
        f"pod=~{quote('|'.join(patterns))}",
        f"container=~{quote('|'.join(re.escape(c) for c in containers))}",
    ]
    if options.cluster:
        matchers.append(f"{options.cluster_label}={quote(options.cluster)}")
    return "{" + ", ".join(matchers) + "}"


def _tag(expression: str, stat: str) -> str:
    return f'label_replace({expression}, "stat", "{stat}", "__name__", ".*")'


def stats_queries(sel: str, options: UsageOptions) -> tuple[str, str]:
    window, step = duration(options.window_seconds), duration(options.step_seconds)
    rate = f"max by ({BY}) (rate({CPU_METRIC}{sel}[{duration(options.rate_window_seconds)}]))"
    sub = f"{rate}[{window}:{step}]"
    cpu = " or ".join(
        _tag(expression, stat)
        for expression, stat in (
            (f"quantile_over_time(0.95, {sub})", "p95"),
            (f"max_over_time({sub})", "max"),
            (f"avg_over_time({sub})", "avg"),
            (f"count_over_time({sub})", "points"),
        )
    )
    memory = " or ".join(
        _tag(f"max by ({BY}) ({fn}({MEMORY_METRIC}{sel}[{window}]))", stat)
        for fn, stat in (("max_over_time", "max"), ("avg_over_time", "avg"), ("deriv", "slope"))
    )
    return cpu, memory


def range_step(options: UsageOptions) -> float:
    minutes = math.ceil(options.window_seconds / MAX_RANGE_POINTS / 60)
    return max(options.step_seconds, 60.0 * minutes)


def memory_step(step_seconds: float) -> float:
    """The step of the memory range query: an hour (or the CPU step when coarser)."""
    return max(step_seconds, MEMORY_STEP_SECONDS)


def range_queries(sel: str, step_seconds: float, rate_window_seconds: float) -> tuple[str, str]:
    """CPU: the short-window rate sampled at each step (an unbiased sample of the per-minute
    rates, whose spread a step average would hide); memory: the peak of every hour (of every
    raw sample, by ``max_over_time``), all the VPA's daily peaks need, at a twelfth of the
    points of 5-minute peaks."""
    rate = duration(rate_window_seconds)
    cpu = f"max by ({BY}) (rate({CPU_METRIC}{sel}[{rate}]))"
    peak = duration(memory_step(step_seconds))
    memory = f"max by ({BY}) (max_over_time({MEMORY_METRIC}{sel}[{peak}]))"
    return cpu, memory


def planned_queries(workloads: Sequence[Workload]) -> int:
    """Queries one scan sends when nothing is retried: a probe plus two per batch."""
    return 1 + QUERIES_PER_BATCH * len(plan_batches(workloads))


def _owner(batch: Sequence[Workload], labels: dict[str, str]) -> Workload | None:
    namespace, pod = labels.get("namespace", ""), labels.get("pod", "")
    candidates = [w for w in batch if w.namespace == namespace]
    for workload in candidates:
        if pod in workload.pods:
            return workload
    for workload in candidates:
        if workload.matches_pod(pod):
            return workload
    return None


def _key_of(batch: Sequence[Workload], labels: dict[str, str]) -> ContainerKey | None:
    workload = _owner(batch, labels)
    container = labels.get("container", "")
    if workload is None or container not in {c.name for c in workload.containers}:
        return None
    return (workload.namespace, workload.kind, workload.name, container)


_STAT_FIELDS = {
    ("cpu", "p95"): "cpu_p95",
    ("cpu", "max"): "cpu_max",
    ("cpu", "avg"): "cpu_mean",
    ("memory", "max"): "memory_max",
    ("memory", "avg"): "memory_mean",
    ("memory", "slope"): "memory_slope",
}


def _absorb_stats(
    usage: Usage, batch: Sequence[Workload], resource: str, result: QueryResult
) -> None:
    for series in result.series:
        key = _key_of(batch, series.labels)
        if key is None or not series.samples:
            continue
        value = series.samples[-1][1]
        if not math.isfinite(value):
            continue
        pod = series.labels.get("pod", "")
        entry = usage.pods.setdefault(key, {}).setdefault(pod, PodUsage(pod))
        stat = series.labels.get("stat", "")
        if resource == "cpu" and stat == "points":
            usage.pods[key][pod] = replace(entry, points=int(value))
        elif (resource, stat) in _STAT_FIELDS:
            values: dict[str, float] = {_STAT_FIELDS[(resource, stat)]: value}
            usage.pods[key][pod] = replace(entry, **values)  # type: ignore[arg-type]


def _absorb_series(
    usage: Usage, batch: Sequence[Workload], resource: str, result: QueryResult, step: float,
    step_seconds: float,
) -> None:  # fmt: skip
    target = usage.cpu_series if resource == "cpu" else usage.memory_series
    for series in result.series:
        key = _key_of(batch, series.labels)
        if key is None:
            continue
        pod = series.labels["pod"]
        kept = TimeSeries.from_arrays(pod, series.times, series.values)
        target.setdefault(key, []).append(kept)
        entry = usage.pods.setdefault(key, {}).setdefault(pod, PodUsage(pod))
        values = kept.values
        if not values:
            continue
        mean, peak = sum(values) / len(values), max(values)
        if resource == "cpu":
            points = int(len(values) * step / step_seconds)
            usage.pods[key][pod] = replace(entry, points=points, cpu_max=peak, cpu_mean=mean)
        else:
            usage.pods[key][pod] = replace(entry, memory_max=peak, memory_mean=mean)


def _mark_partial(usage: Usage, batch: Sequence[Workload]) -> None:
    for workload in batch:
        for container in workload.containers:
            usage.partial.add((workload.namespace, workload.kind, workload.name, container.name))


async def _fetch_batch(
    client: PrometheusClient, batch: list[Workload], options: UsageOptions, usage: Usage
) -> None:
    sel = selector(batch, options)
    try:
        if options.series:
            step = usage.range_step
            cpu_q, memory_q = range_queries(sel, step, options.rate_window_seconds)
            start = options.end - options.window_seconds
            cpu, memory = await asyncio.gather(
                client.query_range(cpu_q, start=start, end=options.end, step=step),
                client.query_range(memory_q, start=start, end=options.end, step=memory_step(step)),
                return_exceptions=True,
            )
            pairs = (("cpu", cpu), ("memory", memory))
        else:
            cpu_q, memory_q = stats_queries(sel, options)
            cpu, memory = await asyncio.gather(
                client.query(cpu_q, at=options.end),
                client.query(memory_q, at=options.end),
                return_exceptions=True,
            )
            pairs = (("cpu", cpu), ("memory", memory))
    except PrometheusError as error:  # pragma: no cover - gather returns exceptions
        pairs = (("cpu", error), ("memory", error))
    for resource, outcome in pairs:
        if isinstance(outcome, PrometheusError):
            usage.errors.append(outcome)
            _mark_partial(usage, batch)
            logger.warning("a %s query failed: %s", resource, outcome)
            continue
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome.warnings:  # e.g. a partial response from Thanos or a federated store
            _mark_partial(usage, batch)
            logger.warning("Prometheus warned: %s", "; ".join(outcome.warnings))
        if options.series:
            _absorb_series(usage, batch, resource, outcome, usage.range_step,
                           options.step_seconds)  # fmt: skip
        else:
            _absorb_stats(usage, batch, resource, outcome)


async def fetch_usage(
    client: PrometheusClient, workloads: Sequence[Workload], options: UsageOptions
) -> Usage:
    """Usage of every container of ``workloads``.  Raises ``PrometheusError`` when the probe
    fails or every query fails; failures of some batches only mark their containers partial."""
    probe = await client.query("vector(1)", at=options.end, retries=0)  # a wrong URL fails fast
    if probe.result_type not in ("vector", "scalar"):
        raise PrometheusError(f"Prometheus at {client.url} answered vector(1) oddly")
    usage = Usage(range_step=range_step(options))
    batches = plan_batches(workloads)
    usage.batches = len(batches)
    await asyncio.gather(*(_fetch_batch(client, b, options, usage) for b in batches))
    if batches and len(usage.errors) >= QUERIES_PER_BATCH * len(batches):
        raise usage.errors[0]
    return usage
