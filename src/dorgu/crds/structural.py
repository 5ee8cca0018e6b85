"""The Kubernetes structural-schema rules (``apiextensions.k8s.io/v1``), checked offline.

``structural_violations(schema)`` returns one message per broken rule, with the path of the
node (empty: structural).  Rules, as the API server applies them:
1. the root, every property, every ``additionalProperties`` and every ``items`` node has a
   ``type``, unless it sets ``x-kubernetes-int-or-string`` or
   ``x-kubernetes-preserve-unknown-fields``;
2. inside ``allOf``/``anyOf``/``oneOf``/``not`` there is no ``type``, ``description``,
   ``default``, ``additionalProperties`` or ``nullable`` (except the int-or-string pattern
   ``anyOf: [{type: integer}, {type: string}]``), and every property named there is also
   specified outside;
3. no ``$ref``/``definitions``/``patternProperties``/``dependencies``/``additionalItems``/``id``;
   ``items`` is one schema; ``properties`` and ``additionalProperties`` are exclusive;
   ``additionalProperties: false`` and ``uniqueItems: true`` are forbidden; the
   ``x-kubernetes-*`` flags are true when set; an int-or-string node has no ``type``;
4. list maps (``x-kubernetes-list-type: map``) have object items and keys that are scalar
   properties, required or defaulted; list-map keys only go with list-type map;
5. ``metadata`` at the root restricts nothing but ``name`` and ``generateName``;
6. every ``default`` validates against its node (see ``validating.py``).

Must not do I/O or import ``dorgu.generation``.
"""

from __future__ import annotations

from dorgu.crds.schemas import Schema
from dorgu.crds.validating import validate_instance
from dorgu.models.personas_base import JsonValue

_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean"})
_FORBIDDEN = frozenset(
    {"$ref", "definitions", "$defs", "patternProperties", "dependencies", "additionalItems", "id"}
)
_JUNCTORS = ("allOf", "anyOf", "oneOf", "not")
_NOT_IN_JUNCTORS = frozenset({"type", "description", "default", "additionalProperties", "nullable"})
_INT_OR_STRING = [{"type": "integer"}, {"type": "string"}]
_FLAGS = ("x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields")


def structural_violations(schema: Schema) -> list[str]:
    """Every broken structural-schema rule in ``schema`` (an ``openAPIV3Schema``)."""
    problems: list[str] = []
    _check(schema, "", problems, root=True)
    return problems


def _check(node: Schema, path: str, problems: list[str], *, root: bool = False) -> None:
    where = path or "<root>"
    for key in sorted(_FORBIDDEN & node.keys()):
        problems.append(f"{where}: {key} is not allowed")
    flagged = any(node.get(flag) is True for flag in _FLAGS)
    for flag in (*_FLAGS, "x-kubernetes-embedded-resource"):
        if flag in node and node[flag] is not True:
            problems.append(f"{where}: {flag} must be true when set")
    kind = node.get("type")
    if kind is None and not flagged:
        problems.append(f"{where}: no type")
    elif kind is not None and kind not in _TYPES:
        problems.append(f"{where}: unknown type {kind!r}")
    if node.get("x-kubernetes-int-or-string") is True and kind is not None:
        problems.append(f"{where}: int-or-string nodes must not set type")
    if "properties" in node and "additionalProperties" in node:
        problems.append(f"{where}: properties and additionalProperties are exclusive")
    if node.get("additionalProperties") is False:
        problems.append(f"{where}: additionalProperties must not be false")
    if node.get("uniqueItems") is True:
        problems.append(f"{where}: uniqueItems must not be true")
    items = node.get("items")
    if isinstance(items, list):
        problems.append(f"{where}: items must be a single schema")
    if kind == "array" and not isinstance(items, dict) and not flagged:
        problems.append(f"{where}: array without items")
    _check_junctors(node, where, problems)
    _check_list_map(node, where, problems)
    _check_default(node, where, problems)
    properties = node.get("properties")
    if isinstance(properties, dict):
        if root and isinstance(properties.get("metadata"), dict):
            _check_metadata(properties["metadata"], problems)
        for name, sub in properties.items():
            _child(sub, f"{path}.{name}", problems)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        _child(extra, f"{path}{{*}}", problems)
    if isinstance(items, dict):
        _child(items, f"{path}[*]", problems)


def _child(sub: JsonValue, path: str, problems: list[str]) -> None:
    if isinstance(sub, dict):
        _check(sub, path, problems)
    else:
        problems.append(f"{path}: schema must be an object")


def _check_junctors(node: Schema, where: str, problems: list[str]) -> None:
    outside = node.get("properties") if isinstance(node.get("properties"), dict) else {}
    assert isinstance(outside, dict)
    for junctor in _JUNCTORS:
        value = node.get(junctor)
        if value is None:
            continue
        int_or_string = value == _INT_OR_STRING or value == [{"anyOf": _INT_OR_STRING}]
        if node.get("x-kubernetes-int-or-string") is True and int_or_string:
            continue
        branches = value if isinstance(value, list) else [value]
        for branch in branches:
            if not isinstance(branch, dict):
                problems.append(f"{where}.{junctor}: branches must be schemas")
                continue
            for key in sorted(_NOT_IN_JUNCTORS & branch.keys()):
                problems.append(f"{where}.{junctor}: {key} is not allowed inside {junctor}")
            named = branch.get("properties")
            if isinstance(named, dict):
                for name in named:
                    if name not in outside:
                        problems.append(
                            f"{where}.{junctor}: property {name!r} is not specified outside"
                        )


def _check_list_map(node: Schema, where: str, problems: list[str]) -> None:
    list_type = node.get("x-kubernetes-list-type")
    keys = node.get("x-kubernetes-list-map-keys")
    if keys is not None and list_type != "map":
        problems.append(f"{where}: x-kubernetes-list-map-keys needs x-kubernetes-list-type: map")
    if list_type is None:
        return
    if node.get("type") != "array":
        problems.append(f"{where}: x-kubernetes-list-type on a non-array")
        return
    if list_type not in ("atomic", "set", "map"):
        problems.append(f"{where}: unknown x-kubernetes-list-type {list_type!r}")
    if list_type != "map":
        return
    items = node.get("items")
    if not isinstance(items, dict) or items.get("type") != "object":
        problems.append(f"{where}: a list map needs object items")
        return
    if not isinstance(keys, list) or not keys:
        problems.append(f"{where}: a list map needs x-kubernetes-list-map-keys")
        return
    properties = items.get("properties")
    required = items.get("required")
    props = properties if isinstance(properties, dict) else {}
    needed = required if isinstance(required, list) else []
    for key in keys:
        prop = props.get(key) if isinstance(key, str) else None
        if not isinstance(prop, dict) or prop.get("type") not in ("string", "integer", "boolean"):
            problems.append(f"{where}: list-map key {key!r} must be a scalar property")
        elif key not in needed and "default" not in prop:
            problems.append(f"{where}: list-map key {key!r} must be required or defaulted")


def _check_default(node: Schema, where: str, problems: list[str]) -> None:
    if "default" not in node:
        return
    schema = {k: v for k, v in node.items() if k != "default"}
    for error in validate_instance(node["default"], schema, strict=True):
        problems.append(f"{where}: default {node['default']!r} is invalid: {error}")


def _check_metadata(metadata: JsonValue, problems: list[str]) -> None:
    assert isinstance(metadata, dict)
    allowed = {"type", "description"}
    extra = set(metadata) - allowed - {"properties"}
    properties = metadata.get("properties")
    if extra or (isinstance(properties, dict) and set(properties) - {"name", "generateName"}):
        problems.append(".metadata: only name and generateName may be restricted")
