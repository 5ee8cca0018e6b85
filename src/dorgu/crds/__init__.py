"""dorgu's CustomResourceDefinitions, generated from the models the code uses.

``crd_files()`` gives the YAML of ``deploy/crds/``; ``application_persona_crd()`` and
``cluster_persona_crd()`` the objects; ``structural_schema(model)`` turns any pydantic model
into a structural OpenAPI v3 schema; ``structural_violations(schema)`` checks the Kubernetes
structural-schema rules; ``validate_instance(data, schema)`` validates (and
``apply_defaults`` defaults) data the way the API server does, offline.

Must not do I/O (``scripts/generate-crds`` writes the files) or import ``dorgu.generation``
(a layer-1 sibling); depends only on ``dorgu.models`` and PyYAML.
"""

from dorgu.crds.definitions import (
    CRDS,
    application_persona_crd,
    cluster_persona_crd,
    incident_memory_crd,
)
from dorgu.crds.rendering import crd_file_name, crd_files, render_crd
from dorgu.crds.schemas import SchemaConversionError, structural_schema
from dorgu.crds.structural import structural_violations
from dorgu.crds.validating import SchemaError, apply_defaults, crd_schema, validate_instance

__all__ = [
    "CRDS",
    "SchemaConversionError",
    "SchemaError",
    "application_persona_crd",
    "apply_defaults",
    "cluster_persona_crd",
    "crd_file_name",
    "crd_files",
    "crd_schema",
    "incident_memory_crd",
    "render_crd",
    "structural_schema",
    "structural_violations",
    "validate_instance",
]
