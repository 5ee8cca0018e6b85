"""An open incident's lifecycle after it was recorded: ``Detected -> Investigating`` and the
automatic ``-> Resolved`` after a stabilisation window with positive evidence.

- ``Detected -> Investigating``: once the failure repeats (a second distinct sighting, or a
  contributing signal of another kind), or once it has lasted ``investigate_after`` with the
  signal still present.  A one-off blip that clears within that time stays ``Detected`` until it
  is resolved.  ``Recurring`` episodes keep their phase until resolved (it already says that
  the failure is known).
- ``-> Resolved``: the workload shows no signal any more **and** there is positive evidence it
  is healthy: every pod of the workload is Ready, continuously since ``healthy_since`` (the
  latest Ready transition of its pods, which a restart moves), and that is at least
  ``stabilization`` ago and after the last sighting.  Recorded as ``resolution.outcome:
  resolved``, ``resolvedBy: dorgu-operator``, the duration since ``firstSeen`` and a note.

Must not do I/O or read the clock (``now`` is an argument).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from dorgu.models.incidents import (
    MAX_CONDITIONS,
    IncidentMemory,
    IncidentMemoryStatus,
    IncidentPhase,
    Resolution,
    ResolutionOutcome,
)
from dorgu.models.personas_base import Condition, ConditionStatus

DEFAULT_STABILIZATION = timedelta(minutes=5)
INVESTIGATE_AFTER = timedelta(minutes=2)
RESOLVED_BY = "dorgu-operator"
OPEN_PHASES = frozenset({IncidentPhase.DETECTED, IncidentPhase.INVESTIGATING,
                         IncidentPhase.RECURRING})  # fmt: skip


def is_open(incident: IncidentMemory) -> bool:
    status = incident.status or IncidentMemoryStatus()
    return status.phase in OPEN_PHASES


def format_duration(value: timedelta) -> str:
    """A Go duration with whole seconds (``1h2m3s``, ``12m``, ``0s``)."""
    seconds = max(int(value.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return text + (f"{seconds}s" if seconds or not text else "")


def healthy_since(
    ready_since: Iterable[datetime | None], *, last_signal: datetime | None
) -> datetime | None:
    """Since when a workload has been healthy: ``None`` while any pod is not Ready (a ``None``
    in ``ready_since``), else the latest of the pods' Ready transitions and the last sighting
    (a workload without pods is healthy from its last sighting on: the signal is gone)."""
    times: list[datetime] = []
    for value in ready_since:
        if value is None:
            return None
        times.append(value)
    if last_signal is not None:
        times.append(last_signal)
    return max(times, default=None)


def _condition(
    status: IncidentMemoryStatus, kind: str, reason: str, message: str, now: datetime
) -> list[Condition]:
    kept = [c for c in status.conditions if c.type != kind]
    fresh = Condition(type=kind, status=ConditionStatus.TRUE, last_transition_time=now,
                      reason=reason, message=message)  # fmt: skip
    return [*kept, fresh][-MAX_CONDITIONS:]


def advance(
    incident: IncidentMemory,
    *,
    now: datetime,
    failing: bool,
    healthy: datetime | None,
    stabilization: timedelta = DEFAULT_STABILIZATION,
    investigate_after: timedelta = INVESTIGATE_AFTER,
) -> IncidentMemory | None:
    """The incident after its next transition, or ``None`` when it stays as it is.

    ``failing``: the workload shows a signal now; ``healthy``: ``healthy_since`` (``None``: not
    healthy)."""
    status = incident.status or IncidentMemoryStatus()
    if status.phase not in OPEN_PHASES:
        return None
    last = status.last_occurrence or incident.spec.detection.last_seen
    if not failing and healthy is not None and now - max(healthy, last) >= stabilization:
        since = max(healthy, last)
        note = (f"no signal and every pod Ready since {since:%Y-%m-%dT%H:%M:%SZ} "
                f"({format_duration(now - since)}, stabilisation {format_duration(stabilization)})")  # fmt: skip
        return resolve(incident, now=now, by=RESOLVED_BY, note=note, reason="Stabilized")
    if status.phase is not IncidentPhase.DETECTED:
        return None
    repeated = status.occurrence_count >= 2 or bool(
        incident.spec.root_cause and incident.spec.root_cause.contributing
    )
    lasting = failing and now - incident.spec.detection.first_seen >= investigate_after
    if not (repeated or lasting):
        return None
    message = (
        "the failure repeats" if repeated
        else f"the failure has lasted {format_duration(now - incident.spec.detection.first_seen)}"
    )  # fmt: skip
    new_status = status.model_copy(update={
        "phase": IncidentPhase.INVESTIGATING,
        "conditions": _condition(status, "Investigating", "Repeating" if repeated else "Lasting",
                                 message, now),
    })  # fmt: skip
    return incident.model_copy(update={"status": new_status})


def resolve(
    incident: IncidentMemory,
    *,
    now: datetime,
    by: str,
    note: str,
    reason: str = "Resolved",
    outcome: ResolutionOutcome = ResolutionOutcome.RESOLVED,
) -> IncidentMemory:
    """``incident`` resolved at ``now`` by ``by`` (a controller or a person), with ``note``."""
    status = incident.status or IncidentMemoryStatus()
    resolution = (incident.spec.resolution or Resolution()).model_copy(update={
        "outcome": outcome,
        "resolved_by": by,
        "note": note,
        "duration": format_duration(now - incident.spec.detection.first_seen),
    })  # fmt: skip
    new_status = status.model_copy(update={
        "phase": IncidentPhase.RESOLVED,
        "resolved_at": now,
        "conditions": _condition(status, "Resolved", reason, note, now),
    })  # fmt: skip
    spec = incident.spec.model_copy(update={"resolution": resolution})
    return incident.model_copy(update={"spec": spec, "status": new_status})
