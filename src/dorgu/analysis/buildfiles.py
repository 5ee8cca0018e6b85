"""What a build file says about its directory: a runnable service, a library, or a test project.

Used by discovery for directories that have a build file but no Dockerfile: only runnable
ones are services.  Each ecosystem's rule, in order of the file found:
- ``package.json``: a ``start``/``serve``/``preview`` script;
- ``go.mod``: a ``package main`` source file in the module;
- ``pom.xml``: packaging other than ``pom``; Gradle: the ``application`` or Spring Boot plugin
  (a ``java-library`` without them is a library);
- ``*.csproj``/``*.fsproj``/``*.vbproj``: the Web or Worker SDK, or ``OutputType`` Exe, and
  not a test project (``IsTestProject``, ``Microsoft.NET.Test.Sdk``);
- ``Cargo.toml``: a ``[[bin]]`` target or ``src/main.rs``;
- Python (``pyproject.toml``, ``requirements.txt``, ``Pipfile``, ``setup.py``): declared
  scripts, or an entry module (``__main__.py``, ``main.py``, ``app.py``, ``manage.py``,
  ``wsgi.py``, ``asgi.py``, ``server.py``) in the directory tree;
- Ruby/PHP/Elixir/Django manifests: runnable.
A build file that cannot be read (too big, not text) counts as runnable: when in doubt, keep.

Must not: read files (the tree is handed in) or scan more than ``MAX_SCANNED`` files per
directory.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterable

from dorgu.analysis.sources import SourceTree
from dorgu.models.patterns import LazyPattern

MAX_SCANNED = 2000
_TEST_SEGMENTS = frozenset(
    {"test", "tests", "testing", "e2e", "integration-tests", "testdata", "fixtures", "docs",
     "doc", "examples", "samples", "benchmarks", "__tests__", "spec"}
)  # fmt: skip
_TEST_NAME = LazyPattern(r"(^|[._-])(unit)?tests?$", re.IGNORECASE)
_PY_ENTRIES = frozenset(
    {"__main__.py", "main.py", "app.py", "manage.py", "wsgi.py", "asgi.py", "server.py"}
)
_GO_MAIN = LazyPattern(r"^\s*package\s+main\b", re.MULTILINE)
_DOTNET_RUNNABLE = LazyPattern(
    r'Sdk="Microsoft\.NET\.Sdk\.(Web|Worker|BlazorWebAssembly|Razor)"|'
    r"<OutputType>\s*(Exe|WinExe)\s*</OutputType>",
    re.IGNORECASE,
)
_DOTNET_TEST = LazyPattern(
    r"<IsTestProject>\s*true|Microsoft\.NET\.Test\.Sdk|\"(xunit|nunit|MSTest\.TestFramework)\"",
    re.IGNORECASE,
)
_GRADLE_APP = LazyPattern(r"\bapplication\b|org\.springframework\.boot|io\.ktor\.plugin|mainClass")
_PY_SCRIPTS = LazyPattern(r"^\[(project\.scripts|tool\.poetry\.scripts)\]|entry_points", re.M)


def is_test_path(directory: str) -> bool:
    """True for a directory that holds tests, docs or examples rather than a service."""
    parts = [p for p in directory.split("/") if p not in ("", ".")]
    return any(p.lower() in _TEST_SEGMENTS or _TEST_NAME.search(p) for p in parts)


def is_runnable(tree: SourceTree, directory: str, names: Iterable[str]) -> bool:
    """Whether the build files ``names`` in ``directory`` describe something that runs."""
    return runnable_build_file(tree, directory, names) is not None


def runnable_build_file(tree: SourceTree, directory: str, names: Iterable[str]) -> str | None:
    """The first of the build files ``names`` in ``directory`` that describes something that
    runs (its root-relative path), or None."""
    prefix = "" if directory in (".", "") else directory + "/"
    for name in sorted(names):
        if _judge(tree, prefix, name, tree.text(prefix + name)):
            return prefix + name
    return None


def _judge(tree: SourceTree, prefix: str, name: str, text: str | None) -> bool:
    if name.endswith("proj"):
        return text is None or (
            bool(_DOTNET_RUNNABLE.search(text)) and not _DOTNET_TEST.search(text)
        )
    if text is None:
        return True
    if name == "package.json":
        return _node_runnable(text or "")
    if name == "go.mod":
        return _any_text(tree, prefix, ".go", lambda t: bool(_GO_MAIN.search(t)))
    if name == "pom.xml":
        return not re.search(r"<packaging>\s*pom\s*</packaging>", text or "")
    if name in ("build.gradle", "build.gradle.kts"):
        return bool(_GRADLE_APP.search(text or ""))
    if name == "Cargo.toml":
        return "[[bin]]" in (text or "") or tree.has(prefix + "src/main.rs")
    if name in ("pyproject.toml", "requirements.txt", "Pipfile", "setup.py"):
        return bool(_PY_SCRIPTS.search(text or "")) or _has_python_entry(tree, prefix)
    return True


def _node_runnable(text: str) -> bool:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return True
    scripts = data.get("scripts") if isinstance(data, dict) else None
    return isinstance(scripts, dict) and any(k in scripts for k in ("start", "serve", "preview"))


def _files(tree: SourceTree, prefix: str) -> tuple[str, ...]:
    return tree.under(prefix)[:MAX_SCANNED]


def _has_python_entry(tree: SourceTree, prefix: str) -> bool:
    return any(posixpath.basename(p) in _PY_ENTRIES for p in _files(tree, prefix))


def _any_text(tree: SourceTree, prefix: str, suffix: str, test: Callable[[str], bool]) -> bool:
    seen_unreadable = False
    for path in _files(tree, prefix):
        if not path.endswith(suffix) or "/vendor/" in path:
            continue
        text = tree.text(path)
        if text is None:
            seen_unreadable = True
        elif test(text):
            return True
    return seen_unreadable
