"""Making locations found in an app's subtree relative to the analysed root."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from dorgu.models.evidence import Location

T = TypeVar("T", bound=BaseModel)


def rebase_location(location: Location | None, prefix: str) -> Location | None:
    if location is None or prefix in ("", "."):
        return location
    return Location(file=f"{prefix.rstrip('/')}/{location.file}", line=location.line)


def rebase(item: T, prefix: str) -> T:
    """A copy of ``item`` whose ``location`` field (if any) is prefixed with ``prefix``."""
    location: Location | None = getattr(item, "location", None)
    if prefix in ("", ".") or location is None:
        return item
    return item.model_copy(update={"location": rebase_location(location, prefix)})


def rebase_all(items: tuple[T, ...] | list[T], prefix: str) -> tuple[T, ...]:
    return tuple(rebase(item, prefix) for item in items)
