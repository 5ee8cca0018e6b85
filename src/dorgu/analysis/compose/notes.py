"""Collecting the non-fatal diagnostics of one compose parse.

Must not: raise, print or log; it only records.  Identical diagnostics (same code, message and
location) are kept once, so a file parsed twice (e.g. as an ``extends`` target) reports once.
"""

from __future__ import annotations

from dorgu.models.evidence import Diagnostic, Location, Severity


class Notes:
    """An ordered, de-duplicated list of diagnostics."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str, str], Diagnostic] = {}

    def add(
        self,
        code: str,
        message: str,
        location: Location | None = None,
        *,
        severity: Severity = Severity.WARNING,
    ) -> None:
        key = (code, message, str(location) if location else "")
        if key not in self._items:
            self._items[key] = Diagnostic(
                severity=severity, code=code, message=message, location=location
            )

    def items(self) -> tuple[Diagnostic, ...]:
        return tuple(self._items.values())
