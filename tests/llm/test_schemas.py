"""Schemas generated from the pydantic models, in each provider's dialect."""

import json

from dorgu.analysis.enriching import LlmEnhancement
from dorgu.llm.enhancing import enhancement_schema, schema_id
from dorgu.llm.schemas import gemini_schema, json_schema, openai_schema


def walk(node):
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_portable_schema_has_no_refs_and_covers_every_model_field():
    schema = enhancement_schema()
    text = json.dumps(schema)
    assert "$ref" not in text and "$defs" not in text
    assert set(schema["properties"]) == set(LlmEnhancement.model_fields)
    component = schema["properties"]["components"]["items"]
    assert {
        "type",
        "description",
        "dependencies",
        "probes",
        "resource_profile",
        "api_summary",
        "risks",
    } <= set(component["properties"])
    assert component["properties"]["type"]["properties"]["value"]["enum"] == [
        "api",
        "web",
        "worker",
        "cron",
        "daemon",
    ]


def test_openai_schema_is_strict_mode_compatible():
    schema = openai_schema(enhancement_schema())
    for node in walk(schema):
        if isinstance(node, dict) and "properties" in node:
            assert node["additionalProperties"] is False
            assert node["required"] == list(node["properties"])
        if isinstance(node, dict):
            assert not {
                "title",
                "default",
                "x-nullable",
                "$ref",
                "minimum",
                "maxLength",
                "pattern",
            } & set(node)


def test_gemini_schema_is_the_openapi_subset():
    schema = gemini_schema(enhancement_schema())
    assert schema["type"] == "OBJECT"
    for node in walk(schema):
        if isinstance(node, dict) and isinstance(node.get("type"), str):
            assert node["type"] in {"OBJECT", "ARRAY", "STRING", "NUMBER", "INTEGER", "BOOLEAN"}
            assert "additionalProperties" not in node and "anyOf" not in node
    summary = schema["properties"]["summary"]
    assert summary["nullable"] is True
    assert "summary" not in schema["required"]


def test_json_schema_keeps_constraints_for_tools_and_ollama():
    schema = json_schema(enhancement_schema())
    probe = schema["properties"]["components"]["items"]["properties"]["probes"]["items"]
    assert probe["properties"]["path"]["pattern"] == "^/"
    assert probe["properties"]["kind"]["enum"] == ["liveness", "readiness", "startup"]


def test_schema_id_changes_with_the_schema():
    assert schema_id().startswith("dorgu_app_enhancement/v1/")
