"""Right-sizing: strategies that turn observed CPU and memory usage into requests and limits,
the adjustments every strategy shares (floors, rounding, OOM, HPA, data sufficiency), and cost.

Units inside this package: CPU in cores, memory in bytes, time in seconds (floats).  Kubernetes
quantity strings appear only at the edges (``quantities``).  See docs/recommend.md for every
formula.

Must not do I/O, read settings files or the environment, or import the clients.
"""

from dorgu.learning.rightsizing.adjusting import Limits, finish
from dorgu.learning.rightsizing.costs import HOURS_PER_MONTH, PriceSheet, monthly_cost
from dorgu.learning.rightsizing.quantities import cpu_quantity, memory_quantity, parse_quantity
from dorgu.learning.rightsizing.strategies import STRATEGIES, Strategy, strategy_named
from dorgu.learning.rightsizing.usage import (
    ContainerHistory,
    HpaTarget,
    PodUsage,
    Proposal,
    Recommendation,
    Resources,
    TimeSeries,
    quantile,
)

__all__ = [
    "HOURS_PER_MONTH",
    "STRATEGIES",
    "ContainerHistory",
    "HpaTarget",
    "Limits",
    "PodUsage",
    "PriceSheet",
    "Proposal",
    "Recommendation",
    "Resources",
    "Strategy",
    "TimeSeries",
    "cpu_quantity",
    "finish",
    "memory_quantity",
    "monthly_cost",
    "parse_quantity",
    "quantile",
    "strategy_named",
]
