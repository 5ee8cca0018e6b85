"""JSON Schemas for structured output, generated from pydantic models, per provider dialect.

``portable_schema`` inlines ``$ref``s and marks optional values with ``x-nullable``; the dialect
functions turn that into what each API accepts: OpenAI strict mode (every property required,
no extra properties, a small keyword set), Gemini's OpenAPI subset (upper-case types,
``nullable``), and plain JSON Schema for Anthropic tools and Ollama ``format``.  Must not do
I/O; replies are still validated client-side, so dropped keywords lose nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from pydantic import BaseModel

from dorgu.llm.base import JsonObject

_NULLABLE = "x-nullable"
_OPENAI_KEYS = frozenset(
    {"type", "properties", "required", "items", "enum", "description", "anyOf"}
)
_GEMINI_KEYS = frozenset({"type", "properties", "required", "items", "enum", "description"})
_JSON_KEYS = _OPENAI_KEYS | {"minimum", "maximum", "maxLength", "minLength", "pattern"}


def portable_schema(model: type[BaseModel]) -> JsonObject:
    """``model``'s JSON Schema with references inlined and ``X | None`` as ``x-nullable``."""
    raw = model.model_json_schema()
    defs = raw.get("$defs", {})
    assert isinstance(defs, dict)
    result = _inline(raw, defs)
    assert isinstance(result, dict)
    return result


def _inline(node: object, defs: Mapping[str, object]) -> object:
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        merged = {
            **_as_dict(defs[ref.rsplit("/", 1)[-1]]),
            **{k: v for k, v in node.items() if k != "$ref"},
        }
        return _inline(merged, defs)
    any_of = node.get("anyOf")
    if isinstance(any_of, list):
        options = [o for o in any_of if not (isinstance(o, dict) and o.get("type") == "null")]
        if len(options) == 1 and len(options) < len(any_of):
            rest = {k: v for k, v in node.items() if k not in ("anyOf", "default")}
            inner = _as_dict(_inline(options[0], defs))
            return {**inner, **rest, _NULLABLE: True}
    return {k: _inline(v, defs) for k, v in node.items() if k not in ("$defs", "title", "default")}


def _as_dict(node: object) -> dict[str, object]:
    assert isinstance(node, dict)
    return node


def _properties(node: Mapping[str, object]) -> dict[str, object]:
    props = node.get("properties")
    return dict(props) if isinstance(props, dict) else {}


def openai_schema(schema: Mapping[str, object]) -> JsonObject:
    """OpenAI ``strict`` structured outputs: all properties required, nulls via ``anyOf``."""
    out: JsonObject = {k: v for k, v in schema.items() if k in _OPENAI_KEYS}
    if "properties" in schema:
        props = {k: openai_schema(_as_dict(v)) for k, v in _properties(schema).items()}
        out.update(properties=props, required=list(props), additionalProperties=False)
    if isinstance(schema.get("items"), dict):
        out["items"] = openai_schema(_as_dict(schema["items"]))
    if schema.get(_NULLABLE):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def json_schema(schema: Mapping[str, object]) -> JsonObject:
    """Standard JSON Schema (Anthropic ``input_schema``, Ollama ``format``)."""
    out: JsonObject = {k: v for k, v in schema.items() if k in _JSON_KEYS}
    if "properties" in schema:
        props = {k: json_schema(_as_dict(v)) for k, v in _properties(schema).items()}
        out.update(properties=props, required=list(props), additionalProperties=False)
    if isinstance(schema.get("items"), dict):
        out["items"] = json_schema(_as_dict(schema["items"]))
    if schema.get(_NULLABLE):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def gemini_schema(schema: Mapping[str, object]) -> JsonObject:
    """Gemini ``responseSchema`` (OpenAPI 3.0 subset): upper-case types, ``nullable``."""
    out: JsonObject = {k: v for k, v in schema.items() if k in _GEMINI_KEYS}
    if isinstance(out.get("type"), str):
        out["type"] = str(out["type"]).upper()
    if "properties" in schema:
        props = _properties(schema)
        out["properties"] = {k: gemini_schema(_as_dict(v)) for k, v in props.items()}
        out["required"] = [k for k, v in props.items() if not _as_dict(v).get(_NULLABLE)]
        out["propertyOrdering"] = list(props)
    if isinstance(schema.get("items"), dict):
        out["items"] = gemini_schema(_as_dict(schema["items"]))
    if schema.get(_NULLABLE):
        out["nullable"] = True
    return out


def schema_digest(schema: Mapping[str, object]) -> str:
    """A short stable hash of a schema (part of the cache key)."""
    text = json.dumps(schema, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
