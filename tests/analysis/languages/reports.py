"""Helpers shared by the language analyser tests: run an analyser on inline files, pick the
facts tests compare, and generate hostile source trees for the property tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hypothesis import strategies as st

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


def hostile_files(
    paths: Sequence[str], tokens: st.SearchStrategy[str], *, max_files: int
) -> st.SearchStrategy[dict[str, str]]:
    """Up to ``max_files`` of ``paths``, each holding random text or a soup of the analyser's
    own ``tokens`` (the fragments most likely to reach deep into its parsers)."""
    text = st.one_of(st.text(max_size=300), st.lists(tokens | st.text(max_size=10)).map("".join))
    return st.dictionaries(st.sampled_from(list(paths)), text, max_size=max_files)
