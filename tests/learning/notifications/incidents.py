"""IncidentMemory objects for the notification tests."""

from __future__ import annotations

from datetime import UTC, datetime

from dorgu.models.incidents import (
    AffectedResource,
    Detection,
    Evidence,
    IncidentCategory,
    IncidentMemory,
    IncidentMemorySpec,
    IncidentMemoryStatus,
    IncidentPhase,
    IncidentSeverity,
    PersonaKind,
    PersonaRef,
)
from dorgu.models.notifications import NotificationState
from dorgu.models.personas_base import ObjectMeta

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
FINGERPRINT = "fd16c631a4" + "0" * 22


def incident(
    *,
    phase: IncidentPhase = IncidentPhase.DETECTED,
    severity: IncidentSeverity = IncidentSeverity.CRITICAL,
    count: int = 1,
    episode: int = 1,
    name: str | None = None,
    previous: str | None = None,
    message: str = "Back-off restarting failed container app",
    notifications: tuple[NotificationState, ...] = (),
    namespace: str = "shop",
    persona: str | None = "orders",
    resolved_at: datetime | None = None,
    evidence: int = 1,
) -> IncidentMemory:
    return IncidentMemory(
        metadata=ObjectMeta(name=name or f"orders-fd16c631a4-{episode}", namespace=namespace),
        spec=IncidentMemorySpec(
            persona_ref=PersonaRef(kind=PersonaKind.APPLICATION, name=persona, namespace=namespace)
            if persona
            else None,
            category=IncidentCategory.RESOURCE,
            severity=severity,
            fingerprint=FINGERPRINT,
            workload=AffectedResource(kind="Deployment", name="orders", namespace=namespace),
            detection=Detection(
                signal="OOMKilled",
                first_seen=T0,
                last_seen=T0,
                affected_resources=[AffectedResource(kind="Pod", name="orders-abc-1")],
                evidence=[
                    Evidence(
                        signal="OOMKilled",
                        resource=f"Pod/orders-abc-{i}",
                        reason="OOMKilled",
                        message=message,
                        at=T0,
                    )
                    for i in range(evidence)
                ],
            ),
            previous_incident=previous,
        ),
        status=IncidentMemoryStatus(
            phase=phase,
            occurrence_count=count,
            episode=episode,
            resolved_at=resolved_at,
            notifications=list(notifications),
        ),
    )
