"""Cost of requests, priced with OpenCost's default price sheet (custom pricing, based on GCP
us-central1): $0.031611 per vCPU-hour and $0.004237 per GiB-hour of RAM, 730 hours a month.
As OpenCost allocates, a container costs max(request, usage) of each resource.
"""

from __future__ import annotations

from dataclasses import dataclass

HOURS_PER_MONTH = 730.0
GIB = 1024.0**3


@dataclass(frozen=True)
class PriceSheet:
    cpu_core_hour: float = 0.031611
    memory_gib_hour: float = 0.004237


def monthly_cost(
    *,
    cpu: float | None,
    memory: float | None,
    pods: float,
    prices: PriceSheet,
    cpu_usage: float | None = None,
    memory_usage: float | None = None,
) -> float:
    """US dollars a month for ``pods`` average running copies of a container that requests
    ``cpu`` cores and ``memory`` bytes and uses ``*_usage`` on average (max of the two)."""
    cores = max(cpu or 0.0, cpu_usage or 0.0)
    gib = max(memory or 0.0, memory_usage or 0.0) / GIB
    hourly = cores * prices.cpu_core_hour + gib * prices.memory_gib_hour
    return hourly * HOURS_PER_MONTH * pods
