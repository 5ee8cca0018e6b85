"""Provenance of inferred facts and diagnostics produced while reading user input."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Source(StrEnum):
    """Where a value came from.  Precedence when merging: user > rule > llm > default."""

    USER = "user"
    RULE = "rule"
    LLM = "llm"
    DEFAULT = "default"


class Location(BaseModel):
    """A place in the analysed tree: a path relative to the app root and an optional 1-based line."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


class Evidence(BaseModel):
    """Why a field of the model has its value.

    ``field`` is a dotted path into the model (``components.api.ports``); ``rule`` names the
    detection rule (``dockerfile.expose``, ``python.fastapi.route``); ``confidence`` is 0..1.
    """

    model_config = ConfigDict(defer_build=True, frozen=True)

    field: str
    value: str
    source: Source = Source.RULE
    rule: str
    location: Location | None = None
    confidence: float = Field(default=0.9, ge=0.0, le=1.0)
    detail: str | None = None  # a short human reason, e.g. "serves HTTP routes"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Diagnostic(BaseModel):
    """A problem found in user input that did not stop analysis (errors stop it: see errors.py)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    severity: Severity = Severity.WARNING
    code: str
    message: str
    location: Location | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.severity.value}: {self.message} [{self.code}]"
