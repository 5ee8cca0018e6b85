"""The bundle as standalone JSON Schemas, one per kind, for kubeconform ``-strict``.

kubeconform reads a schema per ``apiVersion``/``kind`` from a path template; ``KUBECONFORM_PATH``
is the template that matches the names given here (``apps_v1_deployment.json``; the core group
is ``v1_v1_service.json``, as kubeconform splits ``v1`` into group ``v1`` and version ``v1``).
Each schema carries the definitions it reaches (``$ref`` -> ``#/definitions/NAME``), OpenAPI's
``nullable`` becomes a ``null`` type, and every object that lists its properties and does not
preserve unknown fields gets ``additionalProperties: false`` (what kubeconform's ``-strict``
schemas are: unknown fields are errors), as ``openapi2jsonschema --strict`` does.

Layer 1, pure: must not do I/O (the caller writes the files).
"""

from __future__ import annotations

from collections.abc import Mapping

from dorgu.rules.schemas.bundles import Schema, SchemaBundle

KUBECONFORM_PATH = "{{ .Group }}_{{ .ResourceAPIVersion }}_{{ .ResourceKind }}.json"
_REF = "#/definitions/"


def kubeconform_file_name(api_version: str, kind: str) -> str:
    """The file name kubeconform asks for under ``KUBECONFORM_PATH``."""
    parts = api_version.split("/")
    return f"{parts[0]}_{parts[-1]}_{kind.lower()}.json"


def export_schemas(bundle: SchemaBundle) -> dict[str, dict[str, object]]:
    """File name -> standalone JSON Schema (draft 4) for every kind of the bundle."""
    exported: dict[str, dict[str, object]] = {}
    for key, name in sorted(bundle.kinds.items()):
        api_version, _, kind = key.rpartition("/")
        definitions: dict[str, object] = {}
        _collect(name, bundle, definitions)
        root = dict(_convert(bundle.resolve(name)))
        root["definitions"] = dict(sorted(definitions.items()))
        exported[kubeconform_file_name(api_version, kind)] = root
    return exported


def export_crd(crd: Mapping[str, object]) -> dict[str, dict[str, object]]:
    """File name -> strict JSON Schema for every version of a CustomResourceDefinition (its
    ``openAPIV3Schema`` is inline: no definitions to carry; ``apiVersion``, ``kind`` and
    ``metadata`` are added as the API server does)."""
    spec = crd.get("spec")
    if not isinstance(spec, Mapping):
        return {}
    group, names = spec.get("group"), spec.get("names")
    kind = names.get("kind") if isinstance(names, Mapping) else None
    exported: dict[str, dict[str, object]] = {}
    for version in spec.get("versions") or ():
        if not (isinstance(version, Mapping) and isinstance(group, str) and isinstance(kind, str)):
            continue
        schema = version.get("schema")
        body = schema.get("openAPIV3Schema") if isinstance(schema, Mapping) else None
        if isinstance(body, Mapping):
            name = kubeconform_file_name(f"{group}/{version.get('name')}", kind)
            exported[name] = _convert(_with_object_fields(body))
    return exported


def _with_object_fields(body: Mapping[str, object]) -> dict[str, object]:
    """A CRD's schema omits what every object has; the API server adds it, so do we."""
    properties = body.get("properties")
    known = dict(properties) if isinstance(properties, Mapping) else {}
    known.setdefault("apiVersion", {"type": "string"})
    known.setdefault("kind", {"type": "string"})
    known.setdefault("metadata", {"type": "object", "x-kubernetes-preserve-unknown-fields": True})
    return {**body, "properties": known}


def _collect(name: str, bundle: SchemaBundle, into: dict[str, object]) -> None:
    """Convert ``name`` and every definition it reaches (iteratively: no recursion limit)."""
    pending = [name]
    while pending:
        current = pending.pop()
        if current in into:
            continue
        schema = bundle.resolve(current)
        into[current] = _convert(schema)
        pending.extend(_refs(schema))


def _refs(schema: object) -> list[str]:
    found: list[str] = []
    stack = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.append(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _convert(schema: Schema) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in schema.items():
        if key == "$ref" and isinstance(value, str):
            result[key] = _REF + value
        elif key == "properties" and isinstance(value, Mapping):
            result[key] = {
                k: _convert(v) if isinstance(v, Mapping) else v for k, v in value.items()
            }
        elif key in ("items", "additionalProperties") and isinstance(value, Mapping):
            result[key] = _convert(value)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            result[key] = [_convert(v) if isinstance(v, Mapping) else v for v in value]
        elif key != "nullable":
            result[key] = value
    if schema.get("nullable") is True and isinstance(result.get("type"), str):
        result["type"] = [result["type"], "null"]
    closed = (
        "properties" in result
        and "additionalProperties" not in result
        and schema.get("x-kubernetes-preserve-unknown-fields") is not True
    )
    if closed:
        result["additionalProperties"] = False
    return result
