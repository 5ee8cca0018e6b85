"""Collecting diagnostics (non-fatal problems) while a Dockerfile is parsed.

Must not: raise, print, log, or put variable values into messages (they may be secrets).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dorgu.models.evidence import Diagnostic, Location, Severity

MAX_DIAGNOSTICS = 1000


@dataclass
class Diagnostics:
    """An append-only list of diagnostics for one file, capped at ``MAX_DIAGNOSTICS``."""

    file: str
    items: list[Diagnostic] = field(default_factory=list)
    _seen: set[tuple[str, str, int | None]] = field(default_factory=set)

    def add(
        self,
        code: str,
        message: str,
        line: int | None,
        severity: Severity = Severity.WARNING,
    ) -> None:
        key = (code, message, line)
        if key in self._seen or len(self.items) >= MAX_DIAGNOSTICS:
            return
        self._seen.add(key)
        self.items.append(
            Diagnostic(
                severity=severity,
                code=f"dockerfile.{code}",
                message=message,
                location=Location(file=self.file, line=line),
            )
        )

    def info(self, code: str, message: str, line: int | None) -> None:
        self.add(code, message, line, Severity.INFO)

    def error(self, code: str, message: str, line: int | None) -> None:
        self.add(code, message, line, Severity.ERROR)
