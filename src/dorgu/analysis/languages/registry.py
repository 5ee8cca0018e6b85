"""Every language analyser, in the order the analysis runs them, each imported only when a
tree has a file that may concern it (a Go service never imports the JVM analyser).

Extension is explicit: add an analyser here (never discovered by subclass scanning), with the
file names and endings it reads.  ``LazyAnalyzer.concerns`` is a cheap superset of the real
analyser's ``wants`` and ``detect``; ``tests/analysis/test_language_registry.py`` checks that
on every example and corpus file, so an analyser that starts reading a new kind of file fails
that test until its entry here lists it.
"""

from __future__ import annotations

import importlib
import posixpath
from dataclasses import dataclass, field

from dorgu.analysis.languages.base import LanguageAnalyzer, LanguageReport
from dorgu.analysis.sources import SourceTree


@dataclass(frozen=True)
class LazyAnalyzer:
    """A language analyser that is imported on first need.  ``names``: exact file names;
    ``endings``: file name endings; ``prefixes``: lower-case file name beginnings; ``folders``: path fragments that make any file of
    ``folder_endings`` count (``config/packages/*.yaml`` for PHP)."""

    name: str
    module: str
    names: frozenset[str] = frozenset()
    endings: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    folder_endings: tuple[str, ...] = ()
    _loaded: list[LanguageAnalyzer] = field(default_factory=list, compare=False, repr=False)

    def concerns(self, path: str) -> bool:
        """Cheap: may the real analyser want or detect ``path``?"""
        base = posixpath.basename(path)
        if base in self.names or base.endswith(self.endings):
            return True
        if self.prefixes and base.lower().startswith(self.prefixes):
            return True
        return base.endswith(self.folder_endings) and any(f in path for f in self.folders)

    def load(self) -> LanguageAnalyzer:
        if not self._loaded:
            analyzer = importlib.import_module(self.module).ANALYZER
            self._loaded.append(analyzer)
        return self._loaded[0]

    def wants(self, path: str) -> bool:
        return self.concerns(path) and self.load().wants(path)

    def detect(self, tree: SourceTree) -> bool:
        return any(self.concerns(p) for p in tree.paths) and self.load().detect(tree)

    def analyze(self, tree: SourceTree) -> LanguageReport:
        return self.load().analyze(tree)


_PACKAGE = "dorgu.analysis.languages"

ANALYZERS: tuple[LazyAnalyzer, ...] = (
    LazyAnalyzer(
        "python", f"{_PACKAGE}.python",
        names=frozenset({"pyproject.toml", "Pipfile", "setup.cfg", "setup.py", ".python-version",
                         "runtime.txt", "Procfile"}),
        endings=(".py", ".sh"), prefixes=("requirements",),
        folders=("requirements/",), folder_endings=(".txt", ".in"),
    ),
    LazyAnalyzer(
        "node", f"{_PACKAGE}.node",
        names=frozenset({"package.json", ".nvmrc", ".node-version", "schema.prisma",
                         "ormconfig.json", "angular.json"}),
        endings=(".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx", ".prisma"),
    ),
    LazyAnalyzer("go", f"{_PACKAGE}.golang", names=frozenset({"go.mod", "go.work"}),
                 endings=(".go",)),
    LazyAnalyzer(
        "ruby", f"{_PACKAGE}.ruby",
        names=frozenset({"Gemfile", ".ruby-version", "config.ru", "Procfile", "database.yml",
                         "gems.rb"}),
        endings=(".rb", ".rake"),
    ),
    LazyAnalyzer(
        "php", f"{_PACKAGE}.php",
        names=frozenset({"composer.json", ".env.example", ".env.dist", ".rr.yaml", "Procfile",
                         "www.conf", "zz-docker.conf", "php-fpm.conf", "docker.conf"}),
        endings=(".php",), folders=("config/",), folder_endings=(".yaml", ".yml"),
    ),
    LazyAnalyzer(
        "jvm", f"{_PACKAGE}.jvm",
        names=frozenset({"pom.xml", "build.gradle", "build.gradle.kts", "settings.gradle",
                         "settings.gradle.kts"}),
        endings=(".java", ".kt"), prefixes=("application.", "application-"),
    ),
    LazyAnalyzer(
        "dotnet", f"{_PACKAGE}.dotnet", names=frozenset({"launchSettings.json"}),
        endings=(".cs", ".csproj", ".fsproj", ".sln"), prefixes=("appsettings",),
    ),
    LazyAnalyzer(
        "rust", f"{_PACKAGE}.rust",
        names=frozenset({"Cargo.toml", "rust-toolchain", "rust-toolchain.toml"}),
        endings=(".rs",),
    ),
    LazyAnalyzer("elixir", f"{_PACKAGE}.elixir", names=frozenset({"mix.exs"}),
                 endings=(".ex", ".exs")),
)  # fmt: skip
