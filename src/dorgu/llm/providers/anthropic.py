"""Anthropic Messages API; structured output through one forced tool call.

``POST {base}/v1/messages`` with ``x-api-key`` and ``anthropic-version``; the schema is the
tool's ``input_schema`` and ``tool_choice`` forces it, so the answer is the tool's ``input``.
Must not send anything but the prompt, schema and limits.
"""

from __future__ import annotations

from collections.abc import Mapping

from dorgu.errors import ProviderError
from dorgu.llm.base import JsonObject, Prompt
from dorgu.llm.providers.replies import ProviderClient, cut_off, field, json_object_from_text
from dorgu.llm.schemas import json_schema

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"


def endpoint(base_url: str) -> str:
    base = base_url.rstrip("/")
    if base.endswith("/v1/messages"):
        return base
    return f"{base}/messages" if base.endswith("/v1") else f"{base}/v1/messages"


class AnthropicClient(ProviderClient):
    def payload(self, prompt: Prompt, schema: Mapping[str, object], name: str) -> JsonObject:
        return {
            "model": self._config.model,
            "max_tokens": self._config.max_tokens,
            "temperature": 0,
            "system": prompt.system,
            "messages": [{"role": "user", "content": prompt.user}],
            "tools": [
                {
                    "name": name,
                    "description": "Record the answer as structured data.",
                    "input_schema": json_schema(schema),
                }
            ],
            "tool_choice": {"type": "tool", "name": name},
        }

    def complete_json(
        self, prompt: Prompt, *, schema: Mapping[str, object], name: str
    ) -> JsonObject:
        label = f"anthropic ({self._config.model})"
        headers = {"anthropic-version": API_VERSION}
        if self._config.api_key:
            headers["x-api-key"] = self._config.api_key
        reply = self._requester.post_json(
            endpoint(self._config.base_url),
            headers=headers,
            payload=self.payload(prompt, schema, name),
            label=label,
        )
        blocks = reply.get("content")
        blocks = blocks if isinstance(blocks, list) else []
        for block in blocks:
            if field(block, "type") == "tool_use" and field(block, "name") == name:
                data = field(block, "input")
                if isinstance(data, dict):
                    return data
        if reply.get("stop_reason") == "max_tokens":
            raise cut_off(label)
        text = "".join(str(field(b, "text") or "") for b in blocks if field(b, "type") == "text")
        if text.strip():
            return json_object_from_text(text, label=label)
        raise ProviderError(f"{label}: the reply has no tool call with the answer")
