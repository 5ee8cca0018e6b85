"""The VPA recommender's decaying histogram, reimplemented from its documented behaviour.

Buckets grow exponentially: bucket 0 is ``[0, first)``, bucket ``n >= 1`` starts at
``first·(ratio^n − 1)/(ratio − 1)``; the last bucket is open.  A sample at time ``t`` adds
``weight·2^((t − reference)/half_life)`` to its bucket, so a sample one half-life older counts
half as much.  The reference is the first sample's time rounded to a multiple of the half-life
(the VPA keeps it a multiple too; only relative weights matter).  ``percentile(p)`` walks the
buckets from the first non-empty one until the running weight reaches ``p·total`` and answers
the *end* of that bucket (the start of the last bucket when it is the last).  Buckets lighter
than ``epsilon`` count as empty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

DAY = 86400.0


@dataclass(frozen=True)
class BucketScheme:
    max_value: float
    first: float
    ratio: float = 1.05
    epsilon: float = 0.001 * 0.1

    @property
    def size(self) -> int:
        growth = self.max_value * (self.ratio - 1) / self.first + 1
        return math.ceil(math.log(growth, self.ratio)) + 1

    def bucket(self, value: float) -> int:
        if value < self.first:
            return 0
        index = int(math.log(value * (self.ratio - 1) / self.first + 1, self.ratio))
        return min(index, self.size - 1)

    def start(self, index: int) -> float:
        if index == 0:
            return 0.0
        return self.first * (self.ratio**index - 1) / (self.ratio - 1)


CPU_BUCKETS = BucketScheme(max_value=1000.0, first=0.001)
"""Cores: first bucket 1 millicore, up to 1000 cores, 5 % growth."""
MEMORY_BUCKETS = BucketScheme(max_value=1e12, first=1e7)
"""Bytes: first bucket 10 MB, up to 1 TB, 5 % growth."""


@dataclass
class DecayingHistogram:
    scheme: BucketScheme
    half_life: float = DAY
    weights: dict[int, float] = field(default_factory=dict)
    total: float = 0.0
    reference: float | None = None

    def add(self, value: float, weight: float, timestamp: float) -> None:
        if self.reference is None:
            self.reference = round(timestamp / self.half_life) * self.half_life
        decayed = weight * 2.0 ** ((timestamp - self.reference) / self.half_life)
        index = self.scheme.bucket(value)
        self.weights[index] = self.weights.get(index, 0.0) + decayed
        self.total += decayed

    def is_empty(self) -> bool:
        return not any(w >= self.scheme.epsilon for w in self.weights.values())

    def percentile(self, p: float) -> float:
        """0.0 for an empty histogram."""
        filled = sorted(i for i, w in self.weights.items() if w >= self.scheme.epsilon)
        if not filled:
            return 0.0
        threshold = p * self.total
        running = 0.0
        index = filled[0]
        last = filled[-1]
        for index in range(filled[0], last + 1):
            running += self.weights.get(index, 0.0)
            if running >= threshold:
                break
        if index < self.scheme.size - 1:
            return self.scheme.start(index + 1)
        return self.scheme.start(index)
