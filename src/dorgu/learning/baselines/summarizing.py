"""Baselines into the persona's bounded ``LearnedState``, and marking it stale.

- containers are sorted by (kind, workload, container) and at most ``MAX_CONTAINERS`` kept:
  the main workload's (named like the persona) first, then the others;
- quantities round *up* (CPU to 1m, memory to 1 MiB), so a request equal to a written p99 is
  never below the true one;
- the compatible ``resourceBaseline`` is the main container's mean and max;
- incidents and patterns (learned by others) are carried over unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from dorgu.learning.baselines.computing import Distribution, UsageBaseline
from dorgu.learning.rightsizing import cpu_quantity, memory_quantity
from dorgu.models.personas_learned import (
    MAX_CONTAINERS,
    NO_DATA,
    ContainerBaseline,
    HourlyProfile,
    HttpBaseline,
    LearnedState,
    ResourceBaseline,
    UsagePercentiles,
)

MAX_REASON = 300
MIB = 1024.0**2


def _cpu(value: float) -> str:
    return cpu_quantity(value) or "0"


def _memory(value: float) -> str:
    return memory_quantity(value) or "0"


def _percentiles(found: Distribution, resource: str) -> UsagePercentiles:
    render = _cpu if resource == "cpu" else _memory
    return UsagePercentiles(p50=render(found.p50), p95=render(found.p95),
                            p99=render(found.p99), max=render(found.max), avg=render(found.mean))  # fmt: skip


def _hourly(values: Sequence[float | None], scale: float) -> list[int]:
    return [NO_DATA if v is None else round(v / scale) for v in values]


def _entry(found: UsageBaseline) -> ContainerBaseline:
    return ContainerBaseline(
        kind=found.kind,
        workload=found.workload,
        name=found.container,
        points=found.cpu.count,
        pods=found.pods,
        cpu=_percentiles(found.cpu, "cpu"),
        memory=_percentiles(found.memory, "memory"),
        hourly=HourlyProfile(
            cpu_millicores=_hourly(found.cpu_hourly, 0.001),
            memory_mebibytes=_hourly(found.memory_hourly, MIB),
        ),
    )


def learned_state(
    baselines: Sequence[UsageBaseline],
    *,
    http: HttpBaseline | None,
    window: str,
    now: datetime,
    main: str | None = None,
    previous: LearnedState | None = None,
) -> LearnedState:
    """A fresh ``LearnedState`` (not stale) from this run's baselines."""
    ordered = sorted(baselines, key=lambda b: (b.workload != main, b.kind, b.workload,
                                               b.container))[:MAX_CONTAINERS]  # fmt: skip
    head = next((b for b in ordered if b.container == main), ordered[0] if ordered else None)
    resource = (
        ResourceBaseline(avg_cpu=_cpu(head.cpu.mean), peak_cpu=_cpu(head.cpu.max),
                         avg_memory=_memory(head.memory.mean), peak_memory=_memory(head.memory.max))
        if head is not None else None
    )  # fmt: skip
    kept = previous or LearnedState()
    return LearnedState(
        resource_baseline=resource,
        incident_count=kept.incident_count,
        last_incident=kept.last_incident,
        patterns=list(kept.patterns),
        last_updated=now,
        last_attempt=now,
        window=window,
        points=sum(b.cpu.count for b in baselines),
        containers=[_entry(b) for b in ordered],
        http=http,
    )


def mark_stale(previous: LearnedState | None, *, reason: str, now: datetime) -> LearnedState:
    """The last good values (if any), flagged stale with a one-line ``reason``."""
    line = " ".join(reason.split())
    if len(line) > MAX_REASON:
        line = line[: MAX_REASON - 3] + "..."
    base = previous or LearnedState()
    return base.model_copy(update={"stale": True, "stale_reason": line, "last_attempt": now})
