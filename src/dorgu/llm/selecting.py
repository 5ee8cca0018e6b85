"""Choosing the provider, model, endpoint, key, timeout and token budget from settings.

Settings are resolved by ``dorgu.settings`` (flag > ``DORGU_*`` env > app file > workspace >
global > default, the providers' own variables such as ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``
and ``OLLAMA_HOST`` included); ``OLLAMA_HOST`` is also read here, from the mapping the caller
passes, for callers whose settings did not come from the environment.  A provider is used only when one is chosen explicitly: a key lying in the
environment never turns the enhancer on.  No provider, or no key for it, means no client and
no network attempt.  Must not read ``os.environ``, import httpx at module level, or log keys.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from dorgu.llm.base import LlmClient, ProviderConfig
from dorgu.llm.retrying import Requester, RetryPolicy
from dorgu.llm.sending import Transport
from dorgu.models.config import LlmProvider, LlmSection

DEFAULT_MODELS: dict[LlmProvider, str] = {
    LlmProvider.OPENAI: "gpt-5-mini",
    LlmProvider.ANTHROPIC: "claude-sonnet-4-5",
    LlmProvider.GEMINI: "gemini-2.5-flash",
    LlmProvider.OLLAMA: "llama3.2",
}
DEFAULT_BASE_URLS: dict[LlmProvider, str] = {
    LlmProvider.OPENAI: "https://api.openai.com/v1",
    LlmProvider.ANTHROPIC: "https://api.anthropic.com",
    LlmProvider.GEMINI: "https://generativelanguage.googleapis.com/v1beta",
    LlmProvider.OLLAMA: "http://127.0.0.1:11434",
}
KEY_SOURCES: dict[LlmProvider, str] = {
    LlmProvider.OPENAI: "OPENAI_API_KEY or llm.api_keys.openai",
    LlmProvider.ANTHROPIC: "ANTHROPIC_API_KEY or llm.api_keys.anthropic",
    LlmProvider.GEMINI: "GEMINI_API_KEY/GOOGLE_API_KEY or llm.api_keys.gemini",
}
_CLIENTS: dict[LlmProvider, tuple[str, str]] = {
    LlmProvider.OPENAI: ("dorgu.llm.providers.openai", "OpenAiClient"),
    LlmProvider.ANTHROPIC: ("dorgu.llm.providers.anthropic", "AnthropicClient"),
    LlmProvider.GEMINI: ("dorgu.llm.providers.gemini", "GeminiClient"),
    LlmProvider.OLLAMA: ("dorgu.llm.providers.ollama", "OllamaClient"),
}
OLLAMA_PORT = 11434


@dataclass(frozen=True)
class Selection:
    """The provider to use (``config``), or why there is none; ``warning`` is one line for the
    user when a provider was chosen but cannot be used."""

    config: ProviderConfig | None
    reason: str
    warning: str | None = None


def ollama_base_url(value: str) -> str:
    """``OLLAMA_HOST`` as a URL: scheme optional, port 11434 by default, 0.0.0.0 -> 127.0.0.1."""
    text = value.strip().rstrip("/")
    if not text:
        return DEFAULT_BASE_URLS[LlmProvider.OLLAMA]
    if "://" not in text:
        text = f"http://{text}"
    parts = urlsplit(text)
    host = parts.hostname or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    port = parts.port or (OLLAMA_PORT if parts.scheme == "http" else None)
    netloc = f"{shown}:{port}" if port else shown
    return f"{parts.scheme}://{netloc}{parts.path}"


def _api_key(llm: LlmSection, provider: LlmProvider) -> str | None:
    secret = getattr(llm.api_keys, provider.value, None)
    value = secret.get_secret_value() if secret is not None else None
    return value or None


def select_provider(
    llm: LlmSection, *, environ: Mapping[str, str], enabled: bool = True
) -> Selection:
    """The provider configuration for ``llm`` settings, or why there is none."""
    provider = llm.provider
    if not enabled:
        return Selection(None, "disabled (--no-llm)")
    if provider is LlmProvider.NONE:
        return Selection(None, "no LLM provider configured")
    base_url = llm.base_url
    if base_url is None and provider is LlmProvider.OLLAMA and environ.get("OLLAMA_HOST"):
        base_url = ollama_base_url(environ["OLLAMA_HOST"])
    elif base_url is not None and provider is LlmProvider.OLLAMA:
        base_url = ollama_base_url(base_url)
    key = _api_key(llm, provider)
    if provider in KEY_SOURCES and key is None and llm.base_url is None:
        return Selection(
            None,
            f"no API key for {provider.value}",
            warning=f"llm.provider is {provider.value} but no API key is set "
            f"({KEY_SOURCES[provider]}); using the rule-based result only",
        )
    config = ProviderConfig(
        provider=provider.value,
        model=llm.model or DEFAULT_MODELS[provider],
        base_url=base_url or DEFAULT_BASE_URLS[provider],
        timeout_seconds=llm.timeout_seconds,
        max_tokens=llm.max_tokens,
        api_key=key,
    )
    return Selection(config, f"{provider.value} ({config.model})")


def make_transport(config: ProviderConfig) -> Transport:
    """The real HTTP transport (imports httpx now); close it when done."""
    from dorgu.llm.sending import HttpxTransport

    return HttpxTransport(timeout=config.timeout_seconds)


def build_client(
    config: ProviderConfig,
    *,
    transport: Transport | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] | None = None,
) -> LlmClient:
    """The adapter for ``config.provider`` over ``transport`` (default: httpx, lazily)."""
    if transport is None:
        transport = make_transport(config)
    requester = Requester(transport=transport, policy=policy or RetryPolicy())
    if sleep is not None:
        requester.sleep = sleep
    module_name, attr = _CLIENTS[LlmProvider(config.provider)]
    factory = getattr(importlib.import_module(module_name), attr)
    client: LlmClient = factory(config, requester=requester)
    return client
