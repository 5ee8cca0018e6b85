"""What every persona model shares: the wire conventions of the ``dorgu.io/v1`` resources,
timestamps, Kubernetes conditions, label selectors and object metadata.

Wire conventions (``WireModel``):
- camelCase on the wire (``min_replicas`` <-> ``minReplicas``; acronyms as the existing Go
  types spell them: ``targetCPU``, ``argoCD``, ``allowedExternalCIDRs``), snake_case in Python;
  both are accepted when reading;
- reading behaves like the API server: ``null`` means "not set" (the field's default applies),
  unknown fields are dropped (the old CLI wrote fields its CRD pruned, e.g.
  ``policies.security.imageRunsAsRoot``), and an empty string in an optional field means "not
  set" (the Go types meant ``omitempty`` but the old CLI wrote ``cpu: ""``);
- writing goes through ``dump_wire``: aliases, JSON types, ``None`` left out, defaults kept, so
  ``status.validation.passed: false`` is always written.

Must not do I/O, import anything from dorgu but ``dorgu.models``, or know about CRD YAML (that
is ``dorgu.crds``, which derives the schemas from these models).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)

API_GROUP = "dorgu.io"
API_VERSION_NAME = "v1"
API_VERSION = f"{API_GROUP}/{API_VERSION_NAME}"

_ACRONYMS = {"cpu": "CPU", "cd": "CD", "cidrs": "CIDRs", "pvcs": "PVCs"}

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]
"""JSON-compatible data, as ``dump_wire`` returns it."""


def wire_name(field_name: str) -> str:
    """``min_replicas`` -> ``minReplicas``; ``target_cpu`` -> ``targetCPU``."""
    first, *rest = field_name.split("_")
    return first + "".join(_ACRONYMS.get(part, part[:1].upper() + part[1:]) for part in rest)


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


Timestamp = Annotated[AwareDatetime, PlainSerializer(_rfc3339, return_type=str)]
"""A ``metav1.Time``: RFC 3339, written in UTC with second precision (``2024-05-01T10:00:00Z``)."""


class WireModel(BaseModel):
    """Base of every persona model (see the module docstring for the conventions)."""

    model_config = ConfigDict(
        defer_build=True,
        alias_generator=wire_name,
        populate_by_name=True,
        frozen=True,
        extra="ignore",
        use_enum_values=False,
    )

    @model_validator(mode="before")
    @classmethod
    def _read_like_the_api_server(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        blank = _optional_keys(cls)
        return {
            key: value
            for key, value in data.items()
            if value is not None and not (value == "" and key in blank)
        }


@functools.cache
def _optional_keys(cls: type[BaseModel]) -> frozenset[str]:
    """Names and aliases of the fields whose default is ``None``."""
    found: set[str] = set()
    for name, info in cls.model_fields.items():
        if not info.is_required() and info.default is None:
            found.update({name, info.alias or name})
    return frozenset(found)


def dump_wire(model: BaseModel) -> dict[str, JsonValue]:
    """``model`` as the JSON the API server stores: aliases, ``None`` and empty lists left out
    (as Go's ``omitempty`` did), every other value kept, defaults and ``false`` included."""
    data = _without_empty_lists(model.model_dump(mode="json", by_alias=True, exclude_none=True))
    assert isinstance(data, dict)
    return data


def _without_empty_lists(value: JsonValue) -> JsonValue:
    if isinstance(value, dict):
        return {k: _without_empty_lists(v) for k, v in value.items() if v != []}
    if isinstance(value, list):
        return [_without_empty_lists(item) for item in value]
    return value


class ConditionStatus(StrEnum):
    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


class Condition(WireModel):
    """A standard Kubernetes condition (``metav1.Condition``); one per ``type``."""

    type: str = Field(
        description="Condition type in CamelCase, e.g. Ready, Validated.",
        pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
        r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
        max_length=316,
    )
    status: ConditionStatus = Field(description="True, False or Unknown.")
    observed_generation: int | None = Field(
        None, ge=0, description="The .metadata.generation the condition was set for."
    )
    last_transition_time: Timestamp = Field(description="When the status last changed.")
    reason: str = Field(
        description="Machine-readable CamelCase reason for the last transition.",
        pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
        min_length=1,
        max_length=1024,
    )
    message: str = Field("", max_length=32768, description="Human-readable details.")


CONDITIONS_SCHEMA: dict[str, JsonValue] = {
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["type"],
}
"""Extra schema of every ``conditions`` list: a list-map keyed by ``type`` (server-side apply)."""


class SelectorOperator(StrEnum):
    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"


class SelectorRequirement(WireModel):
    key: str = Field(description="Label key.")
    operator: SelectorOperator = Field(description="In, NotIn, Exists or DoesNotExist.")
    values: list[str] = Field(
        default_factory=list, description="Values for In and NotIn; empty otherwise."
    )


class LabelSelector(WireModel):
    """A Kubernetes label selector (all terms must match)."""

    match_labels: dict[str, str] = Field(
        default_factory=dict, description="Labels that must have exactly these values."
    )
    match_expressions: list[SelectorRequirement] = Field(
        default_factory=list, description="Set-based requirements."
    )

    def matches(self, labels: dict[str, str]) -> bool:
        """Whether an object with ``labels`` is selected (an empty selector selects all)."""
        if any(labels.get(key) != value for key, value in self.match_labels.items()):
            return False
        for term in self.match_expressions:
            present = term.key in labels
            if term.operator is SelectorOperator.EXISTS and not present:
                return False
            if term.operator is SelectorOperator.DOES_NOT_EXIST and present:
                return False
            if term.operator is SelectorOperator.IN and labels.get(term.key) not in term.values:
                return False
            if (
                term.operator is SelectorOperator.NOT_IN
                and present
                and labels[term.key] in term.values
            ):
                return False
        return True


class ObjectMeta(BaseModel):
    """Object metadata.  Fields the API server sets (``uid``, ``managedFields``, ...) are kept
    as they are read, so writing an object back never loses them."""

    model_config = ConfigDict(
        defer_build=True, alias_generator=wire_name, populate_by_name=True, extra="allow"
    )

    name: str | None = None
    generate_name: str | None = None
    namespace: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    generation: int | None = None
    resource_version: str | None = None
    uid: str | None = None
    creation_timestamp: Timestamp | None = None
