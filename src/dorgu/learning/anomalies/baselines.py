"""Bounded rolling windows the detector keeps per series: a sorted window for quantiles and a
window of running sums for a mean-plus-k-deviations bar.  Each holds at most ``size`` values."""

from __future__ import annotations

import bisect
import math
from collections import deque


class RollingQuantiles:
    """The last ``size`` values, kept sorted: O(size) memory, O(log size + size/64) per push
    (a memmove), exact quantiles."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._order: deque[float] = deque()
        self._sorted: list[float] = []

    def __len__(self) -> int:
        return len(self._sorted)

    def quantile(self, q: float) -> float:
        return self._sorted[int(q * (len(self._sorted) - 1))]

    def push(self, value: float) -> None:
        self._order.append(value)
        bisect.insort(self._sorted, value)
        if len(self._order) > self.size:
            old = self._order.popleft()
            del self._sorted[bisect.bisect_left(self._sorted, old)]


class RollingBar:
    """The last ``size`` values' mean plus ``k`` standard deviations (running sums)."""

    def __init__(self, size: int, k: float) -> None:
        self.size, self.k = size, k
        self._values: deque[float] = deque()
        self._total = 0.0
        self._squares = 0.0
        self._pushes = 0

    def __len__(self) -> int:
        return len(self._values)

    def bar(self) -> float:
        n = len(self._values)
        if not n:
            return 0.0
        mean = self._total / n
        variance = max(self._squares / n - mean * mean, 0.0)
        return mean + self.k * math.sqrt(variance)

    def push(self, value: float) -> None:
        self._values.append(value)
        self._total += value
        self._squares += value * value
        if len(self._values) > self.size:
            old = self._values.popleft()
            self._total -= old
            self._squares -= old * old
        self._pushes += 1
        if self._pushes % self.size == 0:  # resum now and then: no drift from cancellation
            self._total = math.fsum(self._values)
            self._squares = math.fsum(v * v for v in self._values)
