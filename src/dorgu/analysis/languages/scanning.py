"""Text scanning shared by the source-code analysers.

Comment masking (commented-out code and prose never count), offset-to-line lookup, bounded
bracket matching, path filters (vendored and test code) and small value helpers.  The report
accumulator is in ``scanning_findings``.

Must not: open files, read the environment, print, or raise.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from dorgu.analysis.routes import join_paths
from dorgu.analysis.sources import SourceTree
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern, Pattern

MAX_SCAN_CHARS = 2_000_000  # larger source files are skipped (generated or minified)

_SKIP_DIRS = frozenset(
    {
        "node_modules",
        "vendor",
        ".venv",
        "venv",
        "site-packages",
        "__pycache__",
        ".git",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        "dist",
        "build",
        ".next",
        ".nuxt",
        ".svelte-kit",
        "coverage",
        "bower_components",
        ".bundle",
        "target",
        ".gradle",
        ".idea",
        ".cache",
    }
)
_TEST_DIRS = frozenset(
    {"test", "tests", "__tests__", "spec", "specs", "testdata", "e2e", "fixtures", "__mocks__"}
)
_TEST_FILE = LazyPattern(
    r"(?:^test_.*\.py|_test\.(?:py|go|rb)|^conftest\.py|\.(?:test|spec)\.[cm]?[jt]sx?"
    r"|_spec\.rb|Test\.php)$"
)


def is_skipped(path: str) -> bool:
    """True for vendored, generated or cached code that is not the app's own."""
    return any(part in _SKIP_DIRS for part in path.split("/")[:-1])


def is_test(path: str) -> bool:
    """True for test code, whose routes and ports are fixtures rather than the app's."""
    parts = path.split("/")
    return _TEST_FILE.search(parts[-1]) is not None or any(p in _TEST_DIRS for p in parts[:-1])


def sources(tree: SourceTree, *suffixes: str) -> Iterator[tuple[str, str]]:
    """(path, text) of loaded, non-vendored, non-test files ending with one of ``suffixes``."""
    for path in tree.paths:
        if not path.endswith(suffixes) or is_skipped(path) or is_test(path):
            continue
        text = tree.texts.get(path)
        if text is not None and len(text) <= MAX_SCAN_CHARS:
            yield path, text


def shallowest(tree: SourceTree, *names: str) -> str | None:
    """The shallowest loaded, non-vendored file with one of the basenames ``names``."""
    for path in tree.named(*names):
        if not is_skipped(path) and path in tree.texts:
            return path
    return None


# --- comment masking ----------------------------------------------------------------------

_DQ = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
_SQ = r"'[^'\\\n]*(?:\\.[^'\\\n]*)*'"
_BT = r"`[^`\\]*(?:\\.[^`\\]*)*(?:`|\Z)"
_GO_RAW = r"`[^`]*(?:`|\Z)"
_BLOCK = r"/\*[^*]*(?:\*(?!/)[^*]*)*(?:\*/|\Z)"
_TRIPLE_D = r'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"""|\Z)'
_TRIPLE_S = r"'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)"

_MASKS: dict[str, Pattern] = {
    "python": LazyPattern(rf"(?P<c>{_TRIPLE_D}|{_TRIPLE_S}|#[^\n]*)|{_DQ}|{_SQ}", re.S),
    "js": LazyPattern(rf"(?P<c>//[^\n]*|{_BLOCK})|{_DQ}|{_SQ}|{_BT}", re.S),
    "go": LazyPattern(rf"(?P<c>//[^\n]*|{_BLOCK})|{_DQ}|{_SQ}|{_GO_RAW}", re.S),
    "php": LazyPattern(rf"(?P<c>//[^\n]*|#(?!\[)[^\n]*|{_BLOCK})|{_DQ}|{_SQ}", re.S),
    "ruby": LazyPattern(
        rf"(?P<c>#(?!\{{)[^\n]*|^=begin\b.*?(?:^=end\b[^\n]*|\Z))|{_DQ}|{_SQ}", re.S | re.M
    ),
    "text": LazyPattern(r"(?P<c>#[^\n]*)"),
}


def _blank(text: str) -> str:
    if "\n" not in text:
        return " " * len(text)
    return "\n".join(" " * len(part) for part in text.split("\n"))


def _mask_match(match: re.Match[str]) -> str:
    if match.group("c") is not None:
        return _blank(match.group())
    return match.group()


def mask_comments(text: str, syntax: str) -> str:
    """``text`` with comments (and Python docstrings) blanked; offsets and lines are kept."""
    pattern = _MASKS.get(syntax)
    return text if pattern is None else pattern.sub(_mask_match, text)


class Text:
    """One source file prepared for scanning: ``code`` is the comment-masked text."""

    __slots__ = ("_newlines", "code", "path", "raw")

    def __init__(self, path: str, raw: str, syntax: str) -> None:
        self.path = path
        self.raw = raw
        self.code = mask_comments(raw, syntax)
        self._newlines: list[int] | None = None

    def line(self, offset: int) -> int:
        if self._newlines is None:
            self._newlines = [m.start() for m in _NEWLINE.finditer(self.raw)]
        return bisect.bisect_left(self._newlines, offset) + 1

    def loc(self, offset: int) -> Location:
        return Location(file=self.path, line=self.line(offset))


_NEWLINE = LazyPattern(r"\n")
# Look-behind helpers match the reversed text just before an offset, so each costs
# O(identifier) instead of retrying a pattern at every position of a window.
_REVERSED_NAME = LazyPattern(r"[ \t]*(\w+)")
_REVERSED_ASSIGNMENT = LazyPattern(
    r"[ \t]*(?:(\w+)[ \t]*)?=:?[ \t]*(?:[^=\n]{1,100}?:[ \t]*)?(\w+)"
)


def has_any(code: str, *needles: str) -> bool:
    """Cheap gate before a costly regex: does ``code`` contain any of ``needles``?"""
    return any(needle in code for needle in needles)


def receiver(code: str, dot: int) -> str | None:
    """The identifier right before ``code[dot]`` (``router`` in ``router.get(``).

    Patterns start at the literal ``.get(`` and look back with this: a leading identifier
    group would make the regex engine try every word character of the file.
    """
    match = _REVERSED_NAME.match(code[max(0, dot - 100) : dot][::-1])
    return match.group(1)[::-1] if match else None


def assignment(code: str, dot: int) -> tuple[str, str | None] | None:
    """(target, receiver) for ``v1 := r.Group(`` / ``const app = express(`` ending at ``dot``."""
    match = _REVERSED_ASSIGNMENT.match(code[max(0, dot - 160) : dot][::-1])
    if match is None:
        return None
    called = match.group(1)[::-1] if match.group(1) else None
    return match.group(2)[::-1], None if called == "await" else called


_PARENS = LazyPattern(r"[()]")
_BRACES = LazyPattern(r"[{}]")


_MAX_BRACKETS = 128  # bracket tokens looked at per call: bounds work on unbalanced input


def _closing(pattern: Pattern, code: str, start: int, limit: int) -> int | None:
    depth = 0
    for seen, match in enumerate(pattern.finditer(code, start, min(len(code), start + limit))):
        if seen >= _MAX_BRACKETS:
            return None
        if match.group() in "({":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return match.start()
    return None


def call_args(code: str, open_paren: int, limit: int = 4000) -> str | None:
    """The text between ``code[open_paren] == '('`` and its matching ``)``, if within ``limit``."""
    end = _closing(_PARENS, code, open_paren, limit)
    return None if end is None else code[open_paren + 1 : end]


def block_end(code: str, open_brace: int, limit: int = 500_000) -> int:
    """Offset of the ``}`` matching ``code[open_brace]``; end of text when unbalanced.

    One call scans up to ``limit`` characters: for many blocks use ``BracePairs``.
    """
    end = _closing(_BRACES, code, open_brace, limit)
    return len(code) if end is None else end


class BracePairs:
    """Every ``{`` of a text mapped to its matching ``}`` in one pass (unclosed: end of text)."""

    def __init__(self, code: str) -> None:
        self._ends: dict[int, int] = {}
        stack: list[int] = []
        for match in _BRACES.finditer(code):
            if match.group() == "{":
                stack.append(match.start())
            elif stack:
                self._ends[stack.pop()] = match.start()
        for start in stack:
            self._ends[start] = len(code)

    def end(self, open_brace: int) -> int:
        return self._ends.get(open_brace, open_brace)


class Nesting:
    """Prefixes of nested ranges (group closures), queried at increasing offsets.

    ``ranges`` are (start, end, prefix) from properly nested blocks; ``at`` joins the prefixes of
    every range containing the offset, in a single sweep over all queries.
    """

    def __init__(self, ranges: list[tuple[int, int, str]]) -> None:
        self._ranges = sorted(ranges)
        self._next = 0
        self._open: list[tuple[int, str]] = []  # (end, prefix), innermost last
        self._last = -1

    def at(self, offset: int) -> str:
        if offset < self._last:  # out-of-order query: restart the sweep
            self._next, self._open = 0, []
        self._last = offset
        while self._next < len(self._ranges) and self._ranges[self._next][0] < offset:
            start, end, prefix = self._ranges[self._next]
            while self._open and self._open[-1][0] <= start:
                self._open.pop()
            self._open.append((end, prefix))
            self._next += 1
        while self._open and self._open[-1][0] <= offset:
            self._open.pop()
        return join_paths(*(p for _, p in self._open[:64]))


def split_top_level(args: str) -> list[str]:
    """Split call arguments at commas that are not nested in brackets."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, char in enumerate(args):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(args[start:i].strip())
            start = i + 1
    tail = args[start:].strip()
    if tail:
        parts.append(tail)
    return parts


# --- small value helpers ------------------------------------------------------------------

_VERSION = LazyPattern(r"(\d+(?:\.\d+){0,2})")
_TOML_LINE = LazyPattern(r"at line (\d+)")
_QUOTED = LazyPattern(r"""["']([^"'\n]{1,300})["']""")


def version_from_spec(spec: str) -> str | None:
    """``>=3.11,<4`` -> ``3.11``; ``^20.1`` -> ``20.1``; ``lts/*`` -> None."""
    match = _VERSION.search(spec[:200])
    return match.group(1) if match else None


def toml_error_line(message: str, text: str) -> int:
    """The line a ``tomllib`` error points at (the last line for "end of document")."""
    match = _TOML_LINE.search(message)
    return int(match.group(1)) if match else text.count("\n") + 1


def quoted_strings(text: str) -> list[str]:
    return _QUOTED.findall(text)


def valid_port(text: str | int) -> int | None:
    try:
        number = int(text)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 65535 else None


def line_of_token(text: str, token: str) -> int | None:
    """The first 1-based line of ``text`` that contains ``token`` (for manifest entries)."""
    index = text.find(token)
    return None if index < 0 else text.count("\n", 0, index) + 1


# --- router prefixes across files ---------------------------------------------------------

Node = tuple[str, str]  # (file, variable); variable "*" stands for "any router of that file"


class Mounts:
    """Which router is mounted under which prefix, so a route's full path can be resolved.

    ``own`` holds a router's own prefix (``APIRouter(prefix="/users")``); ``mount`` records that
    ``child`` is attached to ``parent`` under ``prefix``.  A child ``(file, "*")`` stands for every
    router of a module mounted by import (``app.use("/api", require("./routes"))``).  Cycles and
    very deep chains stop resolution rather than loop.
    """

    def __init__(self) -> None:
        self.own: dict[Node, str] = {}
        self._edges: dict[Node, tuple[Node, str, bool]] = {}

    def mount(self, child: Node, parent: Node, prefix: str, *, replaces_own: bool = False) -> None:
        if child != parent:
            self._edges.setdefault(child, (parent, prefix, replaces_own))

    def prefix(self, node: Node) -> str:
        parts: list[str] = []
        seen: set[Node] = set()
        current: Node | None = node
        while current is not None and current not in seen and len(seen) < 32:
            seen.add(current)
            own = self.own.get(current, "")
            edge = self._edges.get(current)
            if edge is None and current[1] != "*":
                edge = self._edges.get((current[0], "*"))
            if edge is None:
                parts.append(own)
                current = None
            else:
                parent, prefix, replaces_own = edge
                parts.append(join_paths(prefix, "" if replaces_own and prefix else own))
                current = parent
        return join_paths(*reversed(parts))


# --- ports named by environment variables ---------------------------------------------------

_HTTP_PORT_ENV = LazyPattern(
    r"^(?:PORT|(?:HTTP|APP|SERVER|WEB|API|SERVICE|LISTEN|UVICORN|GUNICORN|FLASK_RUN|NODE|"
    r"EXPRESS|APPLICATION|REST|RAILS|PUMA|SINATRA)_PORT)$",
    re.IGNORECASE,
)
_METRICS_PORT_ENV = LazyPattern(r"^(?:METRICS|PROMETHEUS|PROM)_PORT$", re.IGNORECASE)
_GRPC_PORT_ENV = LazyPattern(r"^GRPC(?:_SERVER)?_PORT$", re.IGNORECASE)


def port_purpose(env_name: str) -> str | None:
    """``PORT`` -> http, ``METRICS_PORT`` -> metrics, ``DB_PORT`` -> None (not ours)."""
    if _HTTP_PORT_ENV.match(env_name):
        return "http"
    if _METRICS_PORT_ENV.match(env_name):
        return "metrics"
    if _GRPC_PORT_ENV.match(env_name):
        return "grpc"
    return None
