"""Benchmark: the cost of the operator's live anomaly watch per series (issue 13, "Live").

- warm start: a fresh ``SeriesWatch`` replaying 2 days at a 30 s step (5,760 samples, what a
  new leader reads per series); target <= 0.5 s per series on one core, so 100 personas with
  CPU and memory (200 series) are warm within about 100 s;
- a tick: one more sample per series; target <= 1 ms per series;
- memory per series after the warm start (tracemalloc); target <= 2 MiB.

The series is a daily triangle wave with 5 % noise (seeded), like the testbed's ``daily``
pattern.  Prometheus' own time is not counted (one range query per group, not per series).
"""

from __future__ import annotations

import random
import time
import tracemalloc

from dorgu.learning.anomalies.watching import SeriesWatch

STEP = 30.0
DAY = 86_400.0
SAMPLES = int(2 * DAY / STEP)
SERIES = 5
WARM_TARGET_S = 0.5
TICK_TARGET_MS = 1.0
MEMORY_TARGET_MIB = 2.0


def _value(t: float, rng: random.Random) -> float:
    phase = (t % DAY) / DAY
    return (0.25 + 1.5 * (1 - abs(2 * phase - 1))) * rng.uniform(0.95, 1.05)


def run() -> list[dict[str, object]]:
    rng = random.Random(0)
    start = 1_800_000_000.0
    warm_times, tick_times = [], []
    for _ in range(SERIES):
        watch = SeriesWatch()
        began = time.perf_counter()
        for i in range(SAMPLES):
            t = start + i * STEP
            watch.update(t, _value(t, rng))
        warm_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        for i in range(SAMPLES, SAMPLES + 1000):
            t = start + i * STEP
            watch.update(t, _value(t, rng))
        tick_times.append((time.perf_counter() - began) / 1000)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = SeriesWatch()
    for i in range(SAMPLES):
        t = start + i * STEP
        kept.update(t, _value(t, rng))
    memory = (tracemalloc.get_traced_memory()[0] - before) / 2**20
    tracemalloc.stop()
    warm = sorted(warm_times)[len(warm_times) // 2]
    tick_ms = sorted(tick_times)[len(tick_times) // 2] * 1000
    ratio = max(warm / WARM_TARGET_S, tick_ms / TICK_TARGET_MS, memory / MEMORY_TARGET_MIB)
    return [
        {
            "name": "anomaly-live",
            "warm_start_s_per_series": round(warm, 3),
            "samples_per_series": SAMPLES,
            "tick_ms_per_series": round(tick_ms, 4),
            "memory_mib_per_series": round(memory, 2),
            "targets": f"warm <= {WARM_TARGET_S}s, tick <= {TICK_TARGET_MS}ms, "
            f"memory <= {MEMORY_TARGET_MIB}MiB",
            "ratio_to_target": round(ratio, 3),
            "ok": ratio <= 1,
        }
    ]
