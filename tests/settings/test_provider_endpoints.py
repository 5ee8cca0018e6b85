"""The providers' own endpoint variables (OPENAI_BASE_URL, ANTHROPIC_BASE_URL, OLLAMA_HOST) set
``llm.base_url`` for their provider only, below every other layer, with their origin shown."""

from __future__ import annotations

import pytest

from dorgu.llm.selecting import select_provider
from dorgu.settings.building import ConfigText, build_settings

BASE_URL = ("llm", "base_url")


@pytest.mark.parametrize(
    ("provider", "variable", "value"),
    [
        ("openai", "OPENAI_BASE_URL", "http://127.0.0.1:8000/v1"),
        ("anthropic", "ANTHROPIC_BASE_URL", "https://proxy.example.com"),
        ("ollama", "OLLAMA_HOST", "gpu-box:11500"),
    ],
)
def test_the_chosen_providers_variable_sets_the_endpoint(
    provider: str, variable: str, value: str
) -> None:
    resolved = build_settings(environ={variable: value}, flags={"llm.provider": provider})
    assert resolved.settings.llm.base_url == value
    assert str(resolved.origin_of(BASE_URL)) == f"env {variable}"


@pytest.mark.parametrize("provider", ["anthropic", "gemini", "ollama", "none"])
def test_another_providers_variable_is_ignored(provider: str) -> None:
    resolved = build_settings(
        environ={"OPENAI_BASE_URL": "http://127.0.0.1:8000/v1"}, flags={"llm.provider": provider}
    )
    assert resolved.settings.llm.base_url is None
    assert str(resolved.origin_of(BASE_URL)) == "default"


def test_the_provider_may_come_from_any_layer() -> None:
    app = ConfigText(".dorgu.yaml", "llm:\n  provider: anthropic\n")
    resolved = build_settings(
        app=app,
        environ={"ANTHROPIC_BASE_URL": "https://a.example", "OPENAI_BASE_URL": "https://o.example"},
    )
    assert resolved.settings.llm.base_url == "https://a.example"
    from_env = build_settings(
        environ={"DORGU_LLM__PROVIDER": "openai", "OPENAI_BASE_URL": "https://o.example"}
    )
    assert from_env.settings.llm.base_url == "https://o.example"
    flag_wins = build_settings(
        app=app, environ={"OPENAI_BASE_URL": "https://o.example"}, flags={"llm.provider": "openai"}
    )
    assert flag_wins.settings.llm.base_url == "https://o.example"


def test_every_other_layer_beats_the_variable() -> None:
    environ = {"OPENAI_BASE_URL": "https://shell.example/v1", "DORGU_LLM__PROVIDER": "openai"}
    global_ = ConfigText("config.yaml", "version: 1\nllm:\n  base_url: https://global.example\n")
    assert build_settings(global_=global_, environ=environ).settings.llm.base_url == (
        "https://global.example"
    )
    dorgu_env = {**environ, "DORGU_LLM__BASE_URL": "https://dorgu.example"}
    assert build_settings(environ=dorgu_env).settings.llm.base_url == "https://dorgu.example"
    flagged = build_settings(environ=environ, flags={"llm.base_url": "https://flag.example"})
    assert flagged.settings.llm.base_url == "https://flag.example"
    assert str(flagged.origin_of(BASE_URL)) == "flag llm.base_url"


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_variable_is_unset(value: str) -> None:
    resolved = build_settings(environ={"OPENAI_BASE_URL": value}, flags={"llm.provider": "openai"})
    assert resolved.settings.llm.base_url is None


def test_the_selected_provider_uses_the_endpoint() -> None:
    resolved = build_settings(
        environ={"OPENAI_BASE_URL": "http://127.0.0.1:8000/v1"}, flags={"llm.provider": "openai"}
    )
    selection = select_provider(resolved.settings.llm, environ={})
    assert selection.config is not None  # a compatible server: the key is optional
    assert selection.config.base_url == "http://127.0.0.1:8000/v1"
    ollama = build_settings(
        environ={"OLLAMA_HOST": "0.0.0.0:11500"}, flags={"llm.provider": "ollama"}
    )
    chosen = select_provider(ollama.settings.llm, environ={})
    assert chosen.config is not None
    assert chosen.config.base_url == "http://127.0.0.1:11500"
