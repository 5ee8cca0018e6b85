"""Check one value against one OpenAPI v3 schema of the bundle, kubeconform ``-strict`` style.

Checked: ``type`` (integers are not booleans; numbers accept integers), ``required``, ``enum``,
``properties`` with unknown fields as errors, ``additionalProperties``, ``items``,
``allOf``/``oneOf``/``anyOf`` (match any branch: Quantity is string|number, IntOrString is
integer|string), ``x-kubernetes-int-or-string``, ``x-kubernetes-preserve-unknown-fields`` and
``x-kubernetes-embedded-resource`` (``apiVersion``/``kind``/``metadata`` allowed).  ``null``
is accepted anywhere except for a required field, as the API server treats it as "not set".
Must not do I/O.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from dorgu.rules.paths import FieldPath
from dorgu.rules.schemas.bundles import Schema, SchemaBundle

INVALID = "schema.invalid"
UNKNOWN_FIELD = "schema.unknown-field"
EMBEDDED_FIELDS = frozenset({"apiVersion", "kind", "metadata"})
_MAX_REF_HOPS = 64


@dataclass(frozen=True)
class SchemaIssue:
    """One place where a value does not match its schema."""

    rule_id: str
    path: FieldPath
    message: str
    suggestion: str | None = None


def check_value(
    value: object, schema: Schema, path: FieldPath, *, bundle: SchemaBundle
) -> Iterator[SchemaIssue]:
    """Every issue of ``value`` (found at ``path``) against ``schema``."""
    schema = _dereference(schema, bundle)
    if value is None:
        return
    for part in _as_list(schema.get("allOf")):
        if isinstance(part, Mapping):
            yield from check_value(value, part, path, bundle=bundle)
    if schema.get("x-kubernetes-int-or-string") is True:
        if not (_is_int(value) or isinstance(value, str)):
            yield _type_issue(path, "an integer or a string", value)
        return
    for keyword in ("oneOf", "anyOf"):
        branches = [b for b in _as_list(schema.get(keyword)) if isinstance(b, Mapping)]
        if branches and not any(_matches(value, b, path, bundle) for b in branches):
            expected = " or ".join(_describe(b, bundle) for b in branches)
            yield _type_issue(path, expected, value)
            return
    expected_type = schema.get("type")
    if expected_type is None and "properties" in schema:
        expected_type = "object"
    if isinstance(expected_type, str) and not _has_type(value, expected_type):
        yield _type_issue(path, _article(expected_type), value)
        return
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and value not in enum:
        allowed = ", ".join(str(item) for item in enum)
        yield SchemaIssue(INVALID, path, f"{value!r} is not one of: {allowed}")
    if isinstance(value, Mapping):
        yield from _check_object(value, schema, path, bundle)
    elif isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, Mapping):
            for index, item in enumerate(value):
                yield from check_value(item, items, (*path, index), bundle=bundle)


def _check_object(
    value: Mapping[object, object], schema: Schema, path: FieldPath, bundle: SchemaBundle
) -> Iterator[SchemaIssue]:
    properties = schema.get("properties")
    known: Mapping[str, object] = properties if isinstance(properties, Mapping) else {}
    for name in _as_list(schema.get("required")):
        if value.get(name) is None:
            yield SchemaIssue(INVALID, path, f'missing required field "{name}"')
    extra = schema.get("additionalProperties")
    preserve = schema.get("x-kubernetes-preserve-unknown-fields") is True
    embedded = schema.get("x-kubernetes-embedded-resource") is True
    closed = bool(known) or extra is False
    for raw_key, item in value.items():
        key = str(raw_key)
        sub = known.get(key)
        if isinstance(sub, Mapping):
            yield from check_value(item, sub, (*path, key), bundle=bundle)
        elif isinstance(extra, Mapping):
            yield from check_value(item, extra, (*path, key), bundle=bundle)
        elif closed and not preserve and extra is not True:
            if embedded and key in EMBEDDED_FIELDS:
                continue
            yield _unknown_field(path, key, known)


def _unknown_field(path: FieldPath, key: str, known: Mapping[str, object]) -> SchemaIssue:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f'did you mean "{close[0]}"?' if close else None
    if hint is None and known:
        names = sorted(known)
        shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        hint = f"known fields here: {shown}"
    return SchemaIssue(UNKNOWN_FIELD, (*path, key), f'unknown field "{key}"', hint)


def _dereference(schema: Schema, bundle: SchemaBundle) -> Schema:
    hops = 0
    while isinstance(schema.get("$ref"), str) and hops < _MAX_REF_HOPS:
        target = bundle.resolve(str(schema["$ref"]))
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **rest} if rest else target
        hops += 1
    return schema


def _matches(value: object, schema: Schema, path: FieldPath, bundle: SchemaBundle) -> bool:
    return next(iter(check_value(value, schema, path, bundle=bundle)), None) is None


def _describe(schema: Schema, bundle: SchemaBundle) -> str:
    kind = _dereference(schema, bundle).get("type")
    return _article(kind) if isinstance(kind, str) else "the allowed schema"


def _article(type_name: str) -> str:
    return f"an {type_name}" if type_name[:1] in "aeiou" else f"a {type_name}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _has_type(value: object, expected: str) -> bool:
    if expected == "object":
        return isinstance(value, Mapping)
    if expected == "array":
        return isinstance(value, list)
    if expected == "string":
        return isinstance(value, str)
    if expected == "integer":
        return _is_int(value) or (isinstance(value, float) and value.is_integer())
    if expected == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected == "boolean":
        return isinstance(value, bool)
    return True


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _type_issue(path: FieldPath, expected: str, value: object) -> SchemaIssue:
    shown = repr(value) if isinstance(value, str | int | float) else _type_name(value)
    return SchemaIssue(INVALID, path, f"expected {expected}, got {_type_name(value)} ({shown})")


def _as_list(value: object) -> Sequence[object]:
    return value if isinstance(value, list) else ()
