"""Validating and defaulting data against a structural schema, offline, the way the API server
does for custom resources (without CEL: ``x-kubernetes-validations`` are not evaluated).

``validate_instance(data, schema, strict=...)``: every violation with its path.  ``strict``
also reports what the API server would silently drop: unknown fields (pruning) and ``null``
in non-nullable fields, as ``kubectl --validate=strict`` does.
``apply_defaults(data, schema)``: a copy with the schema's defaults filled in (recursively,
``null`` in non-nullable fields defaulted too), as the API server stores it.

Must not do I/O or import ``dorgu.generation``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import datetime

from dorgu.models.personas_base import JsonValue

Schema = dict[str, JsonValue]


@dataclass(frozen=True)
class SchemaError:
    """One violation: ``path`` like ``.spec.scaling.minReplicas`` (``""``: the root)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '<root>'}: {self.message}"


def crd_schema(crd: dict[str, JsonValue]) -> Schema:
    """The ``openAPIV3Schema`` of the storage version of ``crd``."""
    spec = crd["spec"]
    assert isinstance(spec, dict)
    versions = spec["versions"]
    assert isinstance(versions, list)
    for version in versions:
        assert isinstance(version, dict)
        if version.get("storage"):
            schema = version["schema"]
            assert isinstance(schema, dict)
            found = schema["openAPIV3Schema"]
            assert isinstance(found, dict)
            return found
    raise ValueError("the CRD has no storage version")


def validate_instance(
    data: JsonValue, schema: Schema, *, strict: bool = False
) -> list[SchemaError]:
    errors: list[SchemaError] = []
    _validate(data, schema, "", errors, strict=strict)
    return errors


def apply_defaults(data: JsonValue, schema: Schema) -> JsonValue:
    result = copy.deepcopy(data)
    _default(result, schema)
    return result


def _default(value: JsonValue, schema: Schema) -> None:
    properties = schema.get("properties")
    if isinstance(value, dict) and isinstance(properties, dict):
        for name, prop in properties.items():
            if not isinstance(prop, dict) or "default" not in prop:
                continue
            if name not in value or (value[name] is None and not prop.get("nullable")):
                value[name] = copy.deepcopy(prop["default"])
        for name, item in value.items():
            prop = properties.get(name)
            if isinstance(prop, dict):
                _default(item, prop)
    extra = schema.get("additionalProperties")
    if isinstance(value, dict) and isinstance(extra, dict):
        for item in value.values():
            _default(item, extra)
    items = schema.get("items")
    if isinstance(value, list) and isinstance(items, dict):
        for item in value:
            _default(item, items)


def _type_ok(value: JsonValue, kind: JsonValue) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return True


def _validate(
    value: JsonValue, schema: Schema, path: str, errors: list[SchemaError], *, strict: bool
) -> None:
    if value is None:
        if strict and not schema.get("nullable"):
            errors.append(SchemaError(path, "null is not allowed (it would be dropped)"))
        return
    if schema.get("x-kubernetes-int-or-string") is True:
        if not (isinstance(value, str) or _type_ok(value, "integer")):
            errors.append(SchemaError(path, f"must be an integer or a string, not {value!r}"))
            return
    elif "type" in schema and not _type_ok(value, schema["type"]):
        errors.append(SchemaError(path, f"must be of type {schema['type']}, not {value!r}"))
        return
    _check_value(value, schema, path, errors)
    branches = schema.get("anyOf")
    if (
        isinstance(branches, list)
        and schema.get("x-kubernetes-int-or-string") is not True
        and not any(not validate_instance(value, b) for b in branches if isinstance(b, dict))
    ):
        errors.append(SchemaError(path, "matches none of the allowed shapes"))
    if isinstance(value, dict):
        _validate_object(value, schema, path, errors, strict=strict)
    elif isinstance(value, list):
        _validate_array(value, schema, path, errors, strict=strict)


def _check_value(value: JsonValue, schema: Schema, path: str, errors: list[SchemaError]) -> None:
    enum = schema.get("enum")
    if isinstance(enum, list) and value not in enum:
        errors.append(SchemaError(path, f"{value!r} is not one of {enum}"))
    if isinstance(value, str):
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and not re.search(pattern, value):
            errors.append(SchemaError(path, f"{value!r} does not match {pattern}"))
        low, high = schema.get("minLength"), schema.get("maxLength")
        if isinstance(low, int) and len(value) < low:
            errors.append(SchemaError(path, f"shorter than {low} characters"))
        if isinstance(high, int) and len(value) > high:
            errors.append(SchemaError(path, f"longer than {high} characters"))
        if schema.get("format") == "date-time" and not _is_datetime(value):
            errors.append(SchemaError(path, f"{value!r} is not an RFC 3339 date-time"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        _check_number(value, schema, path, errors)


def _check_number(value: float, schema: Schema, path: str, errors: list[SchemaError]) -> None:
    low, high = schema.get("minimum"), schema.get("maximum")
    below = isinstance(low, int | float) and (
        value < low or (schema.get("exclusiveMinimum") is True and value == low)
    )
    above = isinstance(high, int | float) and (
        value > high or (schema.get("exclusiveMaximum") is True and value == high)
    )
    if below:
        errors.append(SchemaError(path, f"{value} is below the minimum {low}"))
    if above:
        errors.append(SchemaError(path, f"{value} is above the maximum {high}"))
    step = schema.get("multipleOf")
    if isinstance(step, int | float) and step and (value / step) % 1:
        errors.append(SchemaError(path, f"{value} is not a multiple of {step}"))


def _is_datetime(text: str) -> bool:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return "T" in text.upper() and parsed.tzinfo is not None


def _validate_object(
    value: dict[str, JsonValue],
    schema: Schema,
    path: str,
    errors: list[SchemaError],
    *,
    strict: bool,
) -> None:
    required = schema.get("required")
    for name in required if isinstance(required, list) else []:
        if isinstance(name, str) and value.get(name) is None:
            errors.append(SchemaError(f"{path}.{name}", "is required"))
    properties = schema.get("properties")
    extra = schema.get("additionalProperties")
    preserve = schema.get("x-kubernetes-preserve-unknown-fields") is True
    for name, item in value.items():
        sub = properties.get(name) if isinstance(properties, dict) else None
        if path == "" and name == "metadata":
            continue  # ObjectMeta: validated by the API server itself, never pruned
        if isinstance(sub, dict):
            _validate(item, sub, f"{path}.{name}", errors, strict=strict)
        elif isinstance(extra, dict):
            _validate(item, extra, f"{path}.{name}", errors, strict=strict)
        elif strict and not preserve and extra is not True:
            errors.append(SchemaError(f"{path}.{name}", "unknown field (it would be dropped)"))
    low, high = schema.get("minProperties"), schema.get("maxProperties")
    if isinstance(low, int) and len(value) < low:
        errors.append(SchemaError(path, f"fewer than {low} properties"))
    if isinstance(high, int) and len(value) > high:
        errors.append(SchemaError(path, f"more than {high} properties"))


def _validate_array(
    value: list[JsonValue], schema: Schema, path: str, errors: list[SchemaError], *, strict: bool
) -> None:
    low, high = schema.get("minItems"), schema.get("maxItems")
    if isinstance(low, int) and len(value) < low:
        errors.append(SchemaError(path, f"fewer than {low} items"))
    if isinstance(high, int) and len(value) > high:
        errors.append(SchemaError(path, f"more than {high} items"))
    items = schema.get("items")
    if isinstance(items, dict):
        for index, item in enumerate(value):
            _validate(item, items, f"{path}[{index}]", errors, strict=strict)
    list_type = schema.get("x-kubernetes-list-type")
    keys = schema.get("x-kubernetes-list-map-keys")
    if list_type == "map" and isinstance(keys, list):
        seen: set[str] = set()
        for index, item in enumerate(value):
            if isinstance(item, dict):
                key = repr([item.get(k) for k in keys if isinstance(k, str)])
                if key in seen:
                    errors.append(SchemaError(f"{path}[{index}]", f"duplicate entry {key}"))
                seen.add(key)
    elif list_type == "set":
        seen_items: list[JsonValue] = []
        for index, item in enumerate(value):
            if item in seen_items:
                errors.append(SchemaError(f"{path}[{index}]", f"duplicate entry {item!r}"))
            seen_items.append(item)
