import json

from dorgu.models.config import AppConfig, EffectiveSettings, GlobalConfig, WorkspaceConfig
from dorgu.settings import LayerName, display_value, mask_secret
from dorgu.settings.keys import all_keys, model_at
from dorgu.settings.schemas import config_schema, schema_comment


def test_app_schema_has_id_title_and_a_description_for_every_property():
    schema = config_schema(LayerName.APP)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert str(schema["$id"]).endswith("dorgu-app.schema.json")
    assert schema["title"] == "dorgu app configuration (.dorgu.yaml)"
    assert schema["additionalProperties"] is False
    json.dumps(schema)
    assert schema_comment(location="/x/dorgu-app.schema.json") == (
        "# yaml-language-server: $schema=/x/dorgu-app.schema.json"
    )
    assert (
        schema_comment(LayerName.GLOBAL)
        == "# JSON Schema for editors: dorgu config schema --global"
    )


def test_every_field_of_every_config_model_is_documented():
    for model in (AppConfig, WorkspaceConfig, GlobalConfig, EffectiveSettings):
        for path, _shape in all_keys(model):
            owner = model_at(model, path[:-1])
            assert owner is not None
            field = owner.model_fields[path[-1]]
            assert field.description, f"{model.__name__}: {'.'.join(path)} has no description"


def test_label_keys_are_constrained_in_the_schema():
    labels = config_schema(LayerName.WORKSPACE)["properties"]["labels"]  # type: ignore[index]
    assert "patternProperties" in labels


def test_secrets_are_masked_to_their_last_four_characters():
    assert mask_secret("sk-abcdefghijklmnopabcd") == "****abcd"
    assert mask_secret("short") == "****"
    assert display_value(("llm", "api_keys", "openai"), "sk-0123456789abcd") == "****abcd"
    assert display_value(("llm", "api_keys"), {"openai": "sk-0123456789wxyz", "gemini": None}) == {
        "openai": "****wxyz",
        "gemini": None,
    }
