"""Building the diagnostics generators return (never print or log them here)."""

from __future__ import annotations

from dorgu.models.evidence import Diagnostic, Location, Severity


def warning(code: str, message: str, location: Location | None = None) -> Diagnostic:
    return Diagnostic(
        severity=Severity.WARNING, code=f"generate.{code}", message=message, location=location
    )


def info(code: str, message: str, location: Location | None = None) -> Diagnostic:
    return Diagnostic(
        severity=Severity.INFO, code=f"generate.{code}", message=message, location=location
    )
