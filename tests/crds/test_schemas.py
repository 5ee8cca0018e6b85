"""Pydantic JSON Schema -> structural schema conversion."""

from typing import Literal

import pytest
from pydantic import BaseModel, Field

from dorgu.crds import SchemaConversionError, structural_schema, structural_violations
from dorgu.models.kubesyntax import Quantity


class Inner(BaseModel):
    """Inner docs."""

    size: int = Field(3, gt=0, description="How big.")


class Sample(BaseModel):
    name: str
    inner: Inner | None = Field(None, description="An inner object.")
    items: list[Inner] = Field(default_factory=list)
    amount: Quantity | None = None
    surge: int | str = "25%"
    kind: Literal["fixed"] = "fixed"
    labels: dict[str, str] = Field(default_factory=dict)


def test_references_are_inlined_and_field_descriptions_win():
    schema = structural_schema(Sample)
    inner = schema["properties"]["inner"]  # type: ignore[index]
    assert inner["type"] == "object"
    assert inner["description"] == "An inner object."
    assert inner["properties"]["size"]["default"] == 3
    assert schema["properties"]["items"]["items"]["type"] == "object"  # type: ignore[index]
    assert "$defs" not in schema


def test_optional_fields_drop_null_and_are_not_nullable():
    inner = structural_schema(Sample)["properties"]["inner"]  # type: ignore[index]
    assert "nullable" not in inner and "anyOf" not in inner and "default" not in inner


def test_exclusive_bounds_become_openapi_3_0_flags():
    size = structural_schema(Inner)["properties"]["size"]  # type: ignore[index]
    assert size["minimum"] == 0 and size["exclusiveMinimum"] is True


def test_string_number_unions_become_int_or_string():
    properties = structural_schema(Sample)["properties"]
    amount = properties["amount"]  # type: ignore[index]
    assert amount["x-kubernetes-int-or-string"] is True
    assert amount["anyOf"] == [{"type": "integer"}, {"type": "string"}]
    assert amount["pattern"].startswith("^")
    assert properties["surge"]["default"] == "25%"  # type: ignore[index]


def test_const_becomes_enum_and_titles_go():
    schema = structural_schema(Sample)
    assert schema["properties"]["kind"]["enum"] == ["fixed"]  # type: ignore[index]
    assert "title" not in schema["properties"]["name"]  # type: ignore[index]


def test_maps_keep_their_value_schema():
    labels = structural_schema(Sample)["properties"]["labels"]  # type: ignore[index]
    assert labels == {"type": "object", "additionalProperties": {"type": "string"}}


def test_result_is_structural():
    assert structural_violations(structural_schema(Sample)) == []


class Mixed(BaseModel):
    value: int | list[int]


class Tuple(BaseModel):
    pair: tuple[int, str]


@pytest.mark.parametrize("model", [Mixed, Tuple])
def test_shapes_without_a_structural_form_are_refused(model):
    with pytest.raises(SchemaConversionError):
        structural_schema(model)
