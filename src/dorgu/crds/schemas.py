"""Pydantic JSON Schema -> structural OpenAPI v3 schema, as ``apiextensions.k8s.io/v1`` wants.

What changes on the way:
- ``$ref``/``$defs`` are inlined (CRDs allow no references); a single-item ``allOf`` is merged;
- ``X | None`` loses its ``null`` branch and is *not* marked ``nullable``: the API server then
  prunes a ``null`` before defaulting, so ``null`` means "not set" exactly as ``None`` does in
  the models (and defaults still apply);
- a union of a string with an integer or number (quantities, ``maxSurge``) becomes
  ``x-kubernetes-int-or-string`` with the string branch's ``pattern`` kept;
- ``const`` becomes a one-value ``enum``; a numeric ``exclusiveMinimum``/``exclusiveMaximum``
  (JSON Schema 2020-12) becomes OpenAPI 3.0's bound plus flag;
- ``title``, ``additionalProperties: false``, ``propertyNames``, ``default: null`` and other
  keywords Kubernetes does not take are dropped; any keyword not known here is an error, so a
  new model feature cannot slip an invalid schema into ``deploy/crds``.

Must not import ``dorgu.generation`` (a layer-1 sibling) or do I/O.
"""

from __future__ import annotations

import copy

from pydantic import BaseModel

from dorgu.models.personas_base import JsonValue

Schema = dict[str, JsonValue]

_DROPPED = frozenset({"title", "propertyNames", "examples", "readOnly", "writeOnly", "$schema"})
_ORDER = (
    "type",
    "x-kubernetes-int-or-string",
    "anyOf",
    "nullable",
    "description",
    "default",
    "enum",
    "format",
    "pattern",
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-validations",
    "required",
    "properties",
    "items",
    "additionalProperties",
)
_KEPT = frozenset(_ORDER)
_RANK = {key: index for index, key in enumerate(_ORDER)}
_SCALARS = frozenset({"string", "integer", "number"})


class SchemaConversionError(ValueError):
    """A model feature has no structural-schema equivalent (fix the model, not the YAML)."""


def structural_schema(model: type[BaseModel]) -> Schema:
    """The structural OpenAPI v3 schema of ``model``'s wire form (aliases, validation mode)."""
    raw = model.model_json_schema(by_alias=True, mode="validation")
    definitions = raw.pop("$defs", {})
    assert isinstance(definitions, dict)
    return _convert(raw, definitions, path=model.__name__)


def _convert(node: Schema, definitions: dict[str, JsonValue], *, path: str) -> Schema:
    node = _resolve(copy.deepcopy(node), definitions, path=path)
    result: Schema = {}
    for key, value in node.items():
        if key in _DROPPED or (key == "default" and value is None):
            continue
        if key == "additionalProperties" and value is False:
            continue
        if key not in _KEPT:
            raise SchemaConversionError(f"{path}: keyword {key!r} has no CRD equivalent")
        result[key] = value
    _fix_exclusive_bounds(result)
    properties = result.get("properties")
    if isinstance(properties, dict):
        result["properties"] = {
            name: _convert(_as_schema(sub, path), definitions, path=f"{path}.{name}")
            for name, sub in properties.items()
        }
    if isinstance(result.get("items"), dict):
        result["items"] = _convert(_as_schema(result["items"], path), definitions, path=f"{path}[]")
    if isinstance(result.get("additionalProperties"), dict):
        result["additionalProperties"] = _convert(
            _as_schema(result["additionalProperties"], path), definitions, path=f"{path}{{}}"
        )
    if result.get("type") == "object" and not result.get("required"):
        result.pop("required", None)
    return dict(sorted(result.items(), key=lambda item: _RANK[item[0]]))


def _as_schema(value: JsonValue, path: str) -> Schema:
    if not isinstance(value, dict):
        raise SchemaConversionError(f"{path}: expected a schema object, got {value!r}")
    return value


def _resolve(node: Schema, definitions: dict[str, JsonValue], *, path: str) -> Schema:
    """Inline references, merge single ``allOf``s, simplify ``anyOf`` and ``const``."""
    while True:
        ref = node.pop("$ref", None)
        if isinstance(ref, str):
            target = definitions.get(ref.rsplit("/", 1)[-1])
            if not isinstance(target, dict):
                raise SchemaConversionError(f"{path}: unresolved reference {ref}")
            node = {**copy.deepcopy(target), **node}
            continue
        all_of = node.pop("allOf", None)
        if isinstance(all_of, list):
            if len(all_of) != 1:
                raise SchemaConversionError(f"{path}: allOf with {len(all_of)} schemas")
            node = {**_as_schema(all_of[0], path), **node}
            continue
        break
    if "const" in node:
        node["enum"] = [node.pop("const")]
    any_of = node.pop("anyOf", None)
    if isinstance(any_of, list):
        branches = [
            _resolve(_as_schema(b, path), definitions, path=path)
            for b in any_of
            if b != {"type": "null"}
        ]
        if len(branches) == 1:
            node = {**branches[0], **node}
        elif branches:
            node = {**_int_or_string(branches, path), **node}
    return node


def _int_or_string(branches: list[Schema], path: str) -> Schema:
    types = {b.get("type") for b in branches}
    if not (types <= _SCALARS and "string" in types and types & {"integer", "number"}):
        raise SchemaConversionError(f"{path}: union of {sorted(map(str, types))} is not structural")
    merged: Schema = {
        "x-kubernetes-int-or-string": True,
        "anyOf": [{"type": "integer"}, {"type": "string"}],
    }
    for branch in branches:
        if branch.get("type") == "string" and "pattern" in branch:
            merged["pattern"] = branch["pattern"]
    return merged


def _fix_exclusive_bounds(node: Schema) -> None:
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(exclusive)
        if isinstance(value, int | float) and not isinstance(value, bool):
            node[bound] = value
            node[exclusive] = True
