"""OpenAI Chat Completions with ``response_format: json_schema`` (strict).

Works with api.openai.com, Azure OpenAI (``https://R.openai.azure.com/openai/deployments/D``
with an optional ``?api-version=``, key in the ``api-key`` header; or just the resource URL,
the model naming the deployment) and OpenAI-compatible servers (vLLM, LM Studio, llama.cpp),
where a key is optional.  Must not send anything but the prompt, schema and limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, urlencode, urlsplit

from dorgu.errors import ProviderError
from dorgu.llm.base import JsonObject, Prompt, ProviderConfig
from dorgu.llm.providers.replies import ProviderClient, cut_off, field, json_object_from_text
from dorgu.llm.schemas import openai_schema

DEFAULT_BASE_URL = "https://api.openai.com/v1"
AZURE_API_VERSION = "2024-10-21"


def is_azure(base_url: str) -> bool:
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    return "/openai/deployments/" in parts.path or host.endswith(".openai.azure.com")


def is_official(base_url: str) -> bool:
    return (urlsplit(base_url).hostname or "") == "api.openai.com"


def endpoint(config: ProviderConfig) -> str:
    """The chat-completions URL for ``config.base_url``."""
    parts = urlsplit(config.base_url.rstrip("/"))
    path = parts.path.rstrip("/")
    root = f"{parts.scheme}://{parts.netloc}"
    if is_azure(config.base_url):
        if "/openai/deployments/" not in path:
            path = f"{path}/openai/deployments/{config.model}"
        query = parse_qs(parts.query)
        version = query.get("api-version", [AZURE_API_VERSION])[0]
        path = path.removesuffix("/chat/completions")
        return f"{root}{path}/chat/completions?{urlencode({'api-version': version})}"
    if not path.endswith("/chat/completions"):
        path = f"{path}/chat/completions"
    return f"{root}{path}" + (f"?{parts.query}" if parts.query else "")


class OpenAiClient(ProviderClient):
    def headers(self) -> dict[str, str]:
        key = self._config.api_key
        if not key:
            return {}
        if is_azure(self._config.base_url):
            return {"api-key": key}
        return {"authorization": f"Bearer {key}"}

    def payload(self, prompt: Prompt, schema: Mapping[str, object], name: str) -> JsonObject:
        official = is_official(self._config.base_url) or is_azure(self._config.base_url)
        limit = "max_completion_tokens" if official else "max_tokens"
        return {
            "model": self._config.model,
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": name, "strict": True, "schema": openai_schema(schema)},
            },
            limit: self._config.max_tokens,
        }

    def complete_json(
        self, prompt: Prompt, *, schema: Mapping[str, object], name: str
    ) -> JsonObject:
        label = f"openai ({self._config.model})"
        reply = self._requester.post_json(
            endpoint(self._config),
            headers=self.headers(),
            payload=self.payload(prompt, schema, name),
            label=label,
        )
        refusal = field(reply, "choices", 0, "message", "refusal")
        if isinstance(refusal, str) and refusal:
            raise ProviderError(f"{label}: the model refused: {' '.join(refusal.split())[:200]}")
        if field(reply, "choices", 0, "finish_reason") == "length":
            raise cut_off(label)
        content = field(reply, "choices", 0, "message", "content")
        if not isinstance(content, str):
            raise ProviderError(f"{label}: the reply has no message content")
        return json_object_from_text(content, label=label)
