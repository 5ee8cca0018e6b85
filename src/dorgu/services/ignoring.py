"""Ignore rules: nested ``.gitignore`` files (git semantics) and ``.dockerignore`` (Docker's).

Docker's rules differ from git's: patterns are anchored at the context root, ``*`` never
crosses ``/``, ``**`` matches any number of directories, a path is excluded when it or one of
its parent directories matches, and the last matching pattern wins (``!`` re-includes).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec

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


def _translate(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if i < len(pattern) and pattern[i] == "/":
                i += 1
                out.append("(?:.*/)?")
            else:
                out.append(".*")
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("^"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


@dataclass
class DockerIgnore:
    rules: list[tuple[bool, re.Pattern[str]]] = field(default_factory=list)

    @classmethod
    def from_lines(cls, lines: list[str]) -> DockerIgnore:
        rules: list[tuple[bool, re.Pattern[str]]] = []
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            if negate:
                line = line[1:].strip()
            line = posixpath.normpath(line.lstrip("/")) if line.strip("/") else ""
            if not line or line == ".":
                continue
            rules.append((negate, _translate(line)))
        return cls(rules=rules)

    def ignored(self, rel: str) -> bool:
        if posixpath.basename(rel) in _ALWAYS_KEPT and "/" not in rel:
            return False
        parts = rel.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        excluded = False
        for negate, pattern in self.rules:
            if negate:
                # A re-include applies to the path itself (or a directory containing it).
                if any(pattern.match(p) for p in prefixes):
                    excluded = False
            elif any(pattern.match(p) for p in prefixes):
                excluded = True
        return excluded
