"""What every provider adapter shares: the client base (config + requester) and reading the
JSON object a model wrote as text (tolerating code fences and chatter).

Must not validate against the schema: that is ``dorgu.llm.coercing``.
"""

from __future__ import annotations

import json
import re

from dorgu.errors import ProviderError
from dorgu.llm.base import JsonObject, ProviderConfig
from dorgu.llm.retrying import Requester
from dorgu.models.patterns import LazyPattern


class ProviderClient:
    """Base of the provider adapters: the resolved config and the retrying requester."""

    def __init__(self, config: ProviderConfig, *, requester: Requester) -> None:
        self._config = config
        self._requester = requester

    @property
    def provider(self) -> str:
        return self._config.provider

    @property
    def model(self) -> str:
        return self._config.model


_FENCE = LazyPattern(r"```(?:json)?\s*(.*?)```", re.S | re.I)


def json_object_from_text(text: str, *, label: str) -> JsonObject:
    """The JSON object in ``text``; ``ProviderError`` if there is none."""
    candidates = [text.strip(), *(m.strip() for m in _FENCE.findall(text))]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    raise ProviderError(f"{label}: the model's answer is not a JSON object (malformed JSON)")


def field(data: object, *path: str | int) -> object:
    """``data[path[0]][path[1]]...`` or None when any step is missing."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or len(data) <= step:
                return None
            data = data[step]
        elif isinstance(data, dict):
            data = data.get(step)
        else:
            return None
    return data


def cut_off(label: str) -> ProviderError:
    return ProviderError(
        f"{label}: the answer was cut off at the token limit", hint="raise llm.max_tokens"
    )
