"""Policy sections of an application persona (``spec.policies``) and how the cluster checks
workloads against the persona (``spec.validation``).

Must not do I/O or import anything from dorgu but ``dorgu.models``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field, WithJsonSchema

from dorgu.models.personas_base import WireModel


def scalar_to_text(value: object) -> object:
    """YAML reads ``version: 1`` as a number; free-text fields take it as text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(scalar_to_text)]

IntOrPercent = Annotated[
    int | Annotated[str, Field(pattern=r"^[0-9]+%?$")],
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "string", "pattern": r"^[0-9]+%?$"}]}),
]
"""A count or a percentage (``1``, ``"25%"``), as in a Deployment's rolling update."""


class SecurityPolicy(WireModel):
    """The container security context the app must run with."""

    run_as_non_root: bool = Field(True, description="Containers must run as a non-root user.")
    read_only_root_filesystem: bool = Field(
        True, description="Containers must have a read-only root filesystem."
    )
    allow_privilege_escalation: bool = Field(
        False, description="Whether containers may gain more privileges than their parent."
    )
    run_as_user: int | None = Field(
        None, ge=0, description="The uid the app runs as, when the persona fixes one."
    )


class DeploymentStrategy(StrEnum):
    ROLLING_UPDATE = "RollingUpdate"
    RECREATE = "Recreate"
    BLUE_GREEN = "BlueGreen"
    CANARY = "Canary"


class DeploymentPolicy(WireModel):
    """How new versions roll out."""

    strategy: DeploymentStrategy = Field(
        DeploymentStrategy.ROLLING_UPDATE,
        description="RollingUpdate, Recreate, BlueGreen or Canary.",
    )
    max_surge: IntOrPercent = Field("25%", description="Extra pods during a rollout.")
    max_unavailable: IntOrPercent = Field(
        "25%", description="Pods that may be unavailable during a rollout."
    )


class MaintenancePolicy(WireModel):
    """When the app may be disrupted on purpose."""

    window: Text | None = Field(None, description="Maintenance window, e.g. 'Sun 02:00-04:00 UTC'.")
    auto_restart: bool = Field(
        False, description="Whether the operator may restart the app by itself."
    )


class Policies(WireModel):
    """Security, rollout and maintenance rules."""

    security: SecurityPolicy | None = Field(None, description="Container security context.")
    deployment: DeploymentPolicy | None = Field(None, description="Rollout strategy.")
    maintenance: MaintenancePolicy | None = Field(None, description="Maintenance rules.")


class ValidationMode(StrEnum):
    """What the admission webhook does with a workload that breaks the persona."""

    OFF = "off"  # not checked
    AUDIT = "audit"  # admitted; findings recorded in the persona's status
    WARN = "warn"  # admitted with warnings kubectl prints; recorded
    ENFORCE = "enforce"  # denied when a check fails with severity error


DEFAULT_VALIDATION_MODE = ValidationMode.AUDIT
"""The mode when neither the persona nor its namespace chooses one: never breaks a cluster."""

NAMESPACE_MODE_LABEL = "dorgu.io/validation-mode"
"""The namespace label holding the default mode of the personas in it."""


class PersonaValidation(WireModel):
    """How workloads are checked against this persona."""

    mode: ValidationMode | None = Field(
        None,
        description="off, audit, warn or enforce. Unset: the namespace's default (label "
        f"{NAMESPACE_MODE_LABEL}), else audit.",
    )


def effective_mode(
    persona_mode: ValidationMode | None, namespace_default: ValidationMode | None = None
) -> ValidationMode:
    """The mode that applies: the persona's, else the namespace's, else ``audit``."""
    return persona_mode or namespace_default or DEFAULT_VALIDATION_MODE
