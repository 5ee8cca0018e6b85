"""JSON Schemas for the config files, for editors (``# yaml-language-server: $schema=...``).

Must not write files; ``dorgu config schema`` prints the result.
"""

from __future__ import annotations

from pydantic import BaseModel

from dorgu.models.config import (
    APP_SCHEMA_URL,
    GLOBAL_SCHEMA_URL,
    JSON_SCHEMA_DIALECT,
    WORKSPACE_SCHEMA_URL,
    AppConfig,
    GlobalConfig,
    WorkspaceConfig,
)
from dorgu.settings.layering import LayerName

SCHEMA_URLS = {
    LayerName.APP: APP_SCHEMA_URL,
    LayerName.WORKSPACE: WORKSPACE_SCHEMA_URL,
    LayerName.GLOBAL: GLOBAL_SCHEMA_URL,
}
_MODELS: dict[LayerName, type[BaseModel]] = {
    LayerName.APP: AppConfig,
    LayerName.WORKSPACE: WorkspaceConfig,
    LayerName.GLOBAL: GlobalConfig,
}


def config_schema(layer: LayerName = LayerName.APP) -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of ``layer``'s file, with ``$schema``, ``$id``, title."""
    model = _MODELS[layer]
    body = model.model_json_schema(mode="validation")
    schema: dict[str, object] = {"$schema": JSON_SCHEMA_DIALECT, "$id": SCHEMA_URLS[layer]}
    schema.update(body)
    schema["title"] = str(model.model_config.get("title") or model.__name__)
    schema["description"] = (model.__doc__ or "").strip()
    return schema


def schema_comment(layer: LayerName = LayerName.APP) -> str:
    """The first line ``dorgu init`` writes so editors validate and complete the file."""
    return f"# yaml-language-server: $schema={SCHEMA_URLS[layer]}"
