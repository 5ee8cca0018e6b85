"""The contract every language analyser implements, and the report it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from dorgu.analysis.listening.expressions import ListenExpr
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import Dependency, Endpoint, EnvVar, Frontend, Port, Route
from dorgu.models.evidence import Diagnostic, Evidence


@dataclass(frozen=True)
class LanguageReport:
    """What one analyser learned about one app directory.

    Evidence ``field`` paths are relative to the component (``port``, ``framework``,
    ``endpoints.liveness``, ``dependencies.postgres``, ``routes``); merging prefixes them.
    """

    language: str
    framework: str | None = None
    language_version: str | None = None
    build_tool: str | None = None
    app_type: str | None = None  # api | web | worker | cron | daemon, when the code says so
    ports: tuple[Port, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    routes: tuple[Route, ...] = ()
    env: tuple[EnvVar, ...] = ()  # env vars the code reads (names only; values never)
    evidence: tuple[Evidence, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    confidence: float = 0.5  # how sure we are this is the app's main language
    extras: dict[str, str] = field(default_factory=dict)
    frontend: Frontend | None = None  # a browser frontend this package builds
    listen: tuple[ListenExpr, ...] = ()  # port expressions, evaluated against the container env


class LanguageAnalyzer(Protocol):
    """One ecosystem.  Must be pure: ``analyze`` only looks at the ``SourceTree`` it is given."""

    name: str

    def wants(self, path: str) -> bool:
        """True if the walker should load this file's text (a relative POSIX path)."""
        ...

    def detect(self, tree: SourceTree) -> bool:
        """Cheap check on ``tree.paths`` (and maybe manifests) that this ecosystem is present."""
        ...

    def analyze(self, tree: SourceTree) -> LanguageReport: ...
