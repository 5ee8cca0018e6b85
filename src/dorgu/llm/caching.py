"""A disk cache of model answers: ``$XDG_CACHE_HOME/dorgu/llm/<sha256>.json``.

The key is the SHA-256 of the redacted prompt, the provider, model, base URL and the schema
id, so a second run on unchanged input makes no network call and a changed schema never reads
a stale answer.  Entries hold only the (redacted-input) answer, written atomically with mode
0600.  Must not cache failures or raise on a broken cache: it is an optimisation.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dorgu.llm.base import JsonObject, LlmClient, Prompt

logger = logging.getLogger(__name__)


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    """``$XDG_CACHE_HOME/dorgu/llm`` (a relative XDG_CACHE_HOME is ignored, as the spec says)."""
    xdg = environ.get("XDG_CACHE_HOME", "")
    home = environ.get("HOME")
    base = (
        Path(xdg)
        if xdg and os.path.isabs(xdg)
        else (Path(home) if home else Path.home()) / ".cache"
    )
    return base / "dorgu" / "llm"


def cache_key(*, provider: str, model: str, base_url: str, schema_id: str, prompt: Prompt) -> str:
    material = json.dumps(
        [provider, model, base_url, schema_id, prompt.system, prompt.user], ensure_ascii=False
    )
    return hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True)
class ResponseCache:
    directory: Path

    def _file(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str) -> JsonObject | None:
        try:
            data = json.loads(self._file(key).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            logger.debug("ignoring unreadable cache entry %s: %s", key, e)
            return None
        return data if isinstance(data, dict) else None

    def put(self, key: str, value: JsonObject) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".entry.", suffix=".tmp")
        except OSError as e:
            logger.debug("cannot write the LLM cache in %s: %s", self.directory, e)
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(value, handle, ensure_ascii=False, sort_keys=True)
            os.chmod(temp, 0o600)
            os.replace(temp, self._file(key))
        except OSError as e:
            logger.debug("cannot write the LLM cache entry %s: %s", key, e)
            with contextlib.suppress(OSError):
                os.unlink(temp)


class CachingClient:
    """An ``LlmClient`` that answers from ``cache`` when it can; ``hits`` counts those."""

    def __init__(
        self, client: LlmClient, *, cache: ResponseCache, base_url: str, schema_id: str
    ) -> None:
        self._client = client
        self._cache = cache
        self._base_url = base_url
        self._schema_id = schema_id
        self.hits = 0

    @property
    def provider(self) -> str:
        return self._client.provider

    @property
    def model(self) -> str:
        return self._client.model

    def complete_json(
        self, prompt: Prompt, *, schema: Mapping[str, object], name: str
    ) -> JsonObject:
        key = cache_key(
            provider=self.provider,
            model=self.model,
            base_url=self._base_url,
            schema_id=self._schema_id,
            prompt=prompt,
        )
        cached = self._cache.get(key)
        if cached is not None:
            self.hits += 1
            logger.debug("LLM answer from cache %s", key[:12])
            return cached
        answer = self._client.complete_json(prompt, schema=schema, name=name)
        self._cache.put(key, answer)
        return answer
