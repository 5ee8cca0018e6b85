"""CPU, memory and duration conversion."""

from __future__ import annotations

import pytest

from dorgu.analysis.compose.coercing import InvalidValue
from dorgu.analysis.compose.quantities import cpu_quantity, duration_seconds, memory_quantity


@pytest.mark.parametrize(
    ("given", "expected"),
    [("0.5", "500m"), (0.5, "500m"), ("2", "2"), (1, "1"), ("1.5", "1500m"), ("0.001", "1m")],
)
def test_cpus_become_kubernetes_quantities(given: object, expected: str) -> None:
    assert cpu_quantity(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("512M", "512Mi"),
        ("1g", "1Gi"),
        ("1G", "1Gi"),
        ("1.5g", "1536Mi"),
        ("256m", "256Mi"),
        ("100k", "100Ki"),
        ("1gb", "1Gi"),
        ("2048mb", "2Gi"),
        (1048576, "1Mi"),
        ("1000", "1000"),
        ("512Mi", "512Mi"),
    ],
)
def test_memory_becomes_binary_quantities(given: object, expected: str) -> None:
    assert memory_quantity(given) == expected


@pytest.mark.parametrize("bad", ["-1", "0", "lots", "nan", True, [1], float("inf")])
def test_bad_cpus_are_invalid(bad: object) -> None:
    with pytest.raises(InvalidValue):
        cpu_quantity(bad)


@pytest.mark.parametrize("bad", ["0", "12X", "-5M", "", None])
def test_bad_memory_is_invalid(bad: object) -> None:
    with pytest.raises(InvalidValue):
        memory_quantity(bad)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("30s", 30.0), ("1m30s", 90.0), ("500ms", 0.5), ("1h", 3600.0), ("1.5s", 1.5), (10, 10.0)],
)
def test_durations_become_seconds(given: object, expected: float) -> None:
    assert duration_seconds(given) == pytest.approx(expected)


@pytest.mark.parametrize("bad", ["", "ten seconds", "5x", "-1s", True, -3])
def test_bad_durations_are_invalid(bad: object) -> None:
    with pytest.raises(InvalidValue):
        duration_seconds(bad)
