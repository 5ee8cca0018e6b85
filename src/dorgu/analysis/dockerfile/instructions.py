"""Recognising instructions: keyword, ``--flags``, raw arguments, and ONBUILD triggers.

Must not: expand variables or judge argument values; that is dispatching's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dorgu.analysis.dockerfile.lexing import Heredoc, LogicalLine
from dorgu.analysis.dockerfile.splitting import split_words
from dorgu.models.patterns import LazyPattern

KNOWN = frozenset(
    {
        "add",
        "arg",
        "cmd",
        "copy",
        "entrypoint",
        "env",
        "expose",
        "from",
        "healthcheck",
        "label",
        "maintainer",
        "onbuild",
        "run",
        "shell",
        "stopsignal",
        "user",
        "volume",
        "workdir",
    }
)

# Instructions whose leading --name[=value] words are flags, and the flags each accepts.
FLAGS: dict[str, frozenset[str]] = {
    "from": frozenset({"platform"}),
    "copy": frozenset({"from", "chown", "chmod", "link", "parents", "exclude"}),
    "add": frozenset({"chown", "chmod", "link", "keep-git-dir", "checksum", "exclude", "unpack"}),
    "run": frozenset({"mount", "network", "security", "device"}),
    "healthcheck": frozenset({"interval", "timeout", "start-period", "start-interval", "retries"}),
}

_SPLIT = LazyPattern(r"^[ \t\v\f\r]*(\S+)[ \t\v\f\r]*(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Flag:
    name: str
    value: str | None  # None for a bare ``--link``


@dataclass(frozen=True)
class Instruction:
    """One instruction.  ``keyword`` is lower-case; ``rest`` is the text after the flags."""

    keyword: str
    rest: str
    line: int
    flags: tuple[Flag, ...] = ()
    heredocs: tuple[Heredoc, ...] = ()
    trigger: Instruction | None = None  # the instruction an ONBUILD wraps

    def flag(self, name: str) -> str | None:
        """The value of the last ``--name=value`` flag (empty for a bare flag), or None."""
        found: str | None = None
        for flag in self.flags:
            if flag.name == name:
                found = flag.value if flag.value is not None else ""
        return found


def _split_flags(rest: str, escape: str) -> tuple[tuple[Flag, ...], str]:
    flags: list[Flag] = []
    consumed = 0
    for word in split_words(rest, escape):
        if not word.text.startswith("--"):
            break
        consumed = word.end
        if word.text == "--":
            break
        name, sep, value = word.text[2:].partition("=")
        flags.append(Flag(name.lower(), value if sep else None))
    return tuple(flags), rest[consumed:].strip()


def parse_instruction(
    text: str, *, line: int, escape: str, heredocs: tuple[Heredoc, ...] = ()
) -> Instruction | None:
    """Split one logical line into an ``Instruction``; None for a blank line."""
    match = _SPLIT.match(text)
    if match is None:
        return None
    keyword, rest = match.group(1).lower(), match.group(2).strip()
    flags: tuple[Flag, ...] = ()
    if keyword in FLAGS:
        flags, rest = _split_flags(rest, escape)
    trigger = None
    if keyword == "onbuild":
        trigger = parse_instruction(rest, line=line, escape=escape)
    return Instruction(keyword, rest, line, flags, heredocs, trigger)


def parse_line(logical: LogicalLine, escape: str) -> Instruction | None:
    return parse_instruction(
        logical.text, line=logical.line, escape=escape, heredocs=logical.heredocs
    )
