from pathlib import Path

from dorgu.models.config import AppConfig, DependencyEntry, GlobalConfig, WorkspaceConfig
from dorgu.settings.environment import ALIASES, PROVIDER_KEY_VARIABLES
from dorgu.settings.keys import all_keys, format_key
from dorgu.settings.naming import NAME_VARIABLES

DOC = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text(
    encoding="utf-8"
)


def test_every_config_key_is_documented():
    missing = []
    for model in (AppConfig, WorkspaceConfig, GlobalConfig):
        for path, shape in all_keys(model):
            key = format_key(path)
            if shape.kind != "model" and f"`{key}`" not in DOC and f"`{path[0]}.*`" not in DOC:
                missing.append(f"{model.__name__}: {key}")
    for name in DependencyEntry.model_fields:
        if f"`{name}`" not in DOC:
            missing.append(f"dependencies item: {name}")
    assert missing == []


def test_env_aliases_and_naming_variables_are_documented():
    for name in [*ALIASES, *PROVIDER_KEY_VARIABLES]:
        assert f"`{name}`" in DOC
    for variable in NAME_VARIABLES:
        assert f"`{{{variable}}}`" in DOC
