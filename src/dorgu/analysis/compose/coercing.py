"""Reading YAML scalars the way Compose does: numbers and booleans may arrive as strings.

Must not: raise anything but ``InvalidValue`` (callers turn it into a diagnostic), or accept
containers where a scalar is expected.  YAML data is typed ``object`` and narrowed here.
"""

from __future__ import annotations

import math

from dorgu.models.patterns import LazyPattern

_INT = LazyPattern(r"[+-]?[0-9]{1,18}")
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


class InvalidValue(Exception):
    """A value has the wrong shape; the message says what was expected."""


def text_of(value: object) -> str | None:
    """A scalar as text (``True`` -> ``"true"``, ``5`` -> ``"5"``); None for null or containers."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**100 else None
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e18:
            return str(int(value))
        return repr(value)
    return None


def require_text(value: object, what: str) -> str:
    text = text_of(value)
    if text is None:
        raise InvalidValue(f"{what} must be a string, not {type_name(value)}")
    return text


def int_of(value: object, what: str) -> int:
    """An integer from an int, an integral float or a decimal string."""
    if isinstance(value, bool):
        raise InvalidValue(f"{what} must be an integer, not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        return int(value.strip())
    raise InvalidValue(f"{what} must be an integer, not {value!r}")


def bool_of(value: object, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise InvalidValue(f"{what} must be true or false, not {value!r}")


def text_list(value: object, what: str) -> list[str]:
    """A string or a list of scalars, as a list of strings."""
    if isinstance(value, list):
        return [require_text(item, f"each item of {what}") for item in value]
    return [require_text(value, what)]


def key_values(value: object, what: str) -> dict[str, str | None]:
    """A ``KEY=value`` list or a mapping; a list item without ``=`` (or a null) gives None."""
    result: dict[str, str | None] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list):
                raise InvalidValue(f"{what}.{key} must be a scalar, not {type_name(item)}")
            result[str(key)] = text_of(item)
        return result
    if isinstance(value, list):
        for item in value:
            text = require_text(item, f"each item of {what}")
            key, sep, rest = text.partition("=")
            result[key.strip()] = rest if sep else None
        return result
    raise InvalidValue(f"{what} must be a list or a mapping, not {type_name(value)}")


def mapping_of(value: object, what: str) -> dict[str, object]:
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    raise InvalidValue(f"{what} must be a mapping, not {type_name(value)}")


def type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
