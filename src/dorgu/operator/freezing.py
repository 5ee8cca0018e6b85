"""Keeping long-lived objects out of the cyclic collector's full scans (the operator's and the
webhook worker's caches).  Must not do I/O."""

from __future__ import annotations

import gc
from collections.abc import Callable


class Freezer:
    """Keeps long-lived objects (cache entries, reused evaluations) out of the cyclic
    collector's full scans: with thousands of them a full collection pauses the loop (and the
    webhook) for tens of ms.  They hold no reference cycles (replaced entries are freed by
    reference counting), so frozen entries never leak; ``check`` freezes again whenever their
    number grew by a quarter (or by 500)."""

    def __init__(self, size: Callable[[], int]) -> None:
        self.size, self.frozen_at = size, -1

    async def check(self) -> None:
        size = self.size()
        if self.frozen_at < 0 or size > max(self.frozen_at * 1.25, self.frozen_at + 500):
            gc.collect(1)  # young garbage first, so it is not frozen with the caches
            gc.freeze()
            self.frozen_at = size
