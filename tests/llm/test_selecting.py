"""Choosing a provider: precedence, default models, keys, OLLAMA_HOST, and 'no provider'."""

import pytest

from dorgu.llm.selecting import DEFAULT_MODELS, ollama_base_url, select_provider
from dorgu.models.config import LlmProvider, LlmSection
from dorgu.services.configuring import load_settings


def settings_for(tmp_path, *, flags=None, environ=None, app=None, global_=None):
    config_home = tmp_path / "config"
    if global_ is not None:
        (config_home / "dorgu").mkdir(parents=True, exist_ok=True)
        (config_home / "dorgu" / "config.yaml").write_text(global_)
    app_dir = tmp_path / "app"
    app_dir.mkdir(exist_ok=True)
    if app is not None:
        (app_dir / ".dorgu.yaml").write_text(app)
    env = {"XDG_CONFIG_HOME": str(config_home), "HOME": str(tmp_path), **(environ or {})}
    resolved = load_settings(app_dir, flags=flags or {}, environ=env, stop_at=tmp_path)
    return resolved.settings.llm, env


def test_no_provider_means_no_client_and_no_warning(tmp_path):
    llm, env = settings_for(tmp_path, environ={"OPENAI_API_KEY": "sk-present-but-not-chosen"})
    selection = select_provider(llm, environ=env)
    assert selection.config is None
    assert selection.warning is None


def test_no_llm_wins_over_everything(tmp_path):
    llm, env = settings_for(
        tmp_path, flags={"llm.provider": "openai"}, environ={"OPENAI_API_KEY": "k"}
    )
    assert select_provider(llm, environ=env, enabled=False).config is None


def test_missing_key_gives_one_warning_and_no_client(tmp_path):
    llm, env = settings_for(tmp_path, flags={"llm.provider": "anthropic"})
    selection = select_provider(llm, environ=env)
    assert selection.config is None
    assert "ANTHROPIC_API_KEY" in selection.warning
    assert "\n" not in selection.warning


@pytest.mark.parametrize(
    ("provider", "variable"),
    [
        ("openai", "OPENAI_API_KEY"),
        ("anthropic", "ANTHROPIC_API_KEY"),
        ("gemini", "GEMINI_API_KEY"),
        ("gemini", "GOOGLE_API_KEY"),
    ],
)
def test_provider_keys_come_from_the_environment(tmp_path, provider, variable):
    llm, env = settings_for(
        tmp_path, flags={"llm.provider": provider}, environ={variable: "key-from-env"}
    )
    config = select_provider(llm, environ=env).config
    assert config.api_key == "key-from-env"
    assert config.model == DEFAULT_MODELS[LlmProvider(provider)]
    assert "key-from-env" not in repr(config)


def test_flag_beats_app_file_beats_global_file(tmp_path):
    global_ = "version: 1\nllm:\n  provider: gemini\n  model: gemini-from-global\n  timeout_seconds: 12\n  api_keys:\n    gemini: gk\n    openai: ok\n"
    app = "version: 1\nllm:\n  provider: openai\n  model: model-from-app\n"
    llm, env = settings_for(tmp_path, global_=global_)
    config = select_provider(llm, environ=env).config
    assert (config.provider, config.model, config.timeout_seconds) == (
        "gemini",
        "gemini-from-global",
        12,
    )
    llm, env = settings_for(tmp_path, global_=global_, app=app)
    config = select_provider(llm, environ=env).config
    assert (config.provider, config.model, config.api_key) == ("openai", "model-from-app", "ok")
    llm, env = settings_for(
        tmp_path,
        global_=global_,
        app=app,
        flags={"llm.model": "flag-model", "llm.base_url": "http://127.0.0.1:1/v1"},
    )
    config = select_provider(llm, environ=env).config
    assert (config.model, config.base_url) == ("flag-model", "http://127.0.0.1:1/v1")


def test_compatible_server_needs_no_key():
    llm = LlmSection(provider="openai", base_url="http://127.0.0.1:1234/v1")
    config = select_provider(llm, environ={}).config
    assert config is not None and config.api_key is None


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("", "http://127.0.0.1:11434"),
        ("127.0.0.1", "http://127.0.0.1:11434"),
        ("0.0.0.0", "http://127.0.0.1:11434"),
        ("0.0.0.0:11500", "http://127.0.0.1:11500"),
        ("gpu-box:8080", "http://gpu-box:8080"),
        ("http://gpu-box", "http://gpu-box:11434"),
        ("https://ollama.example.com", "https://ollama.example.com"),
        ("https://ollama.example.com/base/", "https://ollama.example.com/base"),
        ("[::1]:11434", "http://[::1]:11434"),
    ],
)
def test_ollama_host_with_or_without_scheme(value, url):
    assert ollama_base_url(value) == url


def test_ollama_host_is_the_lowest_precedence_endpoint():
    from_env = select_provider(LlmSection(provider="ollama"), environ={"OLLAMA_HOST": "box:9999"})
    assert from_env.config.base_url == "http://box:9999"
    from_setting = select_provider(
        LlmSection(provider="ollama", base_url="other:1"), environ={"OLLAMA_HOST": "box:9999"}
    )
    assert from_setting.config.base_url == "http://other:1"
    default = select_provider(LlmSection(provider="ollama"), environ={})
    assert default.config.base_url == "http://127.0.0.1:11434"
    assert default.config.model == "llama3.2"
