"""The desired state of an application persona (``ApplicationPersona.spec``).

Compatible with the existing ``dorgu.io/v1`` fields (``shared/PERSONA-COMPAT.md``): every old
field keeps its name, enum and default, and is at least as permissive as before; everything
new is optional.  Additions: ``partOf``, ``technical.{languageVersion, buildTool, image}``,
``resources.bounds``, ``health.startupPath``, ``dependencies[].{kind, external}``,
``networking.ports[].name``, ``networking.ingress.className``, ``policies.security.runAsUser``,
``api``, ``selector``, ``validation`` and ``slos``.

A section left out (``None``) states nothing: checks that need it are skipped.  Inside a
section that is present, the defaults below apply (the API server fills the same ones).

Must not do I/O or import anything from dorgu but ``dorgu.models``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    TypeAdapter,
    model_validator,
)
from pydantic_core import CoreSchema

from dorgu.models.app import AppType, DependencyType
from dorgu.models.config import (
    LATENCY_THRESHOLD_PATTERN,
    SLO_WINDOW_PATTERN,
    ResourceProfile,
    ScalingBehavior,
    SloIndicator,
)
from dorgu.models.kubesyntax import Quantity, quantity_value
from dorgu.models.personas_api import ApiSurface
from dorgu.models.personas_base import JsonValue, LabelSelector, WireModel
from dorgu.models.personas_policies import PersonaValidation, Policies, Text

NAME_LABEL = "app.kubernetes.io/name"
INSTANCE_LABEL = "app.kubernetes.io/instance"

LEGACY_PROFILES = {
    "api": ResourceProfile.STANDARD,
    "worker": ResourceProfile.COMPUTE_HEAVY,
    "web": ResourceProfile.MINIMAL,
}
"""The old CLI wrote its app type as ``resources.profile``; read it as its own mapping did."""


class Tier(StrEnum):
    CRITICAL = "critical"
    STANDARD = "standard"
    BEST_EFFORT = "best-effort"


def _legacy_profile(value: object) -> object:
    return LEGACY_PROFILES.get(value, value) if isinstance(value, str) else value


def _seconds(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value}s"
    return value


class Technical(WireModel):
    """The technology the app is made of."""

    language: str | None = Field(None, description="Programming language, e.g. java.")
    framework: str | None = Field(None, description="Framework, e.g. spring-boot.")
    description: str | None = Field(None, description="What the app does, in a sentence.")
    language_version: Text | None = Field(None, description="Language version, e.g. 17.")
    build_tool: str | None = Field(None, description="Build tool, e.g. maven.")
    image: str | None = Field(None, description="The container image deployed.")


def _blank_or_quantity_schema() -> dict[str, JsonValue]:
    schema = TypeAdapter(Quantity).json_schema()
    text = next(b for b in schema["anyOf"] if b.get("type") == "string")
    return {"anyOf": [{"type": "string", "pattern": f"^$|{text['pattern']}"}, {"type": "number"}]}


class _BlankOrQuantitySchema:
    """``WithJsonSchema(_blank_or_quantity_schema())`` computed when a schema is asked for, not
    at import: building the ``TypeAdapter`` cost every ``dorgu`` command a validator."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, JsonValue]:
        return _blank_or_quantity_schema()


CompatQuantity = Annotated[Quantity, _BlankOrQuantitySchema()]
"""A quantity whose schema also admits ``""``: the old CLI wrote ``cpu: ""`` for "not set",
and such stored objects must stay valid for status writes.  The models read ``""`` as None."""


class ResourceAmounts(WireModel):
    """CPU and memory as Kubernetes quantities."""

    cpu: CompatQuantity | None = Field(None, description="CPU, e.g. 250m or 1.")
    memory: CompatQuantity | None = Field(None, description="Memory, e.g. 256Mi or 1Gi.")


class Bound(WireModel):
    """An allowed range for one resource: requests at least ``min``; requests and limits at
    most ``max``."""

    min: Quantity | None = Field(None, description="Lowest allowed request.")
    max: Quantity | None = Field(None, description="Highest allowed request or limit.")

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Bound:
        low, high = self.min, self.max
        if low is not None and high is not None and quantity_value(low) > quantity_value(high):
            raise ValueError(f"min ({low}) is greater than max ({high})")
        return self


class ResourceBounds(WireModel):
    """What the resource-bounds check enforces (without bounds, it checks ``limits``)."""

    cpu: Bound | None = Field(None, description="Allowed CPU range.")
    memory: Bound | None = Field(None, description="Allowed memory range.")


class PersonaResources(WireModel):
    """Container resources: what the app is given, its sizing profile and its bounds."""

    requests: ResourceAmounts | None = Field(None, description="Resource requests.")
    limits: ResourceAmounts | None = Field(None, description="Resource limits.")
    profile: Annotated[ResourceProfile | None, BeforeValidator(_legacy_profile)] = Field(
        None, description="Sizing profile: minimal, standard, compute-heavy or memory-heavy."
    )
    bounds: ResourceBounds | None = Field(
        None, description="Allowed ranges per resource, checked by the admission webhook."
    )


_MIN_MAX_RULE: dict[str, JsonValue] = {
    "rule": "!has(self.minReplicas) || !has(self.maxReplicas) || "
    "self.minReplicas <= self.maxReplicas",
    "message": "minReplicas must not be greater than maxReplicas",
}


class Scaling(WireModel):
    """Replica range and autoscaling targets."""

    model_config = ConfigDict(json_schema_extra={"x-kubernetes-validations": [_MIN_MAX_RULE]})

    min_replicas: int | None = Field(None, ge=0, description="Fewest replicas.")
    max_replicas: int | None = Field(None, ge=1, description="Most replicas.")
    target_cpu: int | None = Field(
        None, ge=1, le=100, description="Target average CPU utilisation, percent."
    )
    target_memory: int | None = Field(
        None, ge=1, le=100, description="Target average memory utilisation, percent."
    )
    behavior: ScalingBehavior = Field(
        ScalingBehavior.BALANCED, description="conservative, balanced or aggressive."
    )

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Scaling:
        low, high = self.min_replicas, self.max_replicas
        if low is not None and high is not None and low > high:
            raise ValueError(f"minReplicas ({low}) is greater than maxReplicas ({high})")
        return self


class Health(WireModel):
    """The app's health endpoints (HTTP paths) and how long it needs to start."""

    liveness_path: str | None = Field(None, description="Liveness endpoint path.")
    readiness_path: str | None = Field(None, description="Readiness endpoint path.")
    startup_path: str | None = Field(None, description="Startup endpoint path.")
    port: int | None = Field(None, ge=1, le=65535, description="Port the endpoints listen on.")
    startup_grace_period: Annotated[str, BeforeValidator(_seconds)] = Field(
        "30s", description="How long the app may take to start, e.g. 30s or 2m."
    )


class PersonaDependency(WireModel):
    """Something the app talks to."""

    name: str = Field(min_length=1, description="Dependency name, e.g. postgres.")
    type: DependencyType | None = Field(
        None, description="database, cache, queue, service or external."
    )
    required: bool = Field(True, description="Whether the app cannot work without it.")
    health_check: str | None = Field(None, description="How to tell it is healthy.")
    kind: str | None = Field(None, description="Technology, e.g. postgres, redis, kafka.")
    external: bool | None = Field(None, description="True if it runs outside the cluster.")


class PersonaPort(WireModel):
    """A port the app listens on."""

    port: int = Field(ge=1, le=65535, description="Container port number.")
    protocol: str = Field("TCP", description="TCP, UDP or SCTP.")
    purpose: str | None = Field(None, description="What it serves: http, grpc, metrics, ...")
    name: str | None = Field(None, description="The container port's name.")


class PersonaIngress(WireModel):
    """External HTTP access."""

    enabled: bool = Field(False, description="Whether the app is exposed.")
    host: str | None = Field(None, description="Host name, e.g. api.example.com.")
    paths: list[str] = Field(default_factory=list, description="Path prefixes routed to it.")
    tls_enabled: bool = Field(False, description="Whether TLS is terminated for the host.")
    class_name: str | None = Field(None, description="IngressClass name.")


class Networking(WireModel):
    """Ports and ingress."""

    ports: list[PersonaPort] = Field(default_factory=list, description="Listening ports.")
    ingress: PersonaIngress | None = Field(None, description="External HTTP access.")


class Ownership(WireModel):
    """Who owns the app and how to reach them."""

    team: str | None = Field(None, description="Owning team.")
    owner: str | None = Field(None, description="Owning person or group.")
    repository: str | None = Field(None, description="Source repository URL.")
    oncall: str | None = Field(None, description="On-call contact or rotation.")
    runbook: str | None = Field(None, description="Runbook URL.")
    channel: str | None = Field(
        None,
        max_length=80,
        description="Chat channel for incident notifications, e.g. #payments-oncall.",
    )


_LATENCY_RULE: dict[str, JsonValue] = {
    "rule": "self.indicator == 'latency' ? has(self.threshold) : !has(self.threshold)",
    "message": "a latency SLO needs a threshold; other SLOs have none",
}


class ServiceLevelObjective(WireModel):
    """``objective`` percent of the app's requests are good over ``window``: not failed
    (availability) or faster than ``threshold`` (latency)."""

    model_config = ConfigDict(json_schema_extra={"x-kubernetes-validations": [_LATENCY_RULE]})

    name: str = Field(
        pattern=r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", description="SLO name, e.g. availability."
    )
    indicator: SloIndicator = Field(description="availability or latency.")
    objective: float = Field(gt=0, lt=100, description="Percent of good requests, e.g. 99.9.")
    window: str = Field(
        "30d", pattern=SLO_WINDOW_PATTERN, description="Compliance window, e.g. 30d."
    )
    threshold: str | None = Field(
        None, pattern=LATENCY_THRESHOLD_PATTERN, description="Latency bound, e.g. 500ms."
    )

    @model_validator(mode="after")
    def _threshold_only_for_latency(self) -> ServiceLevelObjective:
        if (self.indicator is SloIndicator.LATENCY) != (self.threshold is not None):
            raise ValueError("a latency SLO needs a threshold; other SLOs have none")
        return self


class ApplicationPersonaSpec(WireModel):
    """The living identity of an application: what it is and how it must run."""

    name: str = Field(
        min_length=1,
        max_length=253,
        description=f"Application name; workloads labelled {NAME_LABEL}=<name> in the same "
        "namespace are its targets unless a selector is given.",
    )
    version: Text | None = Field(None, description="Persona or application version.")
    type: AppType = Field(description="api, web, worker, cron or daemon.")
    tier: Tier = Field(Tier.STANDARD, description="critical, standard or best-effort.")
    part_of: str | None = Field(None, description="The larger application it belongs to.")
    technical: Technical | None = Field(None, description="Language, framework, description.")
    resources: PersonaResources | None = Field(None, description="CPU and memory.")
    scaling: Scaling | None = Field(None, description="Replica range and autoscaling.")
    health: Health | None = Field(None, description="Health endpoints.")
    dependencies: list[PersonaDependency] = Field(
        default_factory=list, description="What the app talks to."
    )
    networking: Networking | None = Field(None, description="Ports and ingress.")
    ownership: Ownership | None = Field(None, description="Team and contacts.")
    policies: Policies | None = Field(None, description="Security, rollout, maintenance.")
    api: ApiSurface | None = Field(None, description="The detected HTTP API.")
    selector: LabelSelector | None = Field(
        None,
        description=f"The workloads this persona describes; default: {NAME_LABEL}=<name>.",
    )
    validation: PersonaValidation | None = Field(
        None, description="How the admission webhook checks the workloads."
    )
    slos: list[ServiceLevelObjective] | None = Field(
        None,
        description="Service level objectives; dorgu generates their burn-rate alerts "
        "(docs/observability.md).",
    )

    def target_selector(self) -> LabelSelector:
        """The selector of the persona's workloads (``selector``, else the name label)."""
        return self.selector or LabelSelector(match_labels={NAME_LABEL: self.name})
