"""The identity of a cluster: ``ClusterPersona`` (cluster-scoped, one per cluster).

Compatible with the existing ``dorgu.io/v1`` fields (``shared/PERSONA-COMPAT.md``).  Additions
to the status: ``observedGeneration``, ``nodeCount`` (the true node count, which the "Nodes"
printer column shows; the old column showed summed pod capacity), ``addons[].{detectedBy,
apiGroups}`` and ``namespaces.personaCounts``.  Summed capacity stays in ``resourceSummary``.

Must not do I/O or import anything from dorgu but ``dorgu.models``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from dorgu.models.personas_base import (
    CONDITIONS_SCHEMA,
    Condition,
    ObjectMeta,
    Timestamp,
    WireModel,
)
from dorgu.models.personas_spec import PersonaResources, Scaling

# -- spec ---------------------------------------------------------------------------------


class Environment(StrEnum):
    DEVELOPMENT = "development"
    STAGING = "staging"
    PRODUCTION = "production"
    SANDBOX = "sandbox"


class PodSecurityStandard(StrEnum):
    PRIVILEGED = "privileged"
    BASELINE = "baseline"
    RESTRICTED = "restricted"


class ClusterSecurityPolicy(WireModel):
    """Security rules for every workload in the cluster."""

    enforce_non_root: bool = Field(True, description="Containers must run as non-root.")
    enforce_read_only_root: bool = Field(False, description="Root filesystems must be read-only.")
    disallow_privileged: bool = Field(True, description="No privileged containers.")
    allowed_registries: list[str] = Field(
        default_factory=list, description="Registries images may come from (empty: any)."
    )
    pod_security_standard: PodSecurityStandard = Field(
        PodSecurityStandard.BASELINE, description="privileged, baseline or restricted."
    )


class ClusterNetworkPolicy(WireModel):
    """Network rules for the cluster."""

    default_deny_ingress: bool = Field(False, description="Deny ingress unless allowed.")
    default_deny_egress: bool = Field(False, description="Deny egress unless allowed.")
    allowed_external_cidrs: list[str] = Field(
        default_factory=list, description="External IP ranges workloads may reach."
    )


class ClusterPolicies(WireModel):
    security: ClusterSecurityPolicy | None = Field(None, description="Security rules.")
    networking: ClusterNetworkPolicy | None = Field(None, description="Network rules.")
    compliance: list[str] = Field(
        default_factory=list, description="Compliance frameworks, e.g. SOC2."
    )


class ClusterConventions(WireModel):
    naming_pattern: str | None = Field(None, description="Pattern for resource names.")
    namespace_prefix: str | None = Field(None, description="Prefix of namespace names.")
    required_labels: list[str] = Field(
        default_factory=list, description="Labels every object needs."
    )
    required_annotations: list[str] = Field(
        default_factory=list, description="Annotations every object needs."
    )


class ClusterDefaults(WireModel):
    namespace: str | None = Field(None, description="Default namespace for new apps.")
    registry: str | None = Field(None, description="Default image registry.")
    resources: PersonaResources | None = Field(None, description="Default resources.")
    scaling: Scaling | None = Field(None, description="Default scaling.")


class ClusterResourceQuotas(WireModel):
    max_pods_per_namespace: int | None = Field(None, ge=0, description="Pods per namespace.")
    max_pvcs_per_namespace: int | None = Field(None, ge=0, description="PVCs per namespace.")
    max_cpu_per_namespace: str | None = Field(None, description="CPU per namespace.")
    max_memory_per_namespace: str | None = Field(None, description="Memory per namespace.")


class ClusterPersonaSpec(WireModel):
    """What the cluster is for and the rules that hold in it."""

    name: str = Field(min_length=1, description="The cluster's friendly name.")
    description: str | None = Field(None, description="What the cluster is for.")
    environment: Environment = Field(
        Environment.DEVELOPMENT, description="development, staging, production or sandbox."
    )
    policies: ClusterPolicies | None = Field(None, description="Security and network rules.")
    conventions: ClusterConventions | None = Field(None, description="Naming and labelling.")
    defaults: ClusterDefaults | None = Field(None, description="Defaults for applications.")
    resource_quotas: ClusterResourceQuotas | None = Field(None, description="Quotas.")


# -- status -------------------------------------------------------------------------------


class ClusterPhase(StrEnum):
    DISCOVERING = "Discovering"
    READY = "Ready"
    DEGRADED = "Degraded"
    UNKNOWN = "Unknown"


class NodeResources(WireModel):
    cpu: str | None = Field(None, description="CPU.")
    memory: str | None = Field(None, description="Memory.")
    pods: str | None = Field(None, description="Pods.")
    ephemeral_storage: str | None = Field(None, description="Ephemeral storage.")


class NodeInfo(WireModel):
    name: str = Field(description="Node name.")
    role: str | None = Field(None, description="control-plane or worker.")
    ready: bool = Field(description="Whether the node is Ready.")
    capacity: NodeResources | None = Field(None, description="Capacity.")
    allocatable: NodeResources | None = Field(None, description="Allocatable resources.")
    taints: list[str] = Field(default_factory=list, description="Taints as key=value:Effect.")
    labels: dict[str, str] = Field(default_factory=dict, description="Notable node labels.")
    kubelet_version: str | None = Field(None, description="Kubelet version.")
    container_runtime: str | None = Field(None, description="Container runtime and version.")


class ClusterResourceSummary(WireModel):
    """Summed over all nodes."""

    total_cpu: str | None = Field(None, description="Summed CPU capacity.")
    total_memory: str | None = Field(None, description="Summed memory capacity.")
    allocatable_cpu: str | None = Field(None, description="Summed allocatable CPU.")
    allocatable_memory: str | None = Field(None, description="Summed allocatable memory.")
    used_cpu: str | None = Field(None, description="CPU in use (from metrics).")
    used_memory: str | None = Field(None, description="Memory in use (from metrics).")
    cpu_utilization: str | None = Field(None, description="CPU utilisation, percent.")
    memory_utilization: str | None = Field(None, description="Memory utilisation, percent.")
    total_pods: int | None = Field(None, ge=0, description="Summed pod capacity.")
    running_pods: int | None = Field(None, ge=0, description="Running pods.")


class AddonType(StrEnum):
    GITOPS = "gitops"
    MONITORING = "monitoring"
    LOGGING = "logging"
    INGRESS = "ingress"
    SERVICE_MESH = "service-mesh"
    SECRETS = "secrets"
    CERT_MANAGEMENT = "cert-management"
    OTHER = "other"


class AddonInfo(WireModel):
    name: str = Field(description="Add-on name, e.g. cert-manager.")
    type: AddonType | None = Field(None, description="What kind of add-on it is.")
    installed: bool = Field(description="Whether it was found.")
    version: str | None = Field(None, description="Detected version.")
    namespace: str | None = Field(None, description="Where it runs.")
    healthy: bool | None = Field(None, description="Whether its workloads are ready.")
    detected_by: str | None = Field(
        None, description="The signal it was found by, e.g. apiGroup:cert-manager.io."
    )
    api_groups: list[str] = Field(default_factory=list, description="API groups it serves.")


class NamespaceSummary(WireModel):
    total: int = Field(ge=0, description="Namespaces.")
    active: int | None = Field(None, ge=0, description="Active namespaces.")
    with_personas: int | None = Field(None, ge=0, description="Namespaces with personas.")
    persona_counts: dict[str, int] = Field(
        default_factory=dict, description="ApplicationPersonas per namespace."
    )


class ClusterPersonaStatus(WireModel):
    """What the operator discovered about the cluster."""

    phase: ClusterPhase | None = Field(None, description="Discovering, Ready, Degraded, Unknown.")
    observed_generation: int | None = Field(None, ge=0, description="Generation described.")
    last_discovery: Timestamp | None = Field(None, description="When discovery last ran.")
    kubernetes_version: str | None = Field(None, description="API server version, e.g. v1.31.2.")
    platform: str | None = Field(
        None, description="eks, gke, aks, openshift, k3s, kind, ..., or kubernetes."
    )
    node_count: int | None = Field(None, ge=0, description="Number of nodes.")
    nodes: list[NodeInfo] = Field(default_factory=list, description="Nodes.")
    resource_summary: ClusterResourceSummary | None = Field(None, description="Summed capacity.")
    addons: list[AddonInfo] = Field(default_factory=list, description="Discovered add-ons.")
    namespaces: NamespaceSummary | None = Field(None, description="Namespaces and personas.")
    application_count: int | None = Field(None, ge=0, description="ApplicationPersonas.")
    conditions: list[Condition] = Field(
        default_factory=list,
        description="Standard conditions.",
        json_schema_extra=CONDITIONS_SCHEMA,
    )


class ClusterPersona(WireModel):
    """A ``clusterpersonas.dorgu.io`` object."""

    api_version: Literal["dorgu.io/v1"] = Field("dorgu.io/v1", alias="apiVersion")
    kind: Literal["ClusterPersona"] = "ClusterPersona"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: ClusterPersonaSpec
    status: ClusterPersonaStatus | None = None
