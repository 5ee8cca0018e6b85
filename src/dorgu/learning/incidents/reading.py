"""Defensive reads of Kubernetes object dicts: a field of the wrong type reads as missing.

Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

Obj = Mapping[str, object]


def mapping(obj: object, key: str) -> Obj:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, Mapping) else {}


def mappings(obj: object, key: str) -> list[Obj]:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def text(obj: object, key: str) -> str | None:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, str) and value else None


def integer(obj: object, key: str) -> int | None:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def timestamp(obj: object, key: str) -> datetime | None:
    """An RFC 3339 time (``2024-05-01T10:00:00Z``) in UTC, or ``None`` if absent or malformed."""
    raw = text(obj, key)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        return None
    return value.astimezone(UTC)


def labels(obj: object) -> dict[str, str]:
    raw = mapping(mapping(obj, "metadata"), "labels")
    return {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}


def condition(obj: object, kind: str) -> Obj | None:
    """The status condition of type ``kind``, if any."""
    for item in mappings(mapping(obj, "status"), "conditions"):
        if item.get("type") == kind:
            return item
    return None
