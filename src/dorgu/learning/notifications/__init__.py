"""Deciding incident notifications (layer 1): which targets an incident goes to (``routing``),
whether and what to send now for one target (``deciding``: one opening message, thread updates
at changes and occurrence milestones, one resolved message, the 24 h rule per fingerprint,
retries with backoff), quiet hours (``quiet``) and per-target rate limits (``buckets``).

Must not: open files, read the environment or the clock (``now`` and the jitter are passed
in), send anything, or print.  The payloads are built by ``dorgu.generation.notifications``.
"""

from dorgu.learning.notifications.buckets import TokenBucket
from dorgu.learning.notifications.deciding import (
    MAX_ATTEMPTS,
    REOPEN_WINDOW,
    Action,
    Plan,
    backoff,
    decide,
    desired_state,
    milestone,
    record_failure,
    record_success,
)
from dorgu.learning.notifications.quiet import quiet_until
from dorgu.learning.notifications.routing import (
    RoutedTarget,
    env_targets,
    parse_routing,
    route,
)

__all__ = [
    "MAX_ATTEMPTS",
    "REOPEN_WINDOW",
    "Action",
    "Plan",
    "RoutedTarget",
    "TokenBucket",
    "backoff",
    "decide",
    "desired_state",
    "env_targets",
    "milestone",
    "parse_routing",
    "quiet_until",
    "record_failure",
    "record_success",
    "route",
]
