"""Ollama's native ``POST /api/chat`` with ``stream: false`` and the schema as ``format``.

No key; the host comes from ``llm.base_url`` or ``OLLAMA_HOST`` (see ``selecting``).  Must not
send anything but the prompt, schema and limits.
"""

from __future__ import annotations

from collections.abc import Mapping

from dorgu.errors import ProviderError
from dorgu.llm.base import JsonObject, Prompt
from dorgu.llm.providers.replies import ProviderClient, cut_off, field, json_object_from_text
from dorgu.llm.schemas import json_schema

DEFAULT_BASE_URL = "http://127.0.0.1:11434"


class OllamaClient(ProviderClient):
    def payload(self, prompt: Prompt, schema: Mapping[str, object]) -> JsonObject:
        return {
            "model": self._config.model,
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ],
            "stream": False,
            "format": json_schema(schema),
            "options": {"temperature": 0, "num_predict": self._config.max_tokens},
        }

    def complete_json(
        self, prompt: Prompt, *, schema: Mapping[str, object], name: str
    ) -> JsonObject:
        label = f"ollama ({self._config.model})"
        headers = (
            {"authorization": f"Bearer {self._config.api_key}"} if self._config.api_key else {}
        )
        reply = self._requester.post_json(
            f"{self._config.base_url.rstrip('/')}/api/chat",
            headers=headers,
            payload=self.payload(prompt, schema),
            label=label,
        )
        if reply.get("done_reason") == "length":
            raise cut_off(label)
        content = field(reply, "message", "content")
        if not isinstance(content, str):
            raise ProviderError(f"{label}: the reply has no message content")
        return json_object_from_text(content, label=label)
