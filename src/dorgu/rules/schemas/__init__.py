"""Offline schema validation of Kubernetes objects, kubeconform ``-strict`` style.

The bundle (``k8s-v<major.minor>.json.gz`` beside this file, written by
``scripts/update-k8s-schemas``) holds the OpenAPI v3 schemas of the API groups dorgu generates
or validates, dorgu's own CRDs and hand-written subsets of Argo CD's ``Application`` and
prometheus-operator's ``PrometheusRule``.

- ``parse_bundle(data)``: the decoded bundle JSON as a ``SchemaBundle``;
- ``validate_objects(manifests, bundle=..., policy=...)``: ``schema.invalid`` /
  ``schema.unknown-field`` errors and ``schema.unknown-kind`` warnings, each with the index of
  the object and the field path (the same ``ObjectFinding`` the rule engine returns); the ids
  are registered rules, so the ``RulePolicy`` disables them or changes their severity;
- ``any_enabled(policy)``: whether any schema rule is left on;
- ``export_schemas(bundle)`` / ``KUBECONFORM_PATH``: the bundle as standalone JSON Schemas for
  kubeconform ``-strict`` (the tests and benchmarks run it on generated output);
- ``BUNDLED_VERSIONS`` / ``bundle_file_name(version)``: what ships with dorgu.

Layer 1, pure: must not do I/O (``dorgu.services.schemas`` reads the bundle file).
"""

from dorgu.rules.schemas.bundles import (
    BUNDLED_VERSIONS,
    SchemaBundle,
    bundle_file_name,
    normalize_version,
    parse_bundle,
)
from dorgu.rules.schemas.exporting import (
    KUBECONFORM_PATH,
    export_crd,
    export_schemas,
    kubeconform_file_name,
)
from dorgu.rules.schemas.validating import (
    SCHEMA_RULE_IDS,
    any_enabled,
    validate_object,
    validate_objects,
)

__all__ = [
    "BUNDLED_VERSIONS",
    "KUBECONFORM_PATH",
    "SCHEMA_RULE_IDS",
    "SchemaBundle",
    "any_enabled",
    "bundle_file_name",
    "export_crd",
    "export_schemas",
    "kubeconform_file_name",
    "normalize_version",
    "parse_bundle",
    "validate_object",
    "validate_objects",
]
