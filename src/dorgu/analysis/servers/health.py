"""Which URL paths look like health checks (shared by every server parser)."""

from __future__ import annotations

import re

from dorgu.models.patterns import LazyPattern

_HEALTH = LazyPattern(
    r"^/(?:[\w.-]+/)?(?:_?health(?:z|check|-check)?|ping|ready|readyz|readiness|live|livez|"
    r"liveness|alive|status|nginx-health|heartbeat)/?$",
    re.IGNORECASE,
)


def is_health_path(path: str) -> bool:
    return bool(_HEALTH.match(path))
