"""The observed state of an application persona (``ApplicationPersona.status``), written by the
operator through the status subresource.

Compatible with the existing ``dorgu.io/v1`` status fields; additions: ``observedGeneration``,
``validation.mode``, ``validation.issues[].rule``, ``validation.targets`` (the last result per
target workload and per check), ``deployments.history[].image``.
``learned`` (``dorgu.models.personas_learned``) has its own additions.

Must not do I/O or import anything from dorgu but ``dorgu.models``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from dorgu.models.anomalies import AnomalySummary
from dorgu.models.evidence import Severity
from dorgu.models.personas_base import CONDITIONS_SCHEMA, Condition, Timestamp, WireModel
from dorgu.models.personas_learned import LearnedState
from dorgu.models.personas_policies import ValidationMode


class PersonaPhase(StrEnum):
    PENDING = "Pending"
    ACTIVE = "Active"
    DEGRADED = "Degraded"
    FAILED = "Failed"


class HealthState(StrEnum):
    HEALTHY = "Healthy"
    DEGRADED = "Degraded"
    UNHEALTHY = "Unhealthy"
    UNKNOWN = "Unknown"


class HealthStatus(WireModel):
    """How the app's pods are doing."""

    status: HealthState | None = Field(None, description="Healthy, Degraded, Unhealthy, Unknown.")
    last_check: Timestamp | None = Field(None, description="When health was last checked.")
    message: str | None = Field(None, description="Details.")


class ValidationIssue(WireModel):
    """One finding (the old aggregate list; see ``targets`` for per-workload results)."""

    severity: Severity = Field(description="error, warning or info.")
    field: str | None = Field(None, description="Field path in the workload.")
    message: str = Field(description="What is wrong.")
    suggestion: str | None = Field(None, description="How to fix it.")
    rule: str | None = Field(None, description="The id of the check that found it.")


class CheckResult(WireModel):
    """The last result of one check on one workload."""

    rule: str = Field(min_length=1, description="Check id, e.g. persona.resource-bounds.")
    passed: bool = Field(description="Whether the workload satisfied the check.")
    severity: Severity | None = Field(None, description="Severity when it failed.")
    field: str | None = Field(None, description="Field path in the workload, when it failed.")
    message: str | None = Field(None, description="What is wrong.")
    suggestion: str | None = Field(None, description="How to fix it.")


class TargetValidation(WireModel):
    """The last validation of one target workload."""

    kind: str = Field(min_length=1, description="Workload kind, e.g. Deployment.")
    name: str = Field(min_length=1, description="Workload name.")
    passed: bool = Field(description="Whether every check passed.")
    generation: int | None = Field(None, ge=0, description="The workload generation checked.")
    last_checked: Timestamp | None = Field(None, description="When it was checked.")
    checks: list[CheckResult] = Field(default_factory=list, description="One result per check.")


class ValidationStatus(WireModel):
    """The latest validation of the persona's workloads.  ``passed`` is always written."""

    passed: bool = Field(False, description="Whether every target passed every check.")
    last_checked: Timestamp | None = Field(None, description="When validation last ran.")
    mode: ValidationMode | None = Field(None, description="The mode in effect.")
    issues: list[ValidationIssue] = Field(default_factory=list, description="All findings.")
    targets: list[TargetValidation] = Field(
        default_factory=list, description="Per target workload and per check results."
    )


class DeploymentRecord(WireModel):
    """One rollout."""

    version: str = Field(description="Version (image tag) rolled out.")
    timestamp: str = Field(description="When (RFC 3339).")
    status: str = Field(description="Outcome, e.g. Succeeded, Failed, Progressing.")
    triggered_by: str | None = Field(None, description="Who or what started it.")
    image: str | None = Field(None, description="Full image reference.")


class DeploymentTracking(WireModel):
    """Rollout history."""

    current: str | None = Field(None, description="Version running now.")
    last_successful: str | None = Field(None, description="Last version that rolled out.")
    last_failed: str | None = Field(None, description="Last version that failed to roll out.")
    history: list[DeploymentRecord] = Field(
        default_factory=list, description="Recent rollouts, newest first."
    )


class RecommendationType(StrEnum):
    RESOURCE = "resource"
    SCALING = "scaling"
    SECURITY = "security"
    COST = "cost"
    PERFORMANCE = "performance"


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Recommendation(WireModel):
    """A suggested improvement."""

    type: RecommendationType = Field(description="resource, scaling, security, cost, performance.")
    priority: Priority = Field(description="high, medium or low.")
    message: str = Field(description="What to change and why.")
    action: str | None = Field(None, description="A concrete action, e.g. a command.")


class ArgoSync(StrEnum):
    SYNCED = "Synced"
    OUT_OF_SYNC = "OutOfSync"
    UNKNOWN = "Unknown"


class ArgoHealth(StrEnum):
    HEALTHY = "Healthy"
    DEGRADED = "Degraded"
    PROGRESSING = "Progressing"
    SUSPENDED = "Suspended"
    MISSING = "Missing"
    UNKNOWN = "Unknown"


class AutoSyncOverride(WireModel):
    """Who turned the Application's automated sync off, when and why (``dorgu rollback
    --disable-auto-sync``): until someone turns it back on, Git changes are not deployed."""

    by: str = Field(description="The user who turned it off.", max_length=256)
    at: Timestamp = Field(description="When.")
    reason: str = Field(description="Why (the rollback it made possible).", max_length=256)


class RollbackVia(StrEnum):
    ARGOCD = "argocd"
    ARGOCD_API = "argocd-api"
    REPLICASET = "replicaset"


class RollbackRecord(WireModel):
    """The latest rollback ``dorgu rollback`` started for the app."""

    via: RollbackVia = Field(description="argocd (the Application's operation), argocd-api "
                             "(Argo CD's REST API) or replicaset (rollout undo).")  # fmt: skip
    target: str = Field(description="The Argo CD history id or Deployment revision rolled back "
                        "to.", max_length=64)  # fmt: skip
    revision: str | None = Field(None, description="The Git revision(s) of the target.",
                                 max_length=512)  # fmt: skip
    by: str = Field(description="Who started it.", max_length=256)
    at: Timestamp = Field(description="When it started.")
    phase: str | None = Field(None, description="How it ended as far as dorgu followed it: "
                              "Succeeded, Failed, Error, Running.", max_length=32)  # fmt: skip


class ArgoHistoryEntry(WireModel):
    """One Argo CD deployment (``status.history[]`` of the Application)."""

    id: int = Field(description="The history id (dorgu rollback --to-revision).")
    revision: str | None = Field(None, description="Git revision(s).", max_length=512)
    deployed_at: Timestamp | None = Field(None, description="When it was deployed.")


class ArgoCDStatus(WireModel):
    """The Argo CD Application deploying the app, when Argo CD is installed."""

    sync_status: ArgoSync | None = Field(None, description="Synced, OutOfSync or Unknown.")
    health_status: ArgoHealth | None = Field(None, description="Argo CD health.")
    last_sync_time: Timestamp | None = Field(None, description="When it last synced.")
    revision: str | None = Field(None, description="Git revision synced.")
    application_name: str | None = Field(None, description="Application name.")
    application_namespace: str | None = Field(None, description="Application namespace.")
    auto_sync: bool | None = Field(None, description="Whether automated sync is on.")
    operation_phase: str | None = Field(
        None,
        description="The last operation's phase (Running, Succeeded, Failed, Error).",
        max_length=32,
    )
    operation_message: str | None = Field(
        None, description="The last operation's message.", max_length=512
    )
    history: list[ArgoHistoryEntry] = Field(
        default_factory=list,
        description="The latest deployments (at most 10), oldest first.",
        max_length=10,
    )
    auto_sync_disabled: AutoSyncOverride | None = Field(
        None, description="Set while dorgu rollback --disable-auto-sync has turned sync off."
    )


class FluxStatus(WireModel):
    """The Flux Kustomization or HelmRelease that applied the app's workloads."""

    kind: str = Field(description="Kustomization or HelmRelease.", max_length=32)
    namespace: str = Field(description="Its namespace.", max_length=253)
    name: str = Field(description="Its name.", max_length=253)
    ready: str = Field(description="Its Ready condition: True, False or Unknown.", max_length=8)
    reason: str | None = Field(None, description="The Ready condition's reason.", max_length=128)
    message: str | None = Field(None, description="The Ready condition's message.",
                                max_length=512)  # fmt: skip
    last_applied_revision: str | None = Field(None, description="The revision applied.",
                                              max_length=512)  # fmt: skip
    last_attempted_revision: str | None = Field(None, description="The revision last tried.",
                                                max_length=512)  # fmt: skip
    suspended: bool = Field(False, description="Whether reconciliation is suspended.")


class ApplicationPersonaStatus(WireModel):
    """What the operator observed."""

    phase: PersonaPhase | None = Field(None, description="Pending, Active, Degraded or Failed.")
    observed_generation: int | None = Field(
        None, ge=0, description="The .metadata.generation this status describes."
    )
    last_updated: Timestamp | None = Field(None, description="When the operator last wrote it.")
    health: HealthStatus | None = Field(None, description="Pod health.")
    validation: ValidationStatus | None = Field(None, description="Latest validation.")
    deployments: DeploymentTracking | None = Field(None, description="Rollouts.")
    learned: LearnedState | None = Field(None, description="Baselines and patterns.")
    recommendations: list[Recommendation] = Field(
        default_factory=list, description="Suggested improvements."
    )
    argo_cd: ArgoCDStatus | None = Field(None, description="Argo CD sync state.")
    flux: FluxStatus | None = Field(None, description="Flux readiness, when Flux applied it.")
    rollback: RollbackRecord | None = Field(
        None, description="The latest rollback started with dorgu rollback."
    )
    anomalies: AnomalySummary | None = Field(
        None, description="Anomalies on the persona's metric series (operator, with Prometheus)."
    )
    conditions: list[Condition] = Field(
        default_factory=list,
        description="Standard conditions (Ready, Validated).",
        json_schema_extra=CONDITIONS_SCHEMA,
    )
