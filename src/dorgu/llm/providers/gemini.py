"""Google Gemini ``generateContent`` with ``responseMimeType: application/json`` and a
``responseSchema`` (the OpenAPI subset Gemini accepts).  The key travels in the
``x-goog-api-key`` header, never in the URL.  Must not send anything but the prompt, schema
and limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from dorgu.errors import ProviderError
from dorgu.llm.base import JsonObject, Prompt, ProviderConfig
from dorgu.llm.providers.replies import ProviderClient, cut_off, field, json_object_from_text
from dorgu.llm.schemas import gemini_schema

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta"


def endpoint(config: ProviderConfig) -> str:
    model = config.model.removeprefix("models/")
    return f"{config.base_url.rstrip('/')}/models/{quote(model, safe='.-_')}:generateContent"


class GeminiClient(ProviderClient):
    def payload(self, prompt: Prompt, schema: Mapping[str, object]) -> JsonObject:
        return {
            "systemInstruction": {"parts": [{"text": prompt.system}]},
            "contents": [{"role": "user", "parts": [{"text": prompt.user}]}],
            "generationConfig": {
                "responseMimeType": "application/json",
                "responseSchema": gemini_schema(schema),
                "maxOutputTokens": self._config.max_tokens,
                "temperature": 0,
            },
        }

    def complete_json(
        self, prompt: Prompt, *, schema: Mapping[str, object], name: str
    ) -> JsonObject:
        label = f"gemini ({self._config.model})"
        headers = {"x-goog-api-key": self._config.api_key} if self._config.api_key else {}
        reply = self._requester.post_json(
            endpoint(self._config),
            headers=headers,
            payload=self.payload(prompt, schema),
            label=label,
        )
        blocked = field(reply, "promptFeedback", "blockReason")
        if isinstance(blocked, str):
            raise ProviderError(f"{label}: the prompt was blocked ({blocked})")
        finish = field(reply, "candidates", 0, "finishReason")
        if finish == "MAX_TOKENS":
            raise cut_off(label)
        parts = field(reply, "candidates", 0, "content", "parts")
        text = (
            "".join(str(field(p, "text") or "") for p in parts) if isinstance(parts, list) else ""
        )
        if not text.strip():
            why = f" (finishReason {finish})" if isinstance(finish, str) else ""
            raise ProviderError(f"{label}: the reply has no content{why}")
        return json_object_from_text(text, label=label)
