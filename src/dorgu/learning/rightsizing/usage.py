"""The data the strategies read (observed usage per pod, optional time series) and what they
return (a ``Proposal``, then a finished ``Recommendation``).

CPU in cores, memory in bytes, times in seconds since the epoch.  ``None`` means "unknown" for
observations and "unset" for limits.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Resources:
    """Requests and limits of one container (``None``: not set)."""

    cpu_request: float | None = None
    cpu_limit: float | None = None
    memory_request: float | None = None
    memory_limit: float | None = None


@dataclass(frozen=True)
class PodUsage:
    """What Prometheus computed server-side for one pod's container over the window.

    ``cpu_p95`` is the 95th percentile of the per-step CPU usage rate (Prometheus
    ``quantile_over_time`` semantics); ``points`` the number of samples (steps with data).
    """

    pod: str
    points: int = 0
    cpu_p95: float | None = None
    cpu_max: float | None = None
    cpu_mean: float | None = None
    memory_max: float | None = None
    memory_mean: float | None = None
    memory_slope: float | None = None
    """Bytes per second, the least-squares trend of the working set (PromQL ``deriv``)."""


class TimeSeries:
    """One pod's samples, time-ordered, stored compactly (two arrays of doubles: 16 bytes a
    sample, so a 14-day range of a thousand containers fits in memory)."""

    __slots__ = ("pod", "times", "values")

    def __init__(self, pod: str, samples: Iterable[tuple[float, float]]) -> None:
        self.pod = pod
        self.times = array("d")
        self.values = array("d")
        for timestamp, value in samples:
            self.times.append(timestamp)
            self.values.append(value)

    @classmethod
    def from_arrays(cls, pod: str, times: array[float], values: array[float]) -> TimeSeries:
        """The samples of two parallel arrays with a finite value (shared, not copied, when
        every value is finite)."""
        series = cls(pod, ())
        if all(map(math.isfinite, values)):
            series.times, series.values = times, values
        else:
            for timestamp, value in zip(times, values, strict=True):
                if math.isfinite(value):
                    series.times.append(timestamp)
                    series.values.append(value)
        return series

    @property
    def samples(self) -> Iterator[tuple[float, float]]:
        return zip(self.times, self.values, strict=True)

    def __len__(self) -> int:
        return len(self.times)

    def __repr__(self) -> str:
        return f"TimeSeries({self.pod!r}, {len(self)} samples)"


@dataclass(frozen=True)
class HpaTarget:
    """An HPA that scales the workload on a resource's average utilisation (percent)."""

    name: str
    resource: str  # "cpu" or "memory"
    utilization: int


@dataclass(frozen=True)
class ContainerHistory:
    """Everything known about one container of one workload."""

    pods: tuple[PodUsage, ...] = ()
    cpu_series: tuple[TimeSeries, ...] = ()
    memory_series: tuple[TimeSeries, ...] = ()
    step_seconds: float = 60.0
    window_seconds: float = 14 * 86400.0
    current: Resources = field(default_factory=Resources)
    containers_per_pod: int = 1
    copies: int = 0
    """Pods the workload runs now (0: unknown, or none as between a CronJob's runs)."""
    oom_killed_limit: float | None = None
    """The memory limit (else request) the container had when it was last OOMKilled."""
    hpas: tuple[HpaTarget, ...] = ()
    partial: bool = False
    """Some of the queries for this container failed: what is here is incomplete."""

    @property
    def points(self) -> int:
        return sum(p.points for p in self.pods)


@dataclass(frozen=True)
class Proposal:
    """A strategy's raw answer, before floors and rounding.  A resource left ``None`` in
    ``undefined`` gets no recommendation, with the reason given there."""

    cpu_request: float | None = None
    cpu_limit: float | None = None
    memory_request: float | None = None
    memory_limit: float | None = None
    undefined: dict[str, str] = field(default_factory=dict)  # "cpu"/"memory" -> why
    notes: tuple[str, ...] = ()
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)  # VPA lower/upper


@dataclass(frozen=True)
class Recommendation:
    """The finished answer for one container."""

    resources: Resources
    reasons: tuple[str, ...]
    confidence: float
    points: int
    defined: frozenset[str]  # resources with a recommendation ("cpu", "memory")
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)


def quantile(values: Sequence[float], phi: float) -> float:
    """The φ-quantile as Prometheus's ``quantile_over_time`` computes it: sort, rank
    ``φ·(n−1)``, linear interpolation between the neighbours.  ``NaN`` for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if phi <= 0:
        return ordered[0]
    if phi >= 1:
        return ordered[-1]
    rank = phi * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    weight = rank - low
    return ordered[low] * (1 - weight) + ordered[high] * weight


def slope(series: TimeSeries) -> float | None:
    """The least-squares slope of ``series`` (value units per second), as PromQL's
    ``deriv``; None for fewer than two samples or no time span."""
    n = len(series)
    if n < 2:
        return None
    mean_t = sum(series.times) / n
    mean_v = sum(series.values) / n
    spread = sum((t - mean_t) ** 2 for t in series.times)
    if spread == 0:
        return None
    return sum((t - mean_t) * (v - mean_v) for t, v in series.samples) / spread
