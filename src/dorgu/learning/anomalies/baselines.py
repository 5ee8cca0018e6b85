"""Bounded rolling windows the detector keeps per series: a sorted window for quantiles, a
window of running sums for a mean-plus-k-deviations bar, and the recent days' values for
same-time-of-day comparisons.  Each holds at most ``size`` values."""

from __future__ import annotations

import bisect
import math
from array import array
from collections import deque

DAY = 86_400.0


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

    def count_within(self, low: float, high: float) -> int:
        """How many of the values lie in ``[low, high]``."""
        return bisect.bisect_right(self._sorted, high) - bisect.bisect_left(self._sorted, low)

    def push(self, value: float) -> None:
        self._order.append(value)
        bisect.insort(self._sorted, value)
        if len(self._order) > self.size:
            old = self._order.popleft()
            del self._sorted[bisect.bisect_left(self._sorted, old)]


class RollingBar:
    """The last ``size`` values' mean plus ``k`` standard deviations (running sums).  The values
    sit in a ring of C doubles (8 bytes each, not a Python float object per value)."""

    def __init__(self, size: int, k: float) -> None:
        self.size, self.k = size, k
        self._values = array("d")
        self._next = 0  # where the next value goes once the ring is full
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
        self._total += value
        self._squares += value * value
        if len(self._values) < self.size:
            self._values.append(value)
        else:
            old = self._values[self._next]
            self._values[self._next] = value
            self._next = (self._next + 1) % self.size
            self._total -= old
            self._squares -= old * old
        self._pushes += 1
        if self._pushes % self.size == 0:  # resum now and then: no drift from cancellation
            self._total = math.fsum(self._values)
            self._squares = math.fsum(v * v for v in self._values)


class SameTimeHistory:
    """The (time, value) pairs of the last ``days`` days (plus ``tolerance``), at most ``size``
    of them, answering: how close is a value to what the series showed at the same time of
    day on one of those days?  Times must not decrease.  Memory: at most ``2 * size`` pairs
    (dropped pairs are compacted away in bulk, amortised O(1) per push)."""

    def __init__(self, days: int, size: int, tolerance: float) -> None:
        self.days, self.size, self.tolerance = days, size, tolerance
        self._times: list[float] = []
        self._values: list[float] = []
        self._head = 0  # pairs before it are dropped

    def __len__(self) -> int:
        return len(self._times) - self._head

    def push(self, time: float, value: float) -> None:
        self._times.append(time)
        self._values.append(value)
        oldest = time - self.days * DAY - self.tolerance
        while self._head < len(self._times) and (
            self._times[self._head] < oldest or len(self) > self.size
        ):
            self._head += 1
        if self._head > len(self._times) // 2:
            del self._times[: self._head]
            del self._values[: self._head]
            self._head = 0

    def closest(self, time: float, value: float) -> float | None:
        """How close ``value`` is to the series at this time of day on a recent day: for
        each d = 1 .. ``days``, the median of the values seen within ``tolerance`` of
        ``time - d days`` (robust to one noisy sample), and the smallest ``|value - median|``
        over those days.  None when no day has a sample there (too little history, gaps,
        irregular sampling)."""
        times, values, tolerance = self._times, self._values, self.tolerance
        best: float | None = None
        for day in range(1, self.days + 1):
            centre = time - day * DAY
            low = bisect.bisect_left(times, centre - tolerance, self._head)
            high = bisect.bisect_right(times, centre + tolerance, low)
            if low == high:
                continue
            around = sorted(values[low:high])
            gap = abs(value - around[len(around) // 2])
            best = gap if best is None or gap < best else best
        return best
