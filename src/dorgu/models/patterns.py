"""Regular expressions compiled on first use.

A module-level ``re.compile`` runs when the module is imported, whether or not the run ever
matches with it: dorgu holds hundreds of patterns (one per framework, language, file format)
and a typical run uses a third of them.  ``LazyPattern`` compiles on the first match, so
importing a module costs only the patterns a run needs (``docs/analysis.md``, "Start-up
cost").

Must not: hold state beyond the compiled pattern and its bound methods, or accept bytes
patterns.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["LazyPattern", "Pattern"]


class LazyPattern:
    """A ``re.Pattern[str]`` look-alike that compiles ``pattern`` on first use.

    The first call of a matching method compiles the pattern and binds the compiled pattern's
    own methods on the instance, so every later call goes straight to ``re`` (no wrapper cost
    on the hot paths of large trees)."""

    def __init__(self, pattern: str, flags: int | re.RegexFlag = 0) -> None:
        self.pattern = pattern
        self._flags = int(flags)

    @property
    def compiled(self) -> re.Pattern[str]:
        compiled: re.Pattern[str] | None = self.__dict__.get("_compiled")
        if compiled is None:
            compiled = re.compile(self.pattern, self._flags)
            # instance attributes shadow the methods below from now on
            self.__dict__.update(
                _compiled=compiled,
                match=compiled.match,
                fullmatch=compiled.fullmatch,
                search=compiled.search,
                finditer=compiled.finditer,
                findall=compiled.findall,
                split=compiled.split,
                sub=compiled.sub,
                subn=compiled.subn,
            )
        return compiled

    @property
    def flags(self) -> int:
        return self.compiled.flags

    @property
    def groups(self) -> int:
        return self.compiled.groups

    @property
    def groupindex(self) -> Mapping[str, int]:
        return self.compiled.groupindex

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.match(string, pos, endpos)

    def fullmatch(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[str] | None:
        return self.compiled.fullmatch(string, pos, endpos)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.search(string, pos, endpos)

    def finditer(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.compiled.findall(string, pos, endpos)

    def split(self, string: str, maxsplit: int = 0) -> list[str | Any]:
        return self.compiled.split(string, maxsplit)

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> str:
        return self.compiled.sub(repl, string, count)

    def subn(
        self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0
    ) -> tuple[str, int]:
        return self.compiled.subn(repl, string, count)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self._flags})"


# What a function taking a pattern accepts: compiled now or on first use.
Pattern = re.Pattern[str] | LazyPattern
