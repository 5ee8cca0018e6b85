"""Kubernetes quantity strings <-> numbers (cores, bytes), rounding up to the granularity
dorgu recommends in: 1 millicore for CPU, 1 MiB for memory.
"""

from __future__ import annotations

import math

from dorgu.models.kubesyntax import quantity_value

MIB = 1024.0**2
GIB = 1024.0**3


def parse_quantity(text: object) -> float | None:
    """``"250m"`` -> 0.25, ``"1Gi"`` -> 1073741824.0; None for missing or unparsable values."""
    if text is None or isinstance(text, bool):
        return None
    try:
        value = (
            float(text)
            if isinstance(text, int | float)
            else float(quantity_value(str(text).strip()))
        )
    except (ValueError, OverflowError):
        return None
    return value if math.isfinite(value) and value >= 0 else None


def round_cpu(cores: float) -> float:
    """Up to the next whole millicore."""
    return math.ceil(round(cores * 1000, 6)) / 1000


def round_memory(size: float) -> float:
    """Up to the next whole MiB."""
    return math.ceil(round(size / MIB, 6)) * MIB


def cpu_quantity(cores: float | None) -> str | None:
    """``0.25`` -> ``"250m"``, ``2.0`` -> ``"2"`` (rounded up to 1m)."""
    if cores is None:
        return None
    milli = math.ceil(round(cores * 1000, 6))
    return str(milli // 1000) if milli % 1000 == 0 and milli else f"{milli}m"


def memory_quantity(size: float | None) -> str | None:
    """``268435456`` -> ``"256Mi"``, ``2 GiB`` -> ``"2Gi"`` (rounded up to 1Mi)."""
    if size is None:
        return None
    mib = math.ceil(round(size / MIB, 6))
    return f"{mib // 1024}Gi" if mib % 1024 == 0 and mib else f"{mib}Mi"
