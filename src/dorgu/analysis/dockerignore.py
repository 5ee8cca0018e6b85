"""``.dockerignore``: which context files never reach the build.

The ignore file is ``<Dockerfile>.dockerignore`` beside the Dockerfile when there is one
(BuildKit's per-Dockerfile ignore file), else ``.dockerignore`` at the context root.  Patterns
follow Docker's rules: paths relative to the context (a leading ``/`` is dropped), ``*``
and ``?`` within one path segment, ``**`` across any number of segments, a pattern that
matches a directory excludes its contents, ``!`` re-includes, and the last matching pattern
wins.

Must not: read files (the text is handed in) or keep more than ``MAX_PATTERNS`` patterns.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from dorgu.analysis.sources import SourceTree
from dorgu.models.patterns import Pattern

MAX_PATTERNS = 1000
MAX_CACHED = 100_000
Matcher = Callable[[str], bool]


def ignore_file(tree: SourceTree, context: str, dockerfile: str | None) -> str | None:
    """The path of the ignore file that applies, if the tree holds one."""
    if dockerfile is not None and tree.has(dockerfile + ".dockerignore"):
        return dockerfile + ".dockerignore"
    prefix = "" if context in (".", "") else context.rstrip("/") + "/"
    return prefix + ".dockerignore" if tree.has(prefix + ".dockerignore") else None


def parse_dockerignore(text: str) -> Matcher:
    """A function telling whether a context-relative path is excluded."""
    rules: list[tuple[Pattern, bool]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line[1:].strip() if negate else line
        pattern = posixpath.normpath(pattern.lstrip("/")) if pattern.lstrip("/") else ""
        if not pattern or pattern == ".":
            continue
        rules.append((_compile(pattern), negate))
        if len(rules) >= MAX_PATTERNS:
            break

    # The last rule that matches the path or one of its parent directories decides.  The
    # highest matching rule index of each directory is cached, so a tree of n files costs
    # about n x rules matches, not n x depth x rules.
    last_of_dir: dict[str, int] = {"": -1}

    def last_match(path: str, parent: int) -> int:
        for index in range(len(rules) - 1, parent, -1):
            if rules[index][0].fullmatch(path):
                return index
        return parent

    def dir_match(directory: str) -> int:
        pending: list[str] = []
        while directory not in last_of_dir:
            pending.append(directory)
            directory = posixpath.dirname(directory)
        found = last_of_dir[directory]
        for name in reversed(pending):
            found = last_match(name, found)
            if len(last_of_dir) < MAX_CACHED:
                last_of_dir[name] = found
        return found

    def excluded(path: str) -> bool:
        index = last_match(path, dir_match(posixpath.dirname(path)))
        return index >= 0 and not rules[index][1]

    return excluded


def _compile(pattern: str) -> Pattern:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                out.append(f"[{'^' + body[1:] if body.startswith('!') else body}]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    try:
        return re.compile("".join(out))
    except re.error:
        return re.compile(re.escape(pattern))
