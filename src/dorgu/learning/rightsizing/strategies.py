"""The strategies, in an explicit registry.  Each turns a ``ContainerHistory`` into a raw
``Proposal``; ``adjusting.finish`` then applies what every strategy shares.

- ``krr-simple`` (Robusta KRR's default "simple" strategy): CPU request = the highest of the
  pods' p95 CPU usage rates, no CPU limit; memory request = limit = the highest working set of
  any pod + 15 %.  Refuses below 100 points.
- ``vpa`` (the Kubernetes VPA recommender): decaying histograms (24 h half-life); CPU samples
  weighted by max(request, 0.1 core), memory as one peak per pod per 24 h interval; target =
  p90 + 15 %, lower bound = p50 + 15 % × (1 + 0.001/c)^−2, upper bound = p95 + 15 % ×
  (1 + 1/c), c = min(history span in days, samples/1440); at least 25m / 250 MiB per pod,
  split among its containers; limits keep the current limit:request ratio.
- ``target-utilization`` (Kubecost's request sizing): request = max usage / target utilisation
  (0.7 for both by default), no CPU limit, memory limit = memory request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dorgu.learning.rightsizing.histograms import (
    CPU_BUCKETS,
    DAY,
    MEMORY_BUCKETS,
    DecayingHistogram,
)
from dorgu.learning.rightsizing.usage import ContainerHistory, Proposal, TimeSeries

KRR_CPU_PERCENTILE = 95
KRR_MEMORY_BUFFER = 0.15
KRR_POINTS_REQUIRED = 100

VPA_MARGIN = 0.15
VPA_TARGET, VPA_LOWER, VPA_UPPER = 0.9, 0.5, 0.95
VPA_MIN_SAMPLE_WEIGHT = 0.1
VPA_POD_MIN_CPU = 0.025
VPA_POD_MIN_MEMORY = 250 * 1024.0**2

TARGET_CPU_UTILIZATION = 0.7
TARGET_MEMORY_UTILIZATION = 0.7


@dataclass(frozen=True)
class Strategy:
    name: str
    summary: str
    propose: Callable[[ContainerHistory], Proposal]
    needs_series: bool = False
    min_points: int = KRR_POINTS_REQUIRED


def _present(values: list[float | None]) -> list[float]:
    return [v for v in values if v is not None]


def propose_krr_simple(history: ContainerHistory) -> Proposal:
    undefined: dict[str, str] = {}
    cpu = _present([p.cpu_p95 for p in history.pods])
    memory = _present([p.memory_max for p in history.pods])
    cpu_request = max(cpu) if cpu else None
    memory_peak = max(memory) if memory else None
    if cpu_request is None:
        undefined["cpu"] = "no CPU usage data in the window"
    if memory_peak is None:
        undefined["memory"] = "no memory usage data in the window"
    memory_value = None if memory_peak is None else memory_peak * (1 + KRR_MEMORY_BUFFER)
    return Proposal(
        cpu_request=cpu_request,
        cpu_limit=None,
        memory_request=memory_value,
        memory_limit=memory_value,
        undefined=undefined,
        notes=("CPU request = p95 CPU usage (highest pod); memory = peak working set + 15 %",),
    )


def propose_target_utilization(
    history: ContainerHistory,
    *,
    cpu_target: float = TARGET_CPU_UTILIZATION,
    memory_target: float = TARGET_MEMORY_UTILIZATION,
) -> Proposal:
    undefined: dict[str, str] = {}
    cpu = _present([p.cpu_max for p in history.pods])
    memory = _present([p.memory_max for p in history.pods])
    cpu_request = max(cpu) / cpu_target if cpu else None
    memory_request = max(memory) / memory_target if memory else None
    if cpu_request is None:
        undefined["cpu"] = "no CPU usage data in the window"
    if memory_request is None:
        undefined["memory"] = "no memory usage data in the window"
    return Proposal(
        cpu_request=cpu_request,
        memory_request=memory_request,
        memory_limit=memory_request,
        undefined=undefined,
        notes=(
            f"request = max usage / target utilisation "
            f"({cpu_target:.0%} CPU, {memory_target:.0%} memory)",
        ),
    )


def _confidence(history: ContainerHistory) -> float:
    series = [s for s in history.cpu_series if len(s)]
    if not series:
        return 0.0
    first = min(min(s.times) for s in series)
    last = max(max(s.times) for s in series)
    span_days = (last - first) / DAY
    # series coarser than a minute count for the minutes they stand for
    minute_samples = sum(len(s) * max(_spacing(s), history.step_seconds) for s in series) / 60.0
    return min(span_days, minute_samples / (60 * 24))


def _spacing(series: TimeSeries) -> float:
    """The average seconds between samples (0 for a single sample)."""
    if len(series) < 2:
        return 0.0
    return (series.times[-1] - series.times[0]) / (len(series) - 1)


def _memory_peaks(history: ContainerHistory) -> DecayingHistogram:
    """One sample per pod per 24 h interval: its peak, weight 1, at the interval's end."""
    peaks = DecayingHistogram(MEMORY_BUCKETS)
    for series in history.memory_series:
        window_end: float | None = None
        peak: float | None = None
        for timestamp, value in series.samples:
            if window_end is not None and timestamp < window_end:
                peak = value if peak is None else max(peak, value)
                continue
            if window_end is not None and peak is not None:
                peaks.add(peak, 1.0, window_end)
            start = timestamp if window_end is None else window_end
            window_end = start + ((timestamp - start) // DAY) * DAY + DAY
            peak = value
        if window_end is not None and peak is not None:
            peaks.add(peak, 1.0, window_end)
    return peaks


def propose_vpa(history: ContainerHistory) -> Proposal:
    undefined: dict[str, str] = {}
    cpu_hist = DecayingHistogram(CPU_BUCKETS)
    weight = max(history.current.cpu_request or 0.0, VPA_MIN_SAMPLE_WEIGHT)
    for series in history.cpu_series:
        for timestamp, value in series.samples:
            cpu_hist.add(value, weight, timestamp)
    memory_hist = _memory_peaks(history)
    confidence = _confidence(history)
    share = 1.0 / max(history.containers_per_pod, 1)

    def estimate(hist: DecayingHistogram, floor: float) -> tuple[float, float, float]:
        target = max(hist.percentile(VPA_TARGET) * (1 + VPA_MARGIN), floor)
        lower = hist.percentile(VPA_LOWER) * (1 + VPA_MARGIN)
        upper = hist.percentile(VPA_UPPER) * (1 + VPA_MARGIN)
        if confidence > 0:
            lower *= (1 + 0.001 / confidence) ** -2.0
            upper *= 1 + 1.0 / confidence
        else:
            lower, upper = 0.0, float("inf")
        return target, max(lower, floor), max(upper, floor)

    bounds: dict[str, tuple[float, float]] = {}
    cpu_target = memory_target = None
    if cpu_hist.is_empty():
        undefined["cpu"] = "no CPU usage data in the window"
    else:
        cpu_target, low, high = estimate(cpu_hist, VPA_POD_MIN_CPU * share)
        bounds["cpu"] = (low, high)
    if memory_hist.is_empty():
        undefined["memory"] = "no memory usage data in the window"
    else:
        memory_target, low, high = estimate(memory_hist, VPA_POD_MIN_MEMORY * share)
        bounds["memory"] = (low, high)
    current = history.current
    return Proposal(
        cpu_request=cpu_target,
        cpu_limit=_keep_ratio(cpu_target, current.cpu_request, current.cpu_limit),
        memory_request=memory_target,
        memory_limit=_keep_ratio(memory_target, current.memory_request, current.memory_limit),
        undefined=undefined,
        bounds=bounds,
        notes=(
            f"VPA target = p90 of decaying histograms + 15 % (history confidence "
            f"{confidence:.2f} days)",
        ),
    )


def _keep_ratio(target: float | None, request: float | None, limit: float | None) -> float | None:
    if target is None or limit is None:
        return None
    if request is None or request < 1e-6 or limit < request:
        return max(limit, target)
    return target * (limit / request)


STRATEGIES: dict[str, Strategy] = {
    "krr-simple": Strategy(
        "krr-simple",
        "Robusta KRR's default: p95 CPU, no CPU limit, peak memory + 15 %",
        propose_krr_simple,
    ),
    "vpa": Strategy(
        "vpa",
        "Kubernetes VPA recommender: decaying histograms, p90 + 15 %",
        propose_vpa,
        needs_series=True,
    ),
    "target-utilization": Strategy(
        "target-utilization",
        "Kubecost-style: max usage / target utilisation (70 %)",
        propose_target_utilization,
    ),
}
DEFAULT_STRATEGY = "krr-simple"


def strategy_named(name: str) -> Strategy:
    """The strategy registered as ``name`` (``KeyError`` when there is none)."""
    return STRATEGIES[name]
