"""Per container usage baselines from per-pod time series.

The samples of every pod of a container are pooled: a percentile is "the usage of one pod of
this container at a random step", which is what a per-pod request must cover.  Percentiles
follow Prometheus' ``quantile_over_time`` (sort, rank phi*(n-1), linear interpolation), so a
baseline equals what the same query computed server-side would give.

The hourly profile is the mean of the samples whose timestamp falls in each UTC hour of the
day (0-23), over every day of the window; an hour without samples is ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dorgu.learning.rightsizing import TimeSeries, quantile

HOURS = 24


@dataclass(frozen=True)
class Distribution:
    """Summary statistics of a set of samples."""

    p50: float
    p95: float
    p99: float
    max: float
    mean: float
    count: int


@dataclass(frozen=True)
class UsageBaseline:
    """One container of one workload."""

    kind: str
    workload: str
    container: str
    pods: int
    cpu: Distribution
    memory: Distribution
    cpu_hourly: tuple[float | None, ...]
    memory_hourly: tuple[float | None, ...]


def _finite(series: Iterable[TimeSeries]) -> list[tuple[float, float]]:
    return [(t, v) for s in series for t, v in s.samples if math.isfinite(v) and v >= 0]


def distribution(values: Sequence[float]) -> Distribution | None:
    """p50/p95/p99/max/mean of ``values``; None without any."""
    if not values:
        return None
    ordered = sorted(values)
    top = ordered[-1]
    # interpolating can be off by an ulp (above the max, or p99 just under p95): keep the
    # percentiles ordered and within the samples, as the true quantile function is
    p50 = min(quantile(ordered, 0.5), top)
    p95 = min(max(quantile(ordered, 0.95), p50), top)
    p99 = min(max(quantile(ordered, 0.99), p95), top)
    return Distribution(
        p50=p50,
        p95=p95,
        p99=p99,
        max=top,
        mean=math.fsum(ordered) / len(ordered),
        count=len(ordered),
    )


def hourly_means(samples: Iterable[tuple[float, float]]) -> tuple[float | None, ...]:
    """The mean value per UTC hour of the day (24 entries, None where no sample fell)."""
    sums = [0.0] * HOURS
    counts = [0] * HOURS
    for timestamp, value in samples:
        hour = int(timestamp // 3600) % HOURS
        sums[hour] += value
        counts[hour] += 1
    return tuple(sums[h] / counts[h] if counts[h] else None for h in range(HOURS))


def container_baseline(
    *,
    kind: str,
    workload: str,
    container: str,
    cpu_series: Sequence[TimeSeries],
    memory_series: Sequence[TimeSeries],
) -> UsageBaseline | None:
    """The baseline of one container, None unless both CPU and memory have samples."""
    cpu_samples, memory_samples = _finite(cpu_series), _finite(memory_series)
    cpu = distribution([v for _, v in cpu_samples])
    memory = distribution([v for _, v in memory_samples])
    if cpu is None or memory is None:
        return None
    pods = {s.pod for s in (*cpu_series, *memory_series) if len(s)}
    return UsageBaseline(
        kind=kind,
        workload=workload,
        container=container,
        pods=len(pods),
        cpu=cpu,
        memory=memory,
        cpu_hourly=hourly_means(cpu_samples),
        memory_hourly=hourly_means(memory_samples),
    )
