"""JSON Schemas for the config files, for editors (``# yaml-language-server: $schema=...``).

The same schemas ship as package data (``dorgu/schemas/<SCHEMA_FILES>``; a test keeps them in
step with the models); ``dorgu init`` points the file's first line at the packaged copy.
Must not read or write files; ``dorgu config schema`` prints the result.
"""

from __future__ import annotations

from pydantic import BaseModel

from dorgu.models.config import (
    APP_SCHEMA_FILE,
    GLOBAL_SCHEMA_FILE,
    JSON_SCHEMA_DIALECT,
    SCHEMA_ID_PREFIX,
    WORKSPACE_SCHEMA_FILE,
    AppConfig,
    GlobalConfig,
    WorkspaceConfig,
)
from dorgu.settings.layering import LayerName

SCHEMA_FILES = {
    LayerName.APP: APP_SCHEMA_FILE,
    LayerName.WORKSPACE: WORKSPACE_SCHEMA_FILE,
    LayerName.GLOBAL: GLOBAL_SCHEMA_FILE,
}
SCHEMA_FLAGS = {
    LayerName.APP: "",
    LayerName.WORKSPACE: " --workspace",
    LayerName.GLOBAL: " --global",
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
    schema: dict[str, object] = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_ID_PREFIX + SCHEMA_FILES[layer],
    }
    schema.update(body)
    schema["title"] = str(model.model_config.get("title") or model.__name__)
    schema["description"] = (model.__doc__ or "").strip()
    return schema


def schema_comment(layer: LayerName = LayerName.APP, *, location: str | None = None) -> str:
    """The first line ``dorgu init`` writes so editors validate and complete the file:
    a modeline naming ``location`` (the packaged schema file), or, when there is none, the
    command that prints the schema."""
    if location:
        return f"# yaml-language-server: $schema={location}"
    return f"# JSON Schema for editors: dorgu config schema{SCHEMA_FLAGS[layer]}"
