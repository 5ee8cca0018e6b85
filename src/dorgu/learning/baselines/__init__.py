"""Baselines: what a running app normally uses, learned from its history, for the persona's
``status.learned`` (see docs/operator.md, "Learned baselines").

- ``computing``: per container CPU and memory percentiles (p50, p95, p99, max, mean) over the
  pooled per-pod samples, and the mean per hour of the day;
- ``traffic``: HTTP request rate, error ratio and latency from the statistics Prometheus
  computed server-side;
- ``summarizing``: both into a bounded ``LearnedState``, and the stale marking that keeps the
  last good values when learning fails.

Units: CPU in cores, memory in bytes, times in seconds since the epoch.

Must not do I/O, read settings or the environment, or import the clients.
"""

from dorgu.learning.baselines.computing import (
    Distribution,
    UsageBaseline,
    container_baseline,
    distribution,
    hourly_means,
)
from dorgu.learning.baselines.summarizing import learned_state, mark_stale
from dorgu.learning.baselines.traffic import HTTP_CONVENTIONS, HttpConvention, http_baseline

__all__ = [
    "HTTP_CONVENTIONS",
    "Distribution",
    "HttpConvention",
    "UsageBaseline",
    "container_baseline",
    "distribution",
    "hourly_means",
    "http_baseline",
    "learned_state",
    "mark_stale",
]
