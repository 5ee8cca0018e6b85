"""Where interpolated compose values came from: ``PORT: ${API_PORT}`` with ``API_PORT=8081`` in
``.env`` is credited to that ``.env`` line as well as the compose line.

``UseRecorder`` collects (variable, compose location) as files are interpolated;
``dotenv_interpolations`` keeps the variables ``.env`` supplied (the caller's environment wins
over ``.env``, so a variable it sets is not credited to ``.env``); ``credit_interpolations``
adds, for every ports evidence item at such a compose line, one at the ``.env`` line.

Must not: keep or show values (only variable names and places), or grow without bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dorgu.models.evidence import Evidence, Location
from dorgu.models.patterns import LazyPattern

MAX_USES = 10_000
_PORT_FIELD = LazyPattern(r"\.(ports?|listen)(\.|$)")


@dataclass(frozen=True)
class Interpolated:
    """``variable`` was interpolated at ``used_at`` (a compose line) and set at ``set_at``."""

    variable: str
    used_at: Location
    set_at: Location


class UseRecorder:
    """A callback for ``interpolate_tree``: records which variables each location used."""

    def __init__(self) -> None:
        self.uses: list[tuple[str, Location]] = []

    def __call__(self, name: str, location: Location) -> None:
        if len(self.uses) < MAX_USES:
            self.uses.append((name, location))


def dotenv_interpolations(
    uses: Sequence[tuple[str, Location]],
    dotenv: Mapping[str, Location],
    environment: Mapping[str, str],
) -> tuple[Interpolated, ...]:
    """The uses whose value came from ``.env`` (``dotenv``: variable -> its line there)."""
    found: dict[tuple[str, str, int | None], Interpolated] = {}
    for name, location in uses:
        if name in environment or name not in dotenv:
            continue
        key = (name, location.file, location.line)
        found.setdefault(key, Interpolated(name, location, dotenv[name]))
    return tuple(found.values())


def credit_interpolations(
    evidence: Sequence[Evidence], interpolations: Sequence[Interpolated]
) -> list[Evidence]:
    """One evidence item at the ``.env`` line for every ports item at a line that used it."""
    by_line: dict[tuple[str, int | None], list[Interpolated]] = {}
    for interpolation in interpolations:
        line = (interpolation.used_at.file, interpolation.used_at.line)
        by_line.setdefault(line, []).append(interpolation)
    if not by_line:
        return []
    credited: list[Evidence] = []
    seen: set[tuple[str, str, str, int | None]] = set()
    for item in evidence:
        where = item.location
        if where is None or not _PORT_FIELD.search(item.field):
            continue
        for used in by_line.get((where.file, where.line), ()):
            key = (item.field, item.value, used.set_at.file, used.set_at.line)
            if key in seen:
                continue
            seen.add(key)
            credited.append(
                Evidence(
                    field=item.field,
                    value=item.value,
                    rule="compose.interpolated",
                    location=used.set_at,
                    confidence=item.confidence,
                    detail=f"{used.variable} set here, interpolated at {used.used_at} "
                    f"({item.rule})",
                )
            )
    return credited
