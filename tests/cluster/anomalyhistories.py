"""Synthetic operational history for the live anomaly tests: per workload (a StatefulSet-like
pod ``<name>-0`` with container ``app``) 14 days at a 60 s step of

- ``container_cpu_usage_seconds_total`` (a counter) and ``container_memory_working_set_bytes``,
- ``http_requests_total{code="200"|"500"}`` (counters) and
  ``http_request_duration_seconds_bucket{le=...}`` (cumulative, exponential latencies),

with daily cycles (a triangle wave between 0.25x and 1.75x, peak at noon UTC, like the testbed's
``daily`` pattern) and seeded noise, plus injected faults from a given time on: a CPU step
(x2), an error rate x3, a latency +100 % and a memory leak (+2 % of the base per minute).
Deterministic for a seed; yields OpenMetrics lines for ``MetricsTestbed.backfill``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

DAY = 86_400.0
BUCKETS = (0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
FAULTS = ("cpu", "error_rate", "latency", "memory")


@dataclass(frozen=True)
class SyntheticApp:
    namespace: str
    name: str
    faults: dict[str, float] = field(default_factory=dict)
    """Fault kind (one of ``FAULTS``) -> the time it starts."""
    cpu: float = 0.25
    memory: float = 256 * 2**20
    requests: float = 50.0
    errors: float = 0.01
    latency: float = 0.1

    @property
    def pod(self) -> str:
        return f"{self.name}-0"


def _daily(t: float) -> float:
    phase = (t % DAY) / DAY
    return 0.25 + 1.5 * (1 - abs(2 * phase - 1))


def _labels(app: SyntheticApp, **extra: str) -> str:
    pairs = {"namespace": app.namespace, "pod": app.pod, "job": "synthetic", **extra}
    return ",".join(f'{k}="{v}"' for k, v in sorted(pairs.items()))


def _after(app: SyntheticApp, kind: str, t: float) -> bool:
    return kind in app.faults and t >= app.faults[kind]


def render(apps: list[SyntheticApp], *, end: float, days: float = 14, step: float = 60,
           seed: int = 0) -> Iterator[str]:  # fmt: skip
    start = end - days * DAY
    times = [start + i * step for i in range(int(days * DAY / step) + 1)]
    yield "# TYPE container_cpu_usage_seconds counter\n"
    for index, app in enumerate(apps):
        rng, total = random.Random(f"{seed}:cpu:{index}"), 0.0
        for t in times:
            rate = app.cpu * _daily(t) * rng.uniform(0.9, 1.1) * (2 if _after(app, "cpu", t) else 1)
            total += rate * step
            labels = _labels(app, container="app")
            yield f"container_cpu_usage_seconds_total{{{labels}}} {total:.4f} {t:.0f}\n"
    yield "# TYPE container_memory_working_set_bytes gauge\n"
    for index, app in enumerate(apps):
        rng = random.Random(f"{seed}:memory:{index}")
        for t in times:
            value = app.memory * (1 + 0.01 * rng.gauss(0, 1))
            if _after(app, "memory", t):
                value += app.memory * 0.02 * (t - app.faults["memory"]) / 60
            labels = _labels(app, container="app")
            yield f"container_memory_working_set_bytes{{{labels}}} {value:.0f} {t:.0f}\n"
    yield "# TYPE http_requests counter\n"
    for index, app in enumerate(apps):
        rng = random.Random(f"{seed}:http:{index}")
        ok = bad = 0.0
        lines_ok, lines_bad = [], []
        for t in times:
            count = app.requests * _daily(t) * rng.uniform(0.95, 1.05) * step
            share = app.errors * rng.uniform(0.7, 1.3) * (3 if _after(app, "error_rate", t) else 1)
            bad += round(count * share)
            ok += round(count * (1 - share))
            lines_ok.append(f"{ok:.0f} {t:.0f}\n")
            lines_bad.append(f"{bad:.0f} {t:.0f}\n")
        for code, lines in (("200", lines_ok), ("500", lines_bad)):
            labels = _labels(app, code=code)
            for line in lines:
                yield f"http_requests_total{{{labels}}} {line}"
    yield "# TYPE http_request_duration_seconds_bucket gauge\n"
    for index, app in enumerate(apps):
        rng = random.Random(f"{seed}:latency:{index}")
        counts = [0.0] * (len(BUCKETS) + 1)
        rows: list[list[float]] = []
        for t in times:
            mean = app.latency * (0.85 + 0.3 * _daily(t) / 1.75) * rng.uniform(0.9, 1.1)
            mean *= 2 if _after(app, "latency", t) else 1
            n = app.requests * _daily(t) * step
            for i, bound in enumerate(BUCKETS):
                counts[i] += n * (1 - math.exp(-bound / mean))
            counts[-1] += n
            rows.append(list(counts))
        for i, bound in enumerate((*BUCKETS, math.inf)):
            le = "+Inf" if bound == math.inf else f"{bound:g}"
            labels = _labels(app, le=le)
            for t, row in zip(times, rows, strict=True):
                yield f"http_request_duration_seconds_bucket{{{labels}}} {row[i]:.1f} {t:.0f}\n"
    yield "# EOF\n"
