"""The ``ApplicationPersona`` resource (``applicationpersonas.dorgu.io``, namespaced): one
object per application component, joining its spec (what it is and how it must run, written by
``dorgu generate`` / ``dorgu persona apply``) and its status (what the operator observed).

The same pydantic models serve the generated persona, the operator, the webhook and the CRD
schemas (``dorgu.crds`` derives ``deploy/crds/`` from them).  Sections live in
``personas_spec.py``, ``personas_policies.py``, ``personas_api.py``, ``personas_status.py``
and ``personas_base.py``; ``ClusterPersona`` is in ``cluster_personas.py``.

Reading: ``ApplicationPersona.model_validate(data)`` takes wire (camelCase) or Python names,
old Go-dorgu objects included.  Writing: ``dump_wire(persona)``.

Must not do I/O or import anything from dorgu but ``dorgu.models``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from dorgu.models.personas_base import (
    API_GROUP,
    API_VERSION,
    ObjectMeta,
    WireModel,
    dump_wire,
)
from dorgu.models.personas_spec import ApplicationPersonaSpec
from dorgu.models.personas_status import ApplicationPersonaStatus

APPLICATION_PERSONA_KIND = "ApplicationPersona"
CLUSTER_PERSONA_KIND = "ClusterPersona"


class ApplicationPersona(WireModel):
    """An ``applicationpersonas.dorgu.io`` object."""

    api_version: Literal["dorgu.io/v1"] = Field("dorgu.io/v1", alias="apiVersion")
    kind: Literal["ApplicationPersona"] = "ApplicationPersona"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: ApplicationPersonaSpec
    status: ApplicationPersonaStatus | None = None


__all__ = [
    "API_GROUP",
    "API_VERSION",
    "APPLICATION_PERSONA_KIND",
    "CLUSTER_PERSONA_KIND",
    "ApplicationPersona",
    "ApplicationPersonaSpec",
    "ApplicationPersonaStatus",
    "ObjectMeta",
    "dump_wire",
]
