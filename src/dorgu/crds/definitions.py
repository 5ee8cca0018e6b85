"""The ``CustomResourceDefinition`` objects of dorgu, built from the persona models.

``application_persona_crd()``, ``cluster_persona_crd()`` and ``incident_memory_crd()`` return
plain data ready to apply;
``CRDS`` lists every CRD dorgu ships, in the order they are written to ``deploy/crds/``.

Must not import ``dorgu.generation`` or do I/O (``scripts/generate-crds`` writes the files).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from dorgu.crds.schemas import Schema, structural_schema
from dorgu.models.cluster_personas import ClusterPersonaSpec, ClusterPersonaStatus
from dorgu.models.incidents import INCIDENT_MEMORY_KIND, IncidentMemorySpec, IncidentMemoryStatus
from dorgu.models.persona_params import (
    PARAM_FIELDS,
    PARAM_POLICIES,
    PERSONA_POLICY_KIND,
    PERSONA_POLICY_PLURAL,
)
from dorgu.models.personas import APPLICATION_PERSONA_KIND, CLUSTER_PERSONA_KIND
from dorgu.models.personas_base import API_GROUP, API_VERSION_NAME, JsonValue
from dorgu.models.personas_spec import ApplicationPersonaSpec
from dorgu.models.personas_status import ApplicationPersonaStatus

CATEGORY = "dorgu"


@dataclass(frozen=True)
class Column:
    """An ``additionalPrinterColumns`` entry."""

    name: str
    type: str
    path: str
    description: str
    priority: int = 0

    def manifest(self) -> dict[str, JsonValue]:
        column: dict[str, JsonValue] = {
            "name": self.name,
            "type": self.type,
            "jsonPath": self.path,
            "description": self.description,
        }
        if self.priority:
            column["priority"] = self.priority
        return column


AGE = Column("Age", "date", ".metadata.creationTimestamp", "Time since creation.")

APPLICATION_COLUMNS = (
    Column("Type", "string", ".spec.type", "Workload type."),
    Column("Tier", "string", ".spec.tier", "Criticality tier."),
    Column("Phase", "string", ".status.phase", "Lifecycle phase."),
    Column("Health", "string", ".status.health.status", "Pod health."),
    Column("Mode", "string", ".status.validation.mode", "Validation mode in effect.", 1),
    Column("Valid", "boolean", ".status.validation.passed", "Last validation passed.", 1),
    AGE,
)
CLUSTER_COLUMNS = (
    Column("Environment", "string", ".spec.environment", "Cluster purpose."),
    Column("Platform", "string", ".status.platform", "Detected platform."),
    Column("Nodes", "integer", ".status.nodeCount", "Number of nodes."),
    Column("Apps", "integer", ".status.applicationCount", "ApplicationPersonas."),
    Column("Phase", "string", ".status.phase", "Discovery phase."),
    Column("Version", "string", ".status.kubernetesVersion", "Kubernetes version.", 1),
    AGE,
)
INCIDENT_COLUMNS = (
    Column("Category", "string", ".spec.category", "What kind of failure."),
    Column("Severity", "string", ".spec.severity", "info, warning or critical."),
    Column("Phase", "string", ".status.phase", "Detected, Investigating, Resolved, Recurring."),
    Column("Signal", "string", ".spec.detection.signal", "Primary signal."),
    Column("Workload", "string", ".spec.workload.name", "The workload that failed.", 1),
    Column("Occurrences", "integer", ".status.occurrenceCount", "Distinct sightings.", 1),
    Column("Last", "date", ".status.lastOccurrence", "Latest sighting.", 1),
    # Lets `dorgu incidents list -A` ask for rows without object metadata (5x smaller pages).
    Column("Namespace", "string", ".metadata.namespace", "Where the incident is stored.", 1),
    AGE,
)


def _resource_schema(description: str, spec: type[BaseModel], status: type[BaseModel]) -> Schema:
    return {
        "type": "object",
        "description": description,
        "properties": {
            "apiVersion": {
                "type": "string",
                "description": "Versioned schema of this representation of an object.",
            },
            "kind": {"type": "string", "description": "The REST resource this object represents."},
            "metadata": {"type": "object"},
            "spec": structural_schema(spec),
            "status": structural_schema(status),
        },
        "required": ["spec"],
    }


def _crd(
    *,
    kind: str,
    plural: str,
    scope: str,
    short_names: list[str],
    columns: tuple[Column, ...],
    schema: Schema,
    status: bool = True,
) -> dict[str, JsonValue]:
    names: dict[str, JsonValue] = {
        "kind": kind,
        "listKind": f"{kind}List",
        "plural": plural,
        "singular": kind.lower(),
        "shortNames": list(short_names),
        "categories": [CATEGORY],
    }
    version: dict[str, JsonValue] = {
        "name": API_VERSION_NAME,
        "served": True,
        "storage": True,
        "subresources": {"status": {}},
        "additionalPrinterColumns": [c.manifest() for c in columns],
        "schema": {"openAPIV3Schema": schema},
    }
    if not status:
        del version["subresources"]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{plural}.{API_GROUP}",
            "labels": {"app.kubernetes.io/part-of": "dorgu"},
        },
        "spec": {
            "group": API_GROUP,
            "names": names,
            "scope": scope,
            "versions": [version],
        },
    }


def application_persona_crd() -> dict[str, JsonValue]:
    """``applicationpersonas.dorgu.io``: namespaced, short names ``persona`` and ``ap``."""
    return _crd(
        kind=APPLICATION_PERSONA_KIND,
        plural="applicationpersonas",
        scope="Namespaced",
        short_names=["persona", "ap"],
        columns=APPLICATION_COLUMNS,
        schema=_resource_schema(
            "The living identity of an application: what it is, how it must run (spec) "
            "and what the dorgu operator observed (status).",
            ApplicationPersonaSpec,
            ApplicationPersonaStatus,
        ),
    )


def cluster_persona_crd() -> dict[str, JsonValue]:
    """``clusterpersonas.dorgu.io``: cluster-scoped, short name ``cp``."""
    return _crd(
        kind=CLUSTER_PERSONA_KIND,
        plural="clusterpersonas",
        scope="Cluster",
        short_names=["cp"],
        columns=CLUSTER_COLUMNS,
        schema=_resource_schema(
            "The identity of a cluster: its purpose and rules (spec) and what the dorgu "
            "operator discovered (status).",
            ClusterPersonaSpec,
            ClusterPersonaStatus,
        ),
    )


def incident_memory_crd() -> dict[str, JsonValue]:
    """``incidentmemories.dorgu.io``: namespaced, short name ``im``."""
    return _crd(
        kind=INCIDENT_MEMORY_KIND,
        plural="incidentmemories",
        scope="Namespaced",
        short_names=["im"],
        columns=INCIDENT_COLUMNS,
        schema=_resource_schema(
            "One episode of an incident: what failed, how it was detected and resolved "
            "(spec) and its lifecycle (status).",
            IncidentMemorySpec,
            IncidentMemoryStatus,
        ),
    )


def _param_spec_schema() -> Schema:
    """The persona's spec schema cut to ``PARAM_FIELDS`` (``policies``: only its security)."""
    schema = structural_schema(ApplicationPersonaSpec)
    properties = schema["properties"]
    assert isinstance(properties, dict)
    kept = {k: v for k, v in properties.items() if k in PARAM_FIELDS}
    policies = kept["policies"]
    assert isinstance(policies, dict) and isinstance(policies["properties"], dict)
    policies["properties"] = {
        k: v for k, v in policies["properties"].items() if k in PARAM_POLICIES
    }
    schema["properties"] = kept
    required = schema.get("required")
    if isinstance(required, list):
        schema["required"] = [r for r in required if r in PARAM_FIELDS]
    schema["description"] = "The persona fields the admission policies read."
    return schema


PARAM_COLUMNS = (
    Column("Tier", "string", ".spec.tier", "Criticality tier."),
    Column("Mode", "string", ".spec.validation.mode", "Validation mode of the persona."),
    AGE,
)


def persona_policy_crd() -> dict[str, JsonValue]:
    """``personapolicies.dorgu.io``: namespaced, written by the operator only (one per
    ApplicationPersona, same name), the parameter of the admission policies."""
    return _crd(
        kind=PERSONA_POLICY_KIND,
        plural=PERSONA_POLICY_PLURAL,
        scope="Namespaced",
        short_names=["pp"],
        columns=PARAM_COLUMNS,
        schema={
            "type": "object",
            "description": "What the dorgu admission policies read of an ApplicationPersona "
            "(kept by the operator; edit the persona, not this object).",
            "properties": {
                "apiVersion": {
                    "type": "string",
                    "description": "Versioned schema of this representation of an object.",
                },
                "kind": {
                    "type": "string",
                    "description": "The REST resource this object represents.",
                },
                "metadata": {"type": "object"},
                "spec": _param_spec_schema(),
            },
            "required": ["spec"],
        },
        status=False,
    )


CRDS: tuple[Callable[[], dict[str, JsonValue]], ...] = (
    application_persona_crd,
    cluster_persona_crd,
    incident_memory_crd,
    persona_policy_crd,
)
