"""Helpers shared by the language analyser tests: run an analyser on inline files and pick
the facts tests compare."""

from __future__ import annotations

from collections.abc import Callable

from dorgu.analysis.languages.base import LanguageAnalyzer, LanguageReport
from dorgu.analysis.sources import SourceTree
from dorgu.models.app import EndpointKind


def analyzer_of(analyzer: LanguageAnalyzer) -> Callable[[dict[str, str]], LanguageReport]:
    """``files -> report`` for ``analyzer`` over a tree holding exactly ``files``."""

    def analyze(files: dict[str, str]) -> LanguageReport:
        return analyzer.analyze(SourceTree(paths=tuple(sorted(files)), texts=files))

    return analyze


def routes(report: LanguageReport) -> set[tuple[str, str]]:
    return {(r.method, r.path) for r in report.routes}


def endpoints(report: LanguageReport) -> set[tuple[EndpointKind, str]]:
    return {(e.kind, e.path) for e in report.endpoints}
