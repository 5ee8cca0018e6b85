"""What every strategy shares, applied to its raw ``Proposal`` in this order:

1. data sufficiency: fewer points than the strategy needs -> no recommendation, and why;
2. floors (10m CPU, 100 MiB memory by default) on requests;
3. OOM-awareness: a container last OOMKilled at limit L gets at least max(L × 1.2, L + 100 MiB)
   as memory request and limit;
4. limits never below requests; rounding up to 1m and 1 MiB;
5. HPA-awareness: when an HPA scales on a resource's utilisation and the request changes, say
   which target keeps the HPA's behaviour (target × old request / new request); and a working
   set that grows by more than 10 % of its peak a week is called out (a leak?);
6. confidence: days of samples per running copy / 7, capped at 1, halved when data is partial.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dorgu.learning.rightsizing.histograms import DAY
from dorgu.learning.rightsizing.quantities import (
    MIB,
    cpu_quantity,
    memory_quantity,
    round_cpu,
    round_memory,
)
from dorgu.learning.rightsizing.strategies import Strategy
from dorgu.learning.rightsizing.usage import (
    ContainerHistory,
    Recommendation,
    Resources,
    slope,
)

FULL_CONFIDENCE_DAYS = 7.0


@dataclass(frozen=True)
class Limits:
    min_cpu: float = 0.010
    min_memory: float = 100 * MIB
    oom_ratio: float = 1.2
    oom_min_bump: float = 100 * MIB


def confidence_of(history: ContainerHistory) -> float:
    """Days of samples per running copy (pods replaced by rollouts add up), over 7."""
    seen = sum(1 for p in history.pods if p.points > 0)
    if not seen:
        return 0.0
    days = history.points * history.step_seconds / DAY / (history.copies or seen)
    value = min(1.0, days / FULL_CONFIDENCE_DAYS)
    if history.partial:
        value /= 2
    return round(value, 2)


def finish(
    strategy: Strategy, history: ContainerHistory, *, limits: Limits | None = None
) -> Recommendation:
    """The finished recommendation for one container (see the module docstring)."""
    bounds_of = limits or Limits()
    current = history.current
    points = history.points
    if points < strategy.min_points:
        why = (
            f"not enough data: {points} point(s) in the window, {strategy.name} needs "
            f"{strategy.min_points}; current values kept"
        )
        return Recommendation(current, (why,), confidence_of(history), points, frozenset())
    proposal = strategy.propose(history)
    reasons: list[str] = list(proposal.notes)
    defined = {"cpu", "memory"} - set(proposal.undefined)
    for resource, why in sorted(proposal.undefined.items()):
        reasons.append(f"{resource}: {why}; current values kept")
    cpu_request, cpu_limit = current.cpu_request, current.cpu_limit
    memory_request, memory_limit = current.memory_request, current.memory_limit
    if "cpu" in defined and proposal.cpu_request is not None:
        cpu_request = max(proposal.cpu_request, bounds_of.min_cpu)
        if cpu_request > proposal.cpu_request:
            reasons.append(f"cpu: raised to the floor of {cpu_quantity(bounds_of.min_cpu)}")
        cpu_limit = proposal.cpu_limit
        if cpu_limit is not None:
            cpu_limit = round_cpu(max(cpu_limit, cpu_request))
        cpu_request = round_cpu(cpu_request)
    if "memory" in defined and proposal.memory_request is not None:
        memory_request = max(proposal.memory_request, bounds_of.min_memory)
        if memory_request > proposal.memory_request:
            reasons.append(
                f"memory: raised to the floor of {memory_quantity(bounds_of.min_memory)}"
            )
        memory_limit = proposal.memory_limit
        killed_at = history.oom_killed_limit
        if killed_at is not None:
            needed = max(killed_at * bounds_of.oom_ratio, killed_at + bounds_of.oom_min_bump)
            if memory_request < needed or (memory_limit is not None and memory_limit < needed):
                reasons.append(
                    f"memory: OOMKilled at {memory_quantity(killed_at)}: at least "
                    f"{memory_quantity(needed)} (× {bounds_of.oom_ratio} or + "
                    f"{memory_quantity(bounds_of.oom_min_bump)})"
                )
            memory_request = max(memory_request, needed)
            memory_limit = max(memory_limit or needed, needed)
        if memory_limit is not None:
            memory_limit = round_memory(max(memory_limit, memory_request))
        memory_request = round_memory(memory_request)
    recommended = Resources(cpu_request, cpu_limit, memory_request, memory_limit)
    reasons.extend(_hpa_reasons(history, recommended))
    reasons.extend(_trend_reasons(history))
    if history.partial:
        reasons.append(
            "partial data: a Prometheus query failed or warned of a partial answer; confidence lowered"
        )
    return Recommendation(
        recommended,
        tuple(reasons),
        confidence_of(history),
        points,
        frozenset(defined),
        bounds=dict(proposal.bounds),
    )


LEAK_WEEKLY_GROWTH = 0.10


def _trend_reasons(history: ContainerHistory) -> list[str]:
    """A working set that grows steadily: say so (the peak of the window will not last)."""
    slopes = {p.pod: p.memory_slope for p in history.pods if p.memory_slope is not None}
    for series in history.memory_series:
        found = slope(series)
        if found is not None and series.pod not in slopes:
            slopes[series.pod] = found
    peak = max((p.memory_max or 0.0 for p in history.pods), default=0.0)
    if not slopes or peak <= 0:
        return []
    pod, fastest = max(sorted(slopes.items()), key=lambda item: item[1])
    if fastest * 7 * DAY <= LEAK_WEEKLY_GROWTH * peak:
        return []
    return [
        f"memory: the working set of {pod} grows about {memory_quantity(fastest * DAY)} a day "
        "(a leak?): the recommendation covers the window's peak, not further growth"
    ]


def _hpa_reasons(history: ContainerHistory, recommended: Resources) -> list[str]:
    reasons: list[str] = []
    current = history.current
    show: Callable[[float | None], str | None]
    for hpa in history.hpas:
        if hpa.resource == "cpu":
            old, new, show = current.cpu_request, recommended.cpu_request, cpu_quantity
        elif hpa.resource == "memory":
            old, new, show = current.memory_request, recommended.memory_request, memory_quantity
        else:
            continue
        if new is None or old == new:
            continue
        if not old:
            reasons.append(
                f"HPA {hpa.name} scales on {hpa.resource} utilisation ({hpa.utilization} %), "
                f"which needs a request: with {show(new)} its target means "
                f"{show(new * hpa.utilization / 100)} per pod"
            )
            continue
        equivalent = max(1, round(hpa.utilization * old / new))
        reasons.append(
            f"HPA {hpa.name} scales on {hpa.resource} at {hpa.utilization} % of the request: "
            f"moving the request from {show(old)} to {show(new)} changes when it scales; set "
            f"its target to {equivalent} % to keep the same behaviour"
        )
    return reasons
