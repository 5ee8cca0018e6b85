"""What a Dockerfile's final stage copies from the build context, and to where.

``COPY``/``ADD`` without ``--from`` put repository files into the image: a server's
configuration often arrives that way (``COPY nginx.conf /etc/nginx/conf.d/default.conf``).
Words with variables are skipped (the build decides them); so are URLs and heredocs.

Must not: open files; parse anything of the Dockerfile beyond FROM, WORKDIR, COPY and ADD.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from dorgu.analysis.dockerfile.diagnosing import Diagnostics
from dorgu.analysis.dockerfile.instructions import parse_line
from dorgu.analysis.dockerfile.lexing import lex
from dorgu.analysis.dockerfile.splitting import parse_json_array, split_words
from dorgu.errors import DorguError
from dorgu.models.evidence import Location


@dataclass(frozen=True)
class Copied:
    """``source`` (relative to the build context, may be a glob) copied to ``target``;
    ``into_directory`` when the target is a directory the sources go into."""

    source: str
    target: str
    into_directory: bool
    location: Location


def final_stage_copies(text: str, *, file: str) -> list[Copied]:
    """The context files the last stage copies (empty when the Dockerfile cannot be read)."""
    try:
        lexed = lex(text, file=file, diagnostics=Diagnostics(file=file))
    except DorguError:
        return []
    copies: list[Copied] = []
    workdir = "/"
    for logical in lexed.lines:
        instruction = parse_line(logical, lexed.escape)
        if instruction is None:
            continue
        if instruction.keyword == "from":
            copies, workdir = [], "/"
        elif instruction.keyword == "workdir" and "$" not in instruction.rest:
            workdir = posixpath.join(workdir, instruction.rest.strip().strip("\"'"))
        elif instruction.keyword in ("copy", "add") and instruction.flag("from") is None:
            if instruction.heredocs:
                continue
            words = parse_json_array(instruction.rest)
            if words is None:
                words = tuple(w.text for w in split_words(instruction.rest, lexed.escape))
            if len(words) < 2:
                continue
            *sources, target = words
            if "$" in target:
                continue
            into = target.endswith("/") or len(sources) > 1 or any("*" in s for s in sources)
            absolute = posixpath.normpath(posixpath.join(workdir, target))
            where = Location(file=file, line=instruction.line)
            for source in sources:
                if "$" in source or "://" in source:
                    continue
                copies.append(Copied(posixpath.normpath(source), absolute, into, where))
    return copies
