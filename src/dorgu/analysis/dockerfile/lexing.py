"""Turning Dockerfile text into logical lines: directives, comments, continuations, heredocs.

Follows BuildKit's rules: parser directives (``# syntax=``, ``# escape=``, ``# check=``) are read
only until the first line that is not one; a line ending in the escape character continues on
the next line, skipping comment lines and empty lines in between; ``RUN``/``COPY``/``ADD`` lines
with ``<<WORD`` markers swallow the following lines up to each terminator.

Must not: interpret instructions (beyond spotting heredoc-capable ones), expand variables, or
store heredoc bodies anywhere but the returned ``LogicalLine``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dorgu.analysis.dockerfile.diagnosing import Diagnostics
from dorgu.analysis.dockerfile.splitting import split_words
from dorgu.errors import LimitExceededError, ParseError
from dorgu.models.patterns import LazyPattern, Pattern

MAX_INSTRUCTIONS = 10_000

_DIRECTIVE = LazyPattern(r"^#[ \t]*([A-Za-z][A-Za-z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$")
_KNOWN_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_HEREDOC_INSTRUCTIONS = frozenset({"run", "copy", "add"})
_HEREDOC_MARKER = LazyPattern(r"^(\d*)<<(-?)([^<]+)$")
_FIRST_WORD = LazyPattern(r"^[ \t\v\f]*(\S+)")


@dataclass(frozen=True)
class Heredoc:
    """A here-document attached to an instruction.  ``expand`` is False for a quoted name."""

    name: str
    content: str
    expand: bool
    chomp: bool


@dataclass(frozen=True)
class LogicalLine:
    """One instruction's text with continuations joined; ``line`` is its first physical line."""

    text: str
    line: int
    end_line: int
    heredocs: tuple[Heredoc, ...] = ()


@dataclass(frozen=True)
class Lexed:
    directives: tuple[tuple[str, str], ...]
    escape: str
    lines: tuple[LogicalLine, ...]


def _physical_lines(text: str) -> list[str]:
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _read_directives(lines: list[str], file: str) -> tuple[tuple[tuple[str, str], ...], str]:
    found: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        match = _DIRECTIVE.match(line.lstrip(" \t"))
        if match is None:
            break
        name, value = match.group(1).lower(), match.group(2)
        if name not in _KNOWN_DIRECTIVES:
            break  # an unknown directive is a comment, and ends the directives
        if name in found:
            if name == "escape":
                raise ParseError(
                    "only one escape parser directive can be used",
                    file=file,
                    line=number,
                    hint="remove the duplicate '# escape=' line",
                )
            continue
        if name == "escape" and value not in ("\\", "`"):
            raise ParseError(
                f"invalid escape token {value!r} in parser directive",
                file=file,
                line=number,
                hint="use '# escape=\\' or '# escape=`'",
            )
        found[name] = value
    escape = found.get("escape", "\\")
    return tuple(sorted(found.items())), escape


def _is_comment(line: str) -> bool:
    return line.lstrip(" \t\v\f\r").startswith("#")


def _strip_continuation(line: str, continuation: Pattern) -> tuple[str, bool]:
    """The line without a trailing escape character, and whether the instruction ends here."""
    match = continuation.search(line)
    if match is None:
        return line, True
    return line[: match.start()], False


def _heredoc_markers(text: str, escape: str) -> list[tuple[str, bool, bool]]:
    match = _FIRST_WORD.match(text)
    if match is None or match.group(1).lower() not in _HEREDOC_INSTRUCTIONS:
        return []
    markers: list[tuple[str, bool, bool]] = []
    for word in split_words(text[match.end() :], escape):
        found = _HEREDOC_MARKER.match(word.text)
        if found is None:
            continue
        raw_name = found.group(3)
        quoted = any(q in raw_name for q in "'\"")
        name = raw_name.replace("'", "").replace('"', "")
        if name and not any(ch.isspace() for ch in name):
            markers.append((name, not quoted, found.group(2) == "-"))
    return markers


def lex(text: str, *, file: str, diagnostics: Diagnostics) -> Lexed:
    """Split ``text`` into logical lines.  Raises ParseError / LimitExceededError when fatal."""
    lines = _physical_lines(text)
    directives, escape = _read_directives(lines, file)
    continuation = re.compile(re.escape(escape) + r"[ \t]*$")
    result: list[LogicalLine] = []
    total = len(lines)
    i = 0
    while i < total:
        start = i + 1
        raw = lines[i]
        i += 1
        if _is_comment(raw):
            continue
        body, ended = _strip_continuation(raw.lstrip(" \t\v\f\r"), continuation)
        if ended and not body.strip():
            continue
        parts = [body]
        while not ended and i < total:
            raw = lines[i]
            i += 1
            if _is_comment(raw):
                continue
            if not raw.strip():
                diagnostics.add(
                    "empty-continuation",
                    "empty continuation line (will become an error in future Docker releases)",
                    i,
                )
                continue
            body, ended = _strip_continuation(raw, continuation)
            parts.append(body)
        logical = "".join(parts)
        if not logical.strip():
            continue
        heredocs: list[Heredoc] = []
        for name, expand, chomp in _heredoc_markers(logical, escape):
            content: list[str] = []
            terminated = False
            while i < total:
                raw = lines[i]
                i += 1
                candidate = raw.lstrip("\t") if chomp else raw
                if candidate == name:
                    terminated = True
                    break
                content.append(candidate)
            if not terminated:
                raise ParseError(
                    f"unterminated heredoc {name!r}",
                    file=file,
                    line=start,
                    hint=f"end the here-document with a line containing only {name}",
                )
            body_text = "".join(f"{c}\n" for c in content)
            heredocs.append(Heredoc(name=name, content=body_text, expand=expand, chomp=chomp))
        result.append(LogicalLine(logical, start, i, tuple(heredocs)))
        if len(result) > MAX_INSTRUCTIONS:
            raise LimitExceededError(
                f"{file}: more than {MAX_INSTRUCTIONS} instructions",
                hint="dorgu refuses unusually large Dockerfiles; split it or pass a smaller one",
            )
    return Lexed(directives=directives, escape=escape, lines=tuple(result))
