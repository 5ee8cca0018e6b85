"""Secrets in settings: which keys hold them and how they are shown.

Must not reveal a secret in any value it returns, read files, or read the environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from pydantic import SecretStr

from dorgu.models.patterns import LazyPattern
from dorgu.settings.keys import KeyPath

SECRET_PREFIXES: tuple[KeyPath, ...] = (
    ("llm", "api_keys"),
    ("notify", "slack_webhook_url"),
    ("notify", "slack_token"),
    ("notify", "teams_webhook_url"),
    ("notify", "webhook_url"),
)
MASK = "****"
_VISIBLE = 4
_MIN_LENGTH_TO_SHOW_TAIL = 12

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]

_URL_USERINFO = LazyPattern(r"^(\s*[A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s]*@")


def is_secret_key(path: Sequence[str | int]) -> bool:
    """True for keys whose values are secrets (``llm.api_keys.*``)."""
    return any(tuple(path[: len(prefix)]) == prefix for prefix in SECRET_PREFIXES)


def mask_secret(value: str) -> str:
    """``sk-...abcd`` -> ``****abcd``; short values are fully hidden."""
    if len(value) < _MIN_LENGTH_TO_SHOW_TAIL:
        return MASK
    return MASK + value[-_VISIBLE:]


def display_value(path: Sequence[str | int], value: object) -> JsonValue:
    """A JSON-friendly value for output, with secrets masked (never the secret itself)."""
    if isinstance(value, SecretStr):
        return mask_secret(value.get_secret_value())
    if is_secret_key(path) and isinstance(value, str):
        return mask_secret(value)
    if isinstance(value, str) and "@" in value:
        return _URL_USERINFO.sub(lambda m: m.group(1) + MASK + "@", value)  # user:password@
    if isinstance(value, Enum):
        return display_value(path, value.value)
    if isinstance(value, dict):
        return {str(k): display_value((*path, str(k)), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [display_value(path, item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
