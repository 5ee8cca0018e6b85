"""Synthetic container usage histories as OpenMetrics text, for backfilling a Prometheus.

For right-sizing and anomaly benchmarks and tests: N containers x D days of
``container_cpu_usage_seconds_total`` (a counter: the integral of the CPU usage in cores) and
``container_memory_working_set_bytes`` (a gauge), one sample per ``step`` seconds, with a known
shape per container (``PATTERNS``; the live testbed's kwok emulation uses the same shapes for
the same names, see ``dorgu.devcluster.emulating``).

The caller gives each container its exact label set (``dorgu.devcluster.scraping.live_labels``
gives the testbed Prometheus' own), so history and live series are one series.  Deterministic:
the same arguments give the same bytes (random shapes draw from ``seed``).  Pure: yields lines.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

CPU_METRIC = "container_cpu_usage_seconds_total"
MEMORY_METRIC = "container_memory_working_set_bytes"
DAY = 86400.0

PATTERNS: dict[str, str] = {
    "steady": "the base, always",
    "daily": "a triangle wave between 0.25x and 1.75x the base (mean 1x), peak at mid-period",
    "spiky": "4x the base for the first tenth of each period, else the base",
    "leak": "grows by one base per period from the start of the history",
    "jitter": "uniformly random between 0.5x and 1.5x the base at every sample",
    "bursty": "the base, with bursts of 3x-6x lasting 1-5 samples starting at 2% of the samples",
}


@dataclass(frozen=True)
class SyntheticContainer:
    """One container's history: its labels (without ``__name__``), base usage and shapes."""

    labels: Mapping[str, str]
    cpu_cores: float
    memory_bytes: float
    cpu_pattern: str = "steady"
    memory_pattern: str = "steady"
    period: float | None = None  # seconds; None: ``render_history``'s

    def __post_init__(self) -> None:
        for pattern in (self.cpu_pattern, self.memory_pattern):
            if pattern not in PATTERNS:
                raise ValueError(
                    f"unknown usage pattern {pattern!r} (one of {', '.join(PATTERNS)})"
                )
        if self.cpu_cores < 0 or self.memory_bytes < 0:
            raise ValueError("usage cannot be negative")
        if self.period is not None and self.period <= 0:
            raise ValueError("the period must be positive")


def factors(
    pattern: str, *, times: Sequence[float], start: float, period: float, rng: random.Random
) -> list[float]:
    """The multiple of the base usage at each of ``times`` for ``pattern``."""
    result: list[float] = []
    burst_left, burst_factor = 0, 1.0
    for t in times:
        phase = (t % period) / period
        if pattern == "steady":
            value = 1.0
        elif pattern == "daily":
            value = 0.25 + 1.5 * (2.0 * phase if phase < 0.5 else 2.0 - 2.0 * phase)
        elif pattern == "spiky":
            value = 4.0 if phase < 0.1 else 1.0
        elif pattern == "leak":
            value = 1.0 + (t - start) / period
        elif pattern == "jitter":
            value = 0.5 + rng.random()
        elif pattern == "bursty":
            if burst_left == 0 and rng.random() < 0.02:
                burst_left, burst_factor = rng.randint(1, 5), rng.uniform(3.0, 6.0)
            value = burst_factor if burst_left else 1.0
            burst_left = max(0, burst_left - 1)
        else:
            raise ValueError(f"unknown usage pattern {pattern!r}")
        result.append(value)
    return result


def render_history(
    containers: Sequence[SyntheticContainer],
    *,
    end: float,
    days: float,
    step: float = 60.0,
    period: float = DAY,
    seed: int = 0,
) -> Iterator[str]:
    """OpenMetrics lines (each ending in a newline, ``# EOF`` last) of ``days`` of history
    ending at ``end`` (seconds since the epoch), one sample per ``step`` seconds."""
    if step <= 0 or days <= 0 or period <= 0:
        raise ValueError("step, days and period must be positive")
    count = int(days * DAY // step)
    if count == 0:
        raise ValueError(f"{days:g} days hold no sample at a {step:g}s step")
    first = math.floor((end - (count - 1) * step) / step) * step
    times = [round(first + index * step, 3) for index in range(count)]
    start = times[0]
    yield "# HELP container_cpu_usage_seconds Cumulative cpu time consumed in seconds.\n"
    yield "# TYPE container_cpu_usage_seconds counter\n"
    for index, container in enumerate(containers):
        rng = random.Random(f"{seed}:cpu:{index}")
        usage = factors(
            container.cpu_pattern,
            times=times,
            start=start,
            period=container.period or period,
            rng=rng,
        )
        selector = _selector(CPU_METRIC, container.labels)
        total = 0.0
        for t, factor in zip(times, usage, strict=True):
            total += container.cpu_cores * factor * step
            yield f"{selector} {total:.6f} {_time(t)}\n"
    yield "# HELP container_memory_working_set_bytes Current working set in bytes.\n"
    yield "# TYPE container_memory_working_set_bytes gauge\n"
    for index, container in enumerate(containers):
        rng = random.Random(f"{seed}:memory:{index}")
        usage = factors(container.memory_pattern, times=times, start=start, period=period, rng=rng)
        selector = _selector(MEMORY_METRIC, container.labels)
        for t, factor in zip(times, usage, strict=True):
            yield f"{selector} {round(container.memory_bytes * factor)} {_time(t)}\n"
    yield "# EOF\n"


def _time(t: float) -> str:
    return f"{t:.3f}".rstrip("0").rstrip(".")


def _selector(name: str, labels: Mapping[str, str]) -> str:
    inner = ",".join(f'{key}="{_escape(labels[key])}"' for key in sorted(labels))
    return f"{name}{{{inner}}}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
