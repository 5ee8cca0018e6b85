"""Every language analyser, in the order the analysis runs them.

Extension is explicit: add an analyser here (never discovered by subclass scanning).
"""

from __future__ import annotations

from dorgu.analysis.languages import dotnet, elixir, golang, jvm, node, php, python, ruby, rust
from dorgu.analysis.languages.base import LanguageAnalyzer

ANALYZERS: tuple[LanguageAnalyzer, ...] = (
    python.ANALYZER,
    node.ANALYZER,
    golang.ANALYZER,
    ruby.ANALYZER,
    php.ANALYZER,
    jvm.ANALYZER,
    dotnet.ANALYZER,
    rust.ANALYZER,
    elixir.ANALYZER,
)
