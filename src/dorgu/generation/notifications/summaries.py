"""The facts a notification shows, redacted and bounded, from an ``IncidentMemory``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from dorgu.models.incidents import IncidentMemory, IncidentMemoryStatus

_RUNBOOK = re.compile(r"https://[^\s<>|\"']{1,500}")
"""A runbook link is shown only when it is a plain https URL (it goes into Slack link markup)."""
MAX_EVIDENCE_LINES = 5
MAX_LINE = 300
MAX_SUMMARY = 1000


class Event(StrEnum):
    OPENED = "opened"
    RECURRED = "recurred"
    UPDATED = "updated"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Summary:
    event: Event
    name: str
    namespace: str
    fingerprint: str
    title: str
    """``CrashLoopBackOff on Deployment shop/orders``."""
    phase: str
    severity: str
    category: str
    signal: str
    workload: str
    persona: str | None
    episode: int
    occurrences: int
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None
    evidence: tuple[str, ...]
    """``Pod/orders-1: OOMKilled: <message>``, newest first, redacted."""
    root_cause: str | None
    resolution: str | None
    previous: str | None
    runbook: str | None


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summarize(
    incident: IncidentMemory,
    *,
    event: Event,
    redact: Callable[[str], str],
    runbook: str | None = None,
) -> Summary:
    """The summary of ``incident`` for ``event``; every free text goes through ``redact``."""
    spec, status = incident.spec, incident.status or IncidentMemoryStatus()
    workload = spec.workload
    if workload is not None:
        where = f"{workload.namespace}/{workload.name}" if workload.namespace else workload.name
        subject = f"{workload.kind} {where}"
    else:
        subject = incident.metadata.name or "unknown workload"
    evidence = []
    for item in sorted(spec.detection.evidence, key=lambda e: (e.at is None, e.at), reverse=True):
        message = redact(item.message) if item.message else ""
        reason = f"{item.reason}: " if item.reason else ""
        evidence.append(_clip(f"{item.resource}: {reason}{message}".rstrip(": "), MAX_LINE))
    cause = spec.root_cause.summary if spec.root_cause and spec.root_cause.summary else None
    resolution = None
    if spec.resolution is not None:
        parts = [spec.resolution.action, spec.resolution.note]
        by = spec.resolution.resolved_by
        text = "; ".join(p for p in parts if p)
        resolution = _clip(redact(text), MAX_SUMMARY) if text else None
        if by:
            who = _clip(redact(by), 80)
            resolution = f"{resolution} (by {who})" if resolution else f"by {who}"
    persona = spec.persona_ref.name if spec.persona_ref is not None else None
    return Summary(
        event=event,
        name=incident.metadata.name or "",
        namespace=incident.metadata.namespace or "",
        fingerprint=spec.fingerprint or "",
        title=f"{spec.detection.signal} on {subject}",
        phase=status.phase.value,
        severity=spec.severity.value,
        category=spec.category.value,
        signal=spec.detection.signal,
        workload=subject,
        persona=persona,
        episode=status.episode,
        occurrences=status.occurrence_count,
        first_seen=spec.detection.first_seen,
        last_seen=spec.detection.last_seen,
        resolved_at=status.resolved_at,
        evidence=tuple(evidence[:MAX_EVIDENCE_LINES]),
        root_cause=_clip(redact(cause), MAX_SUMMARY) if cause else None,
        resolution=resolution,
        previous=spec.previous_incident,
        runbook=runbook if runbook and _RUNBOOK.fullmatch(runbook) else None,
    )


def headline(summary: Summary) -> str:
    """One line: what happened to the incident in this message."""
    verb = {
        Event.OPENED: "Incident",
        Event.RECURRED: "Recurred",
        Event.UPDATED: "Update",
        Event.RESOLVED: "Resolved",
    }[summary.event]
    return f"{verb}: {summary.title}"


def timestamp(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if moment else "-"


def rfc3339(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None
