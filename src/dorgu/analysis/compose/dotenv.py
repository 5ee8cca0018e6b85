"""Parsing ``.env`` and ``env_file`` texts (dotenv syntax as Compose reads it).

Supports comments, the ``export`` prefix, unquoted values with trailing ``# comments``, single
quotes (literal), double quotes (escapes, interpolation), values spanning lines inside quotes,
``KEY=`` (empty) and bare ``KEY`` (value taken from the environment by the caller: None here).

Must not: read the process environment (the caller passes a lookup) or open files.  Lines with
an invalid variable name are skipped with a diagnostic; an unterminated quote is a ParseError.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from dorgu.analysis.compose.interpolating import Protect, interpolate
from dorgu.analysis.compose.notes import Notes
from dorgu.errors import ParseError
from dorgu.models.evidence import Location
from dorgu.models.patterns import LazyPattern

_KEY = LazyPattern(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_EXPORT = LazyPattern(r"export\s+")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "$": "$$", "'": "'"}


@dataclass(frozen=True)
class DotenvEntry:
    name: str
    value: str | None  # None: bare ``KEY`` without ``=``
    line: int


def parse_dotenv(
    text: str,
    *,
    file: str,
    notes: Notes,
    lookup: Callable[[str], str | None] = lambda _name: None,
    protect: Protect | None = None,
) -> list[DotenvEntry]:
    """Entries in file order (later duplicates override earlier ones when made a dict).

    ``${VAR}`` in unquoted and double-quoted values is expanded against earlier entries of the
    same file, then ``lookup``.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    entries: list[DotenvEntry] = []
    known: dict[str, str] = {}

    def resolve(name: str) -> str | None:
        return known[name] if name in known else lookup(name)

    i = 0
    while i < len(lines):
        number = i + 1
        raw = lines[i].strip()
        i += 1
        if not raw or raw.startswith("#"):
            continue
        export = _EXPORT.match(raw)
        body = raw[export.end() :] if export else raw
        match = _KEY.match(body)
        location = Location(file=file, line=number)
        rest = body[match.end() :].lstrip() if match else ""
        if match is None or (rest and not rest.startswith("=")):
            notes.add("compose.env-syntax", f"cannot read line {body[:40]!r}; skipped", location)
            continue
        name = match.group()
        if not rest:
            entries.append(DotenvEntry(name, None, number))
            continue
        value_text = rest[1:].lstrip()
        if value_text[:1] in ("'", '"'):
            quote = value_text[0]
            value, consumed = _quoted(value_text[1:], quote, lines, i, location)
            i += consumed
            if quote == '"':
                value = _expand(value, resolve, location, notes, protect)
        else:
            value = _expand(_strip_comment(value_text), resolve, location, notes, protect)
        known[name] = value
        entries.append(DotenvEntry(name, value, number))
    return entries


def _strip_comment(value: str) -> str:
    cut = re.search(r"\s#", value)
    return (value[: cut.start()] if cut else value).strip()


def _quoted(
    first: str, quote: str, lines: list[str], next_index: int, location: Location
) -> tuple[str, int]:
    """The text inside the quotes, and how many extra lines it took."""
    out: list[str] = []
    text, consumed = first, 0
    while True:
        j = 0
        while j < len(text):
            ch = text[j]
            if ch == "\\" and quote == '"' and j + 1 < len(text):
                out.append(_ESCAPES.get(text[j + 1], "\\" + text[j + 1]))
                j += 2
                continue
            if ch == quote:
                return "".join(out), consumed
            out.append(ch)
            j += 1
        if next_index + consumed >= len(lines):
            raise ParseError(f"unterminated {quote} quote", file=location.file, line=location.line)
        out.append("\n")
        text = lines[next_index + consumed]
        consumed += 1


def _expand(
    value: str,
    resolve: Callable[[str], str | None],
    location: Location,
    notes: Notes,
    protect: Protect | None,
) -> str:
    expanded, unset = interpolate(value, resolve, location, protect=protect)
    for name in unset:
        notes.add(
            "compose.unset-variable",
            f"variable {name!r} is not set; substituting an empty string",
            location,
        )
    return expanded
