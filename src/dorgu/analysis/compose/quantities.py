"""Converting Compose sizes, CPU counts and durations to Kubernetes quantities and seconds.

``"0.5"`` CPUs -> ``500m``; ``512M`` -> ``512Mi``; ``1g`` -> ``1Gi``; ``1m30s`` -> ``90.0``.
Docker reads memory units as powers of 1024, so ``M`` becomes ``Mi``.

Must not: raise anything but ``InvalidValue``; accept negative, non-finite or absurd figures.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from dorgu.analysis.compose.coercing import InvalidValue
from dorgu.models.patterns import LazyPattern

_CPU = LazyPattern(r"[0-9]{1,9}(\.[0-9]{1,9})?|\.[0-9]{1,9}")
_MEMORY = LazyPattern(
    r"([0-9]{1,15}(?:\.[0-9]{1,9})?|\.[0-9]{1,9})\s*([kmgtp]?)(i?b?)", re.IGNORECASE
)
_DURATION_PART = LazyPattern(r"([0-9]{1,12}(?:\.[0-9]{1,9})?|\.[0-9]{1,9})(ns|us|µs|ms|s|m|h)")
_UNIT_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5}
_SUFFIXES = ((5, "Pi"), (4, "Ti"), (3, "Gi"), (2, "Mi"), (1, "Ki"))
_SECONDS = {
    "ns": Decimal("1e-9"),
    "us": Decimal("1e-6"),
    "µs": Decimal("1e-6"),
    "ms": Decimal("0.001"),
    "s": Decimal(1),
    "m": Decimal(60),
    "h": Decimal(3600),
}


def cpu_quantity(value: object) -> str:
    """A CPU count (``0.5``, ``"2"``) as a Kubernetes quantity (``500m``, ``2``)."""
    text = _number_text(value, "cpus")
    if not _CPU.fullmatch(text):
        raise InvalidValue(f"cpus must be a positive number, not {text!r}")
    millis = int((Decimal(text) * 1000).to_integral_value())
    if millis <= 0:
        raise InvalidValue(f"cpus must be at least 0.001, not {text!r}")
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def memory_quantity(value: object) -> str:
    """A Docker size (``512M``, ``1g``, ``1.5gb``, ``1048576``) as a binary Kubernetes quantity."""
    text = _number_text(value, "memory")
    match = _MEMORY.fullmatch(text.strip())
    if not match:
        raise InvalidValue(f"memory must be a size like 512M or 1g, not {text!r}")
    number, unit, _suffix = match.groups()
    try:
        size = int(Decimal(number) * (1024 ** _UNIT_POWERS[unit.lower()]))
    except InvalidOperation as e:  # pragma: no cover - the regex admits only decimals
        raise InvalidValue(f"memory must be a size, not {text!r}") from e
    if size <= 0:
        raise InvalidValue(f"memory must be positive, not {text!r}")
    for power, suffix in _SUFFIXES:
        if size % (1024**power) == 0:
            return f"{size // 1024**power}{suffix}"
    return str(size)


def duration_seconds(value: object) -> float:
    """A Go duration (``1m30s``, ``500ms``) or a number of seconds, as seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0 or value != value or value in (float("inf"),):
            raise InvalidValue(f"duration must be a non-negative number, not {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise InvalidValue(f"duration must be a string like 30s, not {value!r}")
    text = value.strip()
    if _CPU.fullmatch(text):
        return float(Decimal(text))
    total = Decimal(0)
    pos = 0
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if match is None:
            raise InvalidValue(f"duration must look like 1m30s or 500ms, not {value!r}")
        total += Decimal(match.group(1)) * _SECONDS[match.group(2)]
        pos = match.end()
    if pos == 0:
        raise InvalidValue("duration must not be empty")
    return float(total)


def _number_text(value: object, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidValue(f"{what} must be a number or a string, not {value!r}")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidValue(f"{what} must be finite")
        return format(Decimal(repr(value)), "f")
    return str(value).strip()
