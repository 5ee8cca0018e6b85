"""The ``IncidentMemory`` resource (``incidentmemories.dorgu.io``, namespaced, short name ``im``):
one object per episode of an incident, written by the operator.

Compatible with the upstream Go operator's field set (``personaRef``, ``attribution``,
``category``, ``severity``, ``detection``, ``rootCause``, ``resolution``; status ``phase``,
``occurrenceCount``, ``lastOccurrence``, ``conditions``).  Additions, all optional:
``spec.fingerprint`` (the deterministic identity, see ``dorgu.learning.incidents``),
``spec.workload``, ``spec.detection.evidence``, ``spec.previousIncident`` (the resolved episode
a recurrence follows), ``spec.retention``, ``resolution.resolvedBy``/``note``,
``status.episode``, ``status.resolvedAt``, ``status.recentOccurrences`` and
``status.notifications`` (see ``dorgu.models.notifications``).

Every list and string is bounded (``MAX_*`` below), so an incident storm cannot grow an object
towards etcd's size limit; the API server enforces the same bounds through the CRD schema.
``rootCause.confidence`` is a number (the strings upstream wrote, ``"0.8"``, are still read).

Must not do I/O or import anything from dorgu but ``dorgu.models``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from dorgu.models.notifications import MAX_NOTIFICATIONS, NotificationState
from dorgu.models.personas_base import (
    CONDITIONS_SCHEMA,
    Condition,
    ObjectMeta,
    Timestamp,
    WireModel,
)

INCIDENT_MEMORY_KIND = "IncidentMemory"
FINGERPRINT_LABEL = "dorgu.io/fingerprint"
"""Label carrying ``spec.fingerprint`` so every episode of one incident is one label query."""

MAX_AFFECTED_RESOURCES = 20
MAX_EVIDENCE = 10
MAX_CONTRIBUTING = 10
MAX_RECENT_OCCURRENCES = 20
MAX_CONDITIONS = 8
MAX_NAME = 253
MAX_SHORT = 63
MAX_DETAIL = 512
MAX_TEXT = 4096

DURATION_PATTERN = r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"
"""A Go duration (``720h``, ``90m``, ``1h30m``)."""
SIGNAL_PATTERN = r"^[A-Za-z][A-Za-z0-9]*$"
FINGERPRINT_PATTERN = r"^[0-9a-f]{32}$"


class PersonaKind(StrEnum):
    APPLICATION = "ApplicationPersona"
    CLUSTER = "ClusterPersona"


class Attribution(StrEnum):
    PERSONA = "persona"
    UNATTRIBUTED = "unattributed"


class IncidentCategory(StrEnum):
    RESOURCE = "resource"
    SCALING = "scaling"
    HEALTH = "health"
    SECURITY = "security"
    DEPLOYMENT = "deployment"
    DEPENDENCY = "dependency"
    NODE = "node"
    CONTROLPLANE = "controlplane"


class IncidentSeverity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class IncidentPhase(StrEnum):
    DETECTED = "Detected"
    INVESTIGATING = "Investigating"
    RESOLVED = "Resolved"
    RECURRING = "Recurring"


class ResolutionOutcome(StrEnum):
    RESOLVED = "resolved"
    PARTIAL = "partial"
    FAILED = "failed"
    ROLLBACK = "rollback"
    ACKNOWLEDGED = "acknowledged"


def _number(value: object) -> object:
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return value
    return value


class PersonaRef(WireModel):
    """The persona an incident is attributed to."""

    kind: PersonaKind = Field(description="ApplicationPersona or ClusterPersona.")
    name: str = Field(min_length=1, max_length=MAX_NAME, description="Persona object name.")
    namespace: str | None = Field(
        None, max_length=MAX_SHORT, description="Namespace (ApplicationPersona only)."
    )


class AffectedResource(WireModel):
    """A Kubernetes object involved in the incident."""

    kind: str = Field(min_length=1, max_length=MAX_SHORT, description="Kind, e.g. Pod.")
    name: str = Field(min_length=1, max_length=MAX_NAME, description="Object name.")
    namespace: str | None = Field(None, max_length=MAX_SHORT, description="Namespace.")
    role: str | None = Field(
        None, max_length=MAX_SHORT, description="Its part: workload, pod, node, job."
    )


class Evidence(WireModel):
    """One observation that supports the incident (a Kubernetes reason and its message)."""

    signal: str = Field(max_length=MAX_SHORT, pattern=SIGNAL_PATTERN, description="Signal kind.")
    resource: str = Field(max_length=MAX_NAME + MAX_SHORT + 2, description="kind/name observed.")
    reason: str | None = Field(None, max_length=MAX_SHORT, description="Kubernetes reason.")
    message: str | None = Field(None, max_length=MAX_DETAIL, description="Message, truncated.")
    at: Timestamp | None = Field(None, description="When it was observed.")


class Detection(WireModel):
    """How and when the incident was detected."""

    signal: str = Field(
        max_length=MAX_SHORT, pattern=SIGNAL_PATTERN, description="Primary signal, e.g. OOMKilled."
    )
    source: str = Field(
        "kubernetes", max_length=MAX_SHORT, description="kubernetes, alertmanager or anomaly."
    )
    first_seen: Timestamp = Field(description="First observation of this episode.")
    last_seen: Timestamp = Field(description="Latest observation of this episode.")
    affected_resources: list[AffectedResource] = Field(
        default_factory=list,
        max_length=MAX_AFFECTED_RESOURCES,
        description=f"Objects involved (at most {MAX_AFFECTED_RESOURCES}).",
    )
    evidence: list[Evidence] = Field(
        default_factory=list,
        max_length=MAX_EVIDENCE,
        description=f"Latest supporting observations (at most {MAX_EVIDENCE}).",
    )


class ContributingSignal(WireModel):
    signal: str = Field(max_length=MAX_SHORT, pattern=SIGNAL_PATTERN, description="Signal kind.")
    detail: str | None = Field(None, max_length=MAX_DETAIL, description="What was seen.")


class RootCause(WireModel):
    """What caused the incident, as far as dorgu can tell (never part of the fingerprint)."""

    summary: str | None = Field(None, max_length=MAX_TEXT, description="Short explanation.")
    provider: str | None = Field(
        None, max_length=MAX_SHORT, description="Who produced it: rules or an LLM provider."
    )
    confidence: Annotated[float | None, BeforeValidator(_number)] = Field(
        None, ge=0, le=1, description="Confidence between 0 and 1."
    )
    contributing: list[ContributingSignal] = Field(
        default_factory=list,
        max_length=MAX_CONTRIBUTING,
        description=f"Other signals of the same workload (at most {MAX_CONTRIBUTING}).",
    )


class Resolution(WireModel):
    """How the incident was resolved."""

    action: str | None = Field(None, max_length=MAX_DETAIL, description="What was done.")
    remediation_ref: str | None = Field(
        None, max_length=MAX_NAME, description="RemediationAction that fixed it."
    )
    applied_at: Timestamp | None = Field(None, description="When the fix was applied.")
    duration: str | None = Field(
        None, max_length=MAX_SHORT, pattern=DURATION_PATTERN, description="Time to resolve."
    )
    outcome: ResolutionOutcome | None = Field(
        None, description="resolved, partial, failed, rollback or acknowledged."
    )
    resolved_by: str | None = Field(
        None, max_length=MAX_NAME, description="The person or controller that resolved it."
    )
    note: str | None = Field(None, max_length=MAX_TEXT, description="Why it was resolved.")


class IncidentMemorySpec(WireModel):
    """What happened; identity fields never change after creation."""

    persona_ref: PersonaRef | None = Field(None, description="The persona it belongs to.")
    attribution: Attribution = Field(
        Attribution.UNATTRIBUTED, description="persona or unattributed."
    )
    category: IncidentCategory = Field(description="resource, scaling, health, security, ...")
    severity: IncidentSeverity = Field(
        IncidentSeverity.WARNING, description="info, warning or critical."
    )
    fingerprint: str | None = Field(
        None, pattern=FINGERPRINT_PATTERN, description="Deterministic identity of the incident."
    )
    workload: AffectedResource | None = Field(None, description="The workload that failed.")
    detection: Detection = Field(description="How and when it was detected.")
    root_cause: RootCause | None = Field(None, description="What caused it.")
    resolution: Resolution | None = Field(None, description="How it was resolved.")
    previous_incident: str | None = Field(
        None, max_length=MAX_NAME, description="The resolved episode this one recurs after."
    )
    retention: str | None = Field(
        None,
        max_length=MAX_SHORT,
        pattern=DURATION_PATTERN,
        description="How long to keep it once resolved (default: the operator setting).",
    )


class Occurrence(WireModel):
    """One distinct sighting (deduplicated by ``token``)."""

    signal: str = Field(max_length=MAX_SHORT, pattern=SIGNAL_PATTERN, description="Signal kind.")
    resource: str = Field(max_length=MAX_NAME + MAX_SHORT + 2, description="kind/name observed.")
    token: str = Field(max_length=MAX_SHORT * 2, description="What makes the sighting distinct.")
    at: Timestamp = Field(description="When it happened.")


class IncidentMemoryStatus(WireModel):
    """The incident's lifecycle, written by the operator through the status subresource."""

    phase: IncidentPhase = Field(
        IncidentPhase.DETECTED, description="Detected, Investigating, Resolved or Recurring."
    )
    occurrence_count: int = Field(1, ge=0, description="Distinct sightings in this episode.")
    last_occurrence: Timestamp | None = Field(None, description="Latest sighting.")
    episode: int = Field(1, ge=1, description="1 for the first episode of a fingerprint.")
    resolved_at: Timestamp | None = Field(None, description="When it was resolved.")
    recent_occurrences: list[Occurrence] = Field(
        default_factory=list,
        max_length=MAX_RECENT_OCCURRENCES,
        description=f"Latest distinct sightings (at most {MAX_RECENT_OCCURRENCES}).",
    )
    conditions: list[Condition] = Field(
        default_factory=list,
        max_length=MAX_CONDITIONS,
        description="Standard conditions.",
        json_schema_extra=CONDITIONS_SCHEMA,
    )
    notifications: list[NotificationState] = Field(
        default_factory=list,
        max_length=MAX_NOTIFICATIONS,
        description=f"Delivery state per notification target (at most {MAX_NOTIFICATIONS}).",
    )


class IncidentMemory(WireModel):
    """An ``incidentmemories.dorgu.io`` object."""

    api_version: Literal["dorgu.io/v1"] = Field("dorgu.io/v1", alias="apiVersion")
    kind: Literal["IncidentMemory"] = "IncidentMemory"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: IncidentMemorySpec
    status: IncidentMemoryStatus | None = None
