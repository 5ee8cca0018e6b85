"""The Kubernetes structural-schema rules: our CRDs follow them, and the checker catches
every kind of violation."""

import pytest

from dorgu.crds import CRDS, crd_schema, structural_violations


@pytest.mark.parametrize("build", CRDS, ids=[b.__name__ for b in CRDS])
def test_generated_crds_are_structural(build):
    assert structural_violations(crd_schema(build())) == []


def _walk(node, found):
    if isinstance(node, dict):
        found.update(node)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)
    return found


@pytest.mark.parametrize("build", CRDS, ids=[b.__name__ for b in CRDS])
def test_generated_crds_use_no_unsupported_keywords(build):
    keys = _walk(crd_schema(build()), {})
    for forbidden in ("$ref", "$defs", "const", "title", "allOf", "oneOf", "uniqueItems"):
        assert forbidden not in keys
    assert "x-kubernetes-preserve-unknown-fields" not in keys  # nothing needs it yet


def _object(**properties):
    return {"type": "object", "properties": properties}


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (_object(a={"description": "no type"}), ".a: no type"),
        ({"type": "object", "properties": {"a": {"$ref": "#/x"}}}, "$ref is not allowed"),
        (
            {"type": "object", "properties": {}, "additionalProperties": {"type": "string"}},
            "exclusive",
        ),
        ({"type": "object", "additionalProperties": False}, "must not be false"),
        (_object(a={"type": "array", "items": {"type": "string"}, "uniqueItems": True}), "unique"),
        (_object(a={"type": "array", "items": [{"type": "string"}]}), "single schema"),
        (_object(a={"type": "array"}), "array without items"),
        (_object(a={"type": "thing"}), "unknown type"),
        (
            _object(a={"x-kubernetes-int-or-string": True, "type": "string"}),
            "must not set type",
        ),
        (_object(a={"type": "string", "anyOf": [{"type": "string"}]}), "type is not allowed"),
        (
            _object(a={"type": "object", "anyOf": [{"properties": {"b": {}}}]}),
            "'b' is not specified outside",
        ),
        (_object(a={"type": "string", "x-kubernetes-preserve-unknown-fields": False}), "true"),
        (
            _object(
                a={
                    "type": "array",
                    "items": _object(k={"type": "string"}),
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["k"],
                }
            ),
            "required or defaulted",
        ),
        (
            _object(
                a={
                    "type": "array",
                    "items": {"type": "string"},
                    "x-kubernetes-list-map-keys": ["k"],
                }
            ),
            "needs x-kubernetes-list-type: map",
        ),
        (_object(a={"type": "integer", "minimum": 1, "default": 0}), "default 0 is invalid"),
        (
            _object(metadata={"type": "object", "properties": {"labels": {"type": "object"}}}),
            "metadata",
        ),
    ],
)
def test_checker_reports_each_rule(schema, message):
    problems = structural_violations(schema)
    assert any(message in p for p in problems), problems


def test_int_or_string_pattern_is_structural():
    node = {
        "x-kubernetes-int-or-string": True,
        "anyOf": [{"type": "integer"}, {"type": "string"}],
        "pattern": "^[0-9]+%?$",
    }
    assert structural_violations(_object(a=node)) == []


def test_root_needs_a_type():
    assert structural_violations({"properties": {}}) == ["<root>: no type"]
