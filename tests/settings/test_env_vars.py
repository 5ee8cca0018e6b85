import pytest

from dorgu.errors import ConfigError
from dorgu.settings import ConfigText, build_settings
from dorgu.settings.environment import documented_variables, env_variables, read_environment


def test_canonical_names_use_double_underscores_between_levels():
    table = env_variables()
    assert table["DORGU_SCALING__MAX_REPLICAS"] == ("scaling", "max_replicas")
    assert table["DORGU_LLM__API_KEYS__OPENAI"] == ("llm", "api_keys", "openai")
    assert table["DORGU_NAMESPACE"] == ("namespace",)


def test_single_underscore_forms_and_short_aliases_are_accepted():
    table = env_variables()
    assert table["DORGU_LLM_PROVIDER"] == ("llm", "provider")
    assert table["DORGU_SCALING_MAX_REPLICAS"] == ("scaling", "max_replicas")
    assert table["DORGU_REGISTRY"] == ("image", "registry")
    assert table["DORGU_TEAM"] == ("app", "team")


def test_canonical_beats_alias_and_dorgu_beats_provider_variables():
    found = read_environment(
        {
            "DORGU_LLM_PROVIDER": "gemini",
            "DORGU_LLM__PROVIDER": "anthropic",
            "OPENAI_API_KEY": "sk-provider-000000000000",
            "DORGU_LLM__API_KEYS__OPENAI": "sk-dorgu-1111111111111",
        }
    )
    assert found.values[("llm", "provider")] == "anthropic"
    assert found.values[("llm", "api_keys", "openai")] == "sk-dorgu-1111111111111"
    assert found.variables[("llm", "api_keys", "openai")] == "DORGU_LLM__API_KEYS__OPENAI"
    resolved = build_settings(
        environ={
            "OPENAI_API_KEY": "sk-provider-000000000000",
            "DORGU_LLM__API_KEYS__OPENAI": "sk-dorgu-1111111111111",
        }
    )
    assert resolved.settings.llm.api_keys.openai.get_secret_value() == "sk-dorgu-1111111111111"


def test_provider_key_variables_rank_below_the_global_file():
    text = "version: 1\nllm:\n  api_keys:\n    openai: sk-file-22222222222222\n"
    resolved = build_settings(
        global_=ConfigText("config.yaml", text),
        environ={"OPENAI_API_KEY": "sk-shell-3333333333333"},
    )
    assert resolved.settings.llm.api_keys.openai.get_secret_value() == "sk-file-22222222222222"
    assert str(resolved.origin_of(("llm", "api_keys", "openai"))) == "global config.yaml:4"
    only_env = build_settings(environ={"OPENAI_API_KEY": "sk-shell-3333333333333"})
    assert str(only_env.origin_of(("llm", "api_keys", "openai"))) == "env OPENAI_API_KEY"


def test_provider_key_variables_fill_api_keys():
    resolved = build_settings(environ={"ANTHROPIC_API_KEY": "sk-ant-abcdefghijkl", "PATH": "/bin"})
    key = resolved.settings.llm.api_keys.anthropic
    assert key is not None
    assert key.get_secret_value() == "sk-ant-abcdefghijkl"


def test_empty_values_are_unset_and_unknown_dorgu_variables_are_warned_about():
    resolved = build_settings(
        environ={"DORGU_NAMESPACE": "", "DORGU_NAMESPAC": "x", "DORGU_DEBUG": "1"}
    )
    assert resolved.settings.namespace is None
    assert resolved.warnings == (
        "ignoring unknown environment variable DORGU_NAMESPAC (did you mean DORGU_NAMESPACE?)",
    )


def test_env_values_are_coerced_and_bad_ones_name_the_variable():
    resolved = build_settings(
        environ={"DORGU_INGRESS__ENABLED": "true", "DORGU_SCALING__MIN_REPLICAS": "2"}
    )
    assert resolved.settings.ingress.enabled is True
    assert resolved.settings.scaling.min_replicas == 2
    with pytest.raises(
        ConfigError, match=r"env DORGU_SCALING__MIN_REPLICAS: scaling\.min_replicas"
    ):
        build_settings(environ={"DORGU_SCALING__MIN_REPLICAS": "two"})


def test_every_scalar_setting_has_a_documented_variable():
    rows = dict(documented_variables())
    assert rows["DORGU_HEALTH__LIVENESS__PATH"] == "health.liveness.path"
    assert len(rows) == len(set(rows))
