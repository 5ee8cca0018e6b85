"""The narrow interface every provider adapter implements, its configuration, and a fake.

Must not import httpx or any provider module: callers type against ``LlmClient`` and tests use
``FakeLlmClient``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from dorgu.errors import ProviderError

JsonObject = dict[str, object]


@dataclass(frozen=True)
class Prompt:
    """What is sent: trusted instructions (``system``) and fenced, redacted data (``user``)."""

    system: str
    user: str


@dataclass(frozen=True)
class ProviderConfig:
    """Everything an adapter needs; ``api_key`` never appears in ``repr``."""

    provider: str
    model: str
    base_url: str
    timeout_seconds: float = 60.0
    max_tokens: int = 4096
    api_key: str | None = field(default=None, repr=False)


class LlmClient(Protocol):
    """Ask a model for one JSON object that matches ``schema``."""

    @property
    def provider(self) -> str: ...

    @property
    def model(self) -> str: ...

    def complete_json(
        self, prompt: Prompt, *, schema: Mapping[str, object], name: str
    ) -> JsonObject:
        """The model's answer as a JSON object (not yet validated against ``schema``).

        Raises ``ProviderError`` with a one-line message when the provider fails or gives up.
        """
        ...


@dataclass
class FakeLlmClient:
    """An in-memory client: answers from ``replies`` in order, records every prompt."""

    replies: Sequence[JsonObject | ProviderError]
    provider: str = "fake"
    model: str = "fake-model"
    prompts: list[Prompt] = field(default_factory=list)
    schemas: list[Mapping[str, object]] = field(default_factory=list)

    def complete_json(
        self, prompt: Prompt, *, schema: Mapping[str, object], name: str
    ) -> JsonObject:
        self.prompts.append(prompt)
        self.schemas.append(schema)
        if len(self.prompts) > len(self.replies):
            raise ProviderError("fake client has no more replies")
        reply = self.replies[len(self.prompts) - 1]
        if isinstance(reply, ProviderError):
            raise reply
        return dict(reply)
