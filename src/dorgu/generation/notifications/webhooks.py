"""dorgu's JSON incident event for generic webhooks (``schema: dorgu.io/incident-event/v1``)."""

from __future__ import annotations

from typing import Any

from dorgu.generation.notifications.summaries import Summary, rfc3339

EVENT_SCHEMA = "dorgu.io/incident-event/v1"


def webhook_payload(summary: Summary) -> dict[str, Any]:
    """Keys sorted where order means nothing; times in UTC, second precision."""
    return {
        "schema": EVENT_SCHEMA,
        "event": summary.event.value,
        "incident": {
            "name": summary.name,
            "namespace": summary.namespace,
            "fingerprint": summary.fingerprint,
            "episode": summary.episode,
            "title": summary.title,
            "phase": summary.phase,
            "severity": summary.severity,
            "category": summary.category,
            "signal": summary.signal,
            "workload": summary.workload,
            "persona": summary.persona,
            "occurrences": summary.occurrences,
            "firstSeen": rfc3339(summary.first_seen),
            "lastSeen": rfc3339(summary.last_seen),
            "resolvedAt": rfc3339(summary.resolved_at),
            "previousIncident": summary.previous,
            "evidence": list(summary.evidence),
            "rootCause": summary.root_cause,
            "resolution": summary.resolution,
            "runbook": summary.runbook,
        },
    }
