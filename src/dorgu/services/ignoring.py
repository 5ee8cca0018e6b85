"""Ignore rules: nested ``.gitignore`` files (git semantics) and ``.dockerignore`` (Docker's).

Docker's rules differ from git's: patterns are anchored at the context root, ``*`` never
crosses ``/``, ``**`` matches any number of directories, a path is excluded when it or one of
its parent directories matches, and the last matching pattern wins (``!`` re-includes).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

from dorgu.analysis.dockerignore import Matcher, parse_dockerignore

# Build-describing files are never hidden: Docker itself always sends them.
_ALWAYS_KEPT = frozenset({"Dockerfile", "Containerfile", ".dockerignore"})


@dataclass
class GitIgnores:
    """Stack of (directory prefix, spec) from .gitignore files, outermost first."""

    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = field(default_factory=list)

    def push(self, prefix: str, lines: list[str]) -> None:
        import pathspec  # lazy: only trees with a .gitignore pay for it (startup time)

        self.specs.append((prefix, pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignored(self, rel: str, *, is_dir: bool) -> bool:
        candidate = rel + "/" if is_dir else rel
        for prefix, spec in self.specs:
            if prefix and not candidate.startswith(prefix):
                continue
            if spec.match_file(candidate[len(prefix) :]):
                return True
        return False


@dataclass
class DockerIgnore:
    """The root ``.dockerignore``, with Docker's rules (``dorgu.analysis.dockerignore``)."""

    matcher: Matcher | None = None
    negates: bool = False  # some rule re-includes (``!``), so no directory can be pruned whole

    @classmethod
    def from_lines(cls, lines: list[str]) -> DockerIgnore:
        negates = any(line.strip().startswith("!") for line in lines)
        return cls(matcher=parse_dockerignore("\n".join(lines)), negates=negates)

    def ignored(self, rel: str) -> bool:
        if self.matcher is None:
            return False
        if posixpath.basename(rel) in _ALWAYS_KEPT and "/" not in rel:
            return False
        return self.matcher(rel)
