"""What a stage takes from the build context: ``COPY``/``ADD`` sources and ``RUN`` bind mounts.

Sources are recorded as written after ARG substitution (relative to the context); the
destination, ``COPY --from`` (another stage or image), ``ADD`` of URLs or git repositories and
heredoc sources are not context paths and are left out.  Must not: judge whether a source
exists (the caller holds the tree), or keep more than ``MAX_SOURCES`` sources per instruction.
"""

from __future__ import annotations

from dorgu.analysis.dockerfile.instructions import Instruction
from dorgu.analysis.dockerfile.scoping import Build, expand_word
from dorgu.analysis.dockerfile.splitting import NotStringArrayError, parse_json_array, split_words
from dorgu.analysis.dockerfile.stages import ContextRef, StageState

MAX_SOURCES = 256


def record_context_copy(instruction: Instruction, build: Build, stage: StageState) -> None:
    """A ``COPY`` without ``--from`` or an ``ADD``: its context sources."""
    try:
        words = parse_json_array(instruction.rest)
    except NotStringArrayError:
        return  # reported by nobody else; Docker refuses it, and nothing is copied
    if words is None:
        words = tuple(w.text for w in split_words(instruction.rest, build.escape))
    if len(words) < 2:
        return
    sources: list[str] = []
    opaque = False
    for word in words[:-1][:MAX_SOURCES]:
        if word.startswith("<<"):
            continue  # a heredoc: content written in the Dockerfile
        expanded = expand_word(build, word, line=instruction.line, stage=stage)
        text = expanded.text.strip()
        if "://" in text or text.startswith("git@"):
            continue  # ADD of a URL or a git repository
        opaque = opaque or expanded.opaque or bool(expanded.undefined) or "$" in text
        if text:
            sources.append(text)
    if sources or opaque:
        stage.context_copies.append(ContextRef(tuple(sources), opaque, instruction.line))


def record_bind_mounts(instruction: Instruction, build: Build, stage: StageState) -> None:
    """``RUN --mount=type=bind[,source=dir]`` without ``from=`` reads the context directly."""
    for flag in instruction.flags:
        if flag.name != "mount" or not flag.value:
            continue
        options = dict(part.partition("=")[::2] for part in flag.value.split(",") if "=" in part)
        if options.get("type", "bind") != "bind" or "from" in options:
            continue
        source = options.get("source") or options.get("src") or "."
        stage.context_copies.append(ContextRef((source,), "$" in source, instruction.line))
