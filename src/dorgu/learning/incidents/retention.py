"""When a resolved incident may be deleted: ``spec.retention`` when set, else the default.

Must not do I/O or read the clock.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from dorgu.models.incidents import IncidentMemory, IncidentPhase

DEFAULT_RETENTION = timedelta(days=30)
_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)")


def parse_duration(value: str) -> timedelta:
    """A Go duration (``720h``, ``1h30m``) as a ``timedelta``; ``ValueError`` if malformed."""
    parts = _PART.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        raise ValueError(f"not a duration: {value!r} (use e.g. 720h or 90m)")
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))


def format_duration(value: timedelta) -> str:
    """A ``timedelta`` as a Go duration in whole seconds (``1h2m3s``, ``45s``, ``0s``)."""
    seconds = max(int(value.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{u}" for n, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if n]
    return "".join(parts) or "0s"


def expired(
    incident: IncidentMemory, *, now: datetime, default: timedelta = DEFAULT_RETENTION
) -> bool:
    """Whether a resolved incident is older than its retention (open incidents never are)."""
    status = incident.status
    if status is None or status.phase is not IncidentPhase.RESOLVED or status.resolved_at is None:
        return False
    keep = default
    if incident.spec.retention:
        try:
            keep = parse_duration(incident.spec.retention)
        except ValueError:
            keep = default
    return now - status.resolved_at >= keep
