"""A token bucket (per target): ``burst`` messages at once, then ``rate`` per second."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True)
class TokenBucket:
    capacity: float
    rate: float
    """Tokens added per second."""
    tokens: float
    updated: datetime

    @classmethod
    def full(cls, *, capacity: float, per_minute: float, now: datetime) -> TokenBucket:
        return cls(capacity=capacity, rate=per_minute / 60.0, tokens=capacity, updated=now)

    def refilled(self, now: datetime) -> TokenBucket:
        elapsed = max(0.0, (now - self.updated).total_seconds())
        tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        return replace(self, tokens=tokens, updated=max(now, self.updated))

    def take(self, now: datetime) -> tuple[TokenBucket, float]:
        """``(bucket, 0)`` with one token taken, or ``(bucket, seconds to wait)`` untouched."""
        bucket = self.refilled(now)
        if bucket.tokens >= 1.0:
            return replace(bucket, tokens=bucket.tokens - 1.0), 0.0
        return bucket, (1.0 - bucket.tokens) / bucket.rate
