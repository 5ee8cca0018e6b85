"""What to send to one target now, from the incident and the target's delivery state.

An incident's *state* for messaging is ``resolved`` or ``<phase>/<severity>/<milestone>``
where the milestone is the largest of 1, 5, 10, 25, 50, 100, 250, ... not above the occurrence
count: a message goes out when that changes, never for every occurrence.  The first message is
the opening one; a recurrence whose fingerprint had an opening message less than 24 h ago
continues the earlier thread instead (``RECUR``); the rest are updates and one resolved message.
Failures are retried with exponential backoff and jitter (or after the server's Retry-After),
at most ``MAX_ATTEMPTS`` times per state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from dorgu.learning.notifications.buckets import TokenBucket
from dorgu.learning.notifications.quiet import quiet_until
from dorgu.models.incidents import (
    IncidentMemory,
    IncidentMemoryStatus,
    IncidentPhase,
    IncidentSeverity,
)
from dorgu.models.notifications import MAX_ERROR, NotificationState, QuietHours, Target

REOPEN_WINDOW = timedelta(hours=24)
"""At most one opening message per fingerprint (and target) in this window."""
MAX_ATTEMPTS = 8
BACKOFF_BASE = 30.0
BACKOFF_CAP = 3600.0
RESOLVED = "resolved"


class Action(StrEnum):
    OPEN = "open"
    """A new message (Slack: a new thread)."""
    RECUR = "recur"
    """A recurrence within 24 h of the fingerprint's opening message: into that thread."""
    UPDATE = "update"
    RESOLVE = "resolve"
    WAIT = "wait"
    """Owed but not now (backoff, Retry-After, rate limit, quiet hours): ``state.nextAttempt``."""
    NONE = "none"
    """Nothing owed."""
    SKIP = "skip"
    """Resolved before anything was delivered: nothing to say; recorded as done."""


SENDING = frozenset({Action.OPEN, Action.RECUR, Action.UPDATE, Action.RESOLVE})


@dataclass(frozen=True)
class Plan:
    action: Action
    state: NotificationState
    """The state to keep: for a sending action, with the thread to post into (``RECUR``)."""
    desired: str
    reason: str = ""

    @property
    def sends(self) -> bool:
        return self.action in SENDING


def milestone(count: int) -> int:
    """1, 5, 10, 25, 50, 100, 250, 500, 1000, ...: the largest not above ``count`` (>= 1)."""
    best, scale = 1, 1
    while True:
        for step in (5, 10, 25):
            value = step * scale
            if value > count:
                return best
            best = value
        scale *= 10


def desired_state(incident: IncidentMemory) -> str:
    status = incident.status or IncidentMemoryStatus()
    if status.phase is IncidentPhase.RESOLVED:
        return RESOLVED
    count = milestone(max(1, status.occurrence_count))
    return f"{status.phase.value}/{incident.spec.severity.value}/{count}"


def backoff(attempts: int, jitter: float) -> float:
    """Seconds before attempt ``attempts + 1``: 30 s doubling up to 1 h, times 0.5..1."""
    delay: float = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** max(0, attempts - 1))
    return delay * (0.5 + max(0.0, min(1.0, jitter)) / 2)


def decide(
    incident: IncidentMemory,
    state: NotificationState | None,
    *,
    target: Target,
    now: datetime,
    earlier: NotificationState | None = None,
    earlier_name: str | None = None,
    quiet: QuietHours | None = None,
    bucket: TokenBucket | None = None,
) -> tuple[Plan, TokenBucket | None]:
    """The plan for ``target`` and the rate-limit bucket after it (a token is taken only when
    the plan sends).  ``earlier`` is this target's state in the previous episode of the same
    fingerprint (``earlier_name``), if any."""
    desired = desired_state(incident)
    current = state or NotificationState(target=target.name, kind=target.kind)
    if desired in (current.sent, current.abandoned):
        return Plan(Action.NONE, current, desired), bucket
    if current.next_attempt is not None and current.next_attempt > now:
        return Plan(Action.WAIT, current, desired, "not yet"), bucket
    if current.sent is None:
        if desired == RESOLVED:
            done = current.model_copy(update={"sent": RESOLVED, "next_attempt": None})
            return Plan(Action.SKIP, done, desired, "resolved before any message"), bucket
        action = Action.OPEN
        if earlier is not None and earlier.opened_at and now - earlier.opened_at < REOPEN_WINDOW:
            action = Action.RECUR
            current = current.model_copy(update={
                "thread": earlier.thread, "channel_id": earlier.channel_id,
                "opened_at": earlier.opened_at, "inherited_from": earlier_name,
            })  # fmt: skip
    else:
        action = Action.RESOLVE if desired == RESOLVED else Action.UPDATE
    critical = incident.spec.severity is IncidentSeverity.CRITICAL
    if quiet is not None and not (critical and quiet.allow_critical):
        until = quiet_until(now, quiet)
        if until is not None:
            waiting = current.model_copy(update={"next_attempt": until})
            return Plan(Action.WAIT, waiting, desired, "quiet hours"), bucket
    if bucket is not None:
        bucket, wait = bucket.take(now)
        if wait > 0:
            later = now + timedelta(seconds=max(1.0, wait))
            waiting = current.model_copy(update={"next_attempt": later})
            return Plan(Action.WAIT, waiting, desired, "rate limit"), bucket
    return Plan(action, current, desired), bucket


def record_success(
    plan: Plan, *, now: datetime, message_id: str | None = None, channel_id: str | None = None
) -> NotificationState:
    """The state after ``plan`` was delivered (``message_id``: Slack's ts of a new message)."""
    update: dict[str, object] = {
        "sent": plan.desired, "sent_at": now, "attempts": 0, "next_attempt": None,
        "last_error": None, "abandoned": None,
    }  # fmt: skip
    if plan.action is Action.OPEN:
        update |= {"opened_at": now, "thread": message_id, "channel_id": channel_id}
    return plan.state.model_copy(update=update)


def record_failure(
    plan: Plan,
    *,
    now: datetime,
    error: str,
    jitter: float,
    retry_after: float | None = None,
    permanent: bool = False,
) -> NotificationState:
    """The state after a failed attempt: retried later, or abandoned for this state after
    ``MAX_ATTEMPTS`` (or at once when ``permanent``); a later change tries again."""
    attempts = plan.state.attempts + 1
    text = error[:MAX_ERROR]
    if permanent or attempts >= MAX_ATTEMPTS:
        note = f"gave up after {attempts} attempt{'s' if attempts > 1 else ''}: {error}"
        return plan.state.model_copy(update={
            "attempts": attempts, "next_attempt": None, "abandoned": plan.desired,
            "last_error": note[:MAX_ERROR],
        })  # fmt: skip
    delay = backoff(attempts, jitter)
    if retry_after is not None:
        delay = max(1.0, min(BACKOFF_CAP, retry_after))
    return plan.state.model_copy(update={
        "attempts": attempts, "next_attempt": now + timedelta(seconds=delay), "last_error": text,
    })  # fmt: skip
