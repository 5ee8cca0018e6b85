"""The read-only view of an app directory that analysers work on.

``paths`` lists every file the walker kept (relative POSIX paths, sorted); ``texts`` holds the
decoded contents of the files some analyser asked for (see ``wants``).  Files that were too big,
binary or not UTF-8 are listed in ``paths`` but absent from ``texts``.
"""

from __future__ import annotations

import bisect
import fnmatch
import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceTree:
    paths: tuple[str, ...]
    texts: Mapping[str, str] = field(default_factory=dict)

    def text(self, path: str) -> str | None:
        return self.texts.get(path)

    def has(self, path: str) -> bool:
        return path in self._path_set

    @property
    def _path_set(self) -> frozenset[str]:
        cached: frozenset[str] | None = self.__dict__.get("_paths_cache")
        if cached is None:
            cached = frozenset(self.paths)
            object.__setattr__(self, "_paths_cache", cached)
        return cached

    def named(self, *names: str) -> Iterator[str]:
        """Paths whose basename is one of ``names`` (shallowest first, then alphabetical)."""
        wanted = set(names)
        hits = [p for p in self.paths if posixpath.basename(p) in wanted]
        yield from sorted(hits, key=lambda p: (p.count("/"), p))

    def matching(self, pattern: str) -> Iterator[str]:
        """Paths whose basename matches a glob such as ``*.py``."""
        for p in self.paths:
            if fnmatch.fnmatchcase(posixpath.basename(p), pattern):
                yield p

    def loaded(self, pattern: str) -> Iterator[tuple[str, str]]:
        """(path, text) of loaded files whose basename matches ``pattern``, in path order."""
        for p in self.matching(pattern):
            text = self.texts.get(p)
            if text is not None:
                yield p, text

    def subtree(self, prefix: str) -> SourceTree:
        """The part of the tree under directory ``prefix`` with paths made relative to it."""
        if prefix in ("", "."):
            return self
        base = prefix.rstrip("/") + "/"
        cut = len(base)
        inside = self.under(base)
        paths = tuple(p[cut:] for p in inside)
        texts = {p[cut:]: self.texts[p] for p in inside if p in self.texts}
        return SourceTree(paths=paths, texts=texts)

    def under(self, base: str) -> tuple[str, ...]:
        """Paths starting with ``base`` (a directory prefix ending in ``/``, or ``""``).

        ``paths`` is sorted, so the matches are one contiguous run found by bisection: cheap
        enough to call once per app in a monorepo of 100,000 files.
        """
        if not base:
            return self.paths
        ordered = self._sorted_paths
        start = bisect.bisect_left(ordered, base)
        end = bisect.bisect_left(ordered, base[:-1] + chr(ord(base[-1]) + 1), lo=start)
        return ordered[start:end]

    @property
    def _sorted_paths(self) -> tuple[str, ...]:
        cached: tuple[str, ...] | None = self.__dict__.get("_sorted_cache")
        if cached is None:
            cached = tuple(sorted(self.paths))
            object.__setattr__(self, "_sorted_cache", cached)
        return cached
