"""Starting build stages: FROM lines, stage names, inheritance and ONBUILD triggers.

A stage named in a later FROM is that stage's parent: the child starts from a copy of its
configuration and runs its ONBUILD triggers.  Must not: expand FROM arguments with anything
but global ARGs (Docker's rule), or raise anything but ``ParseError`` for a FROM with no image.
"""

from __future__ import annotations

from dorgu.analysis.dockerfile.dispatching import check_flags, dispatch
from dorgu.analysis.dockerfile.instructions import Instruction
from dorgu.analysis.dockerfile.scoping import Build, expand_word, shown
from dorgu.analysis.dockerfile.splitting import split_words
from dorgu.analysis.dockerfile.stages import StageState, valid_stage_name
from dorgu.errors import ParseError


def start_stage(instruction: Instruction, build: Build) -> StageState:
    """Begin a new stage for a FROM instruction, inheriting from an earlier stage it names."""
    line = instruction.line
    words = split_words(instruction.rest, build.escape)
    if not words:
        raise ParseError(
            "FROM requires an image", file=build.file, line=line, hint="write FROM image [AS name]"
        )
    check_flags(instruction, build)
    has_alias = len(words) == 3 and words[1].text.lower() == "as"
    if len(words) != 1 and not has_alias:
        build.diagnostics.add(
            "syntax", "FROM takes an image and an optional 'AS name'; extra words ignored", line
        )
    platform = None
    raw_platform = instruction.flag("platform")
    if raw_platform is not None:
        platform = expand_word(build, raw_platform, line=line, stage=None).text or None
    expansion = expand_word(build, words[0].text, line=line, stage=None)
    image = expansion.text.strip()
    if not image:
        build.diagnostics.add(
            "empty-base-image", f"FROM {shown(words[0].text)!r} expands to nothing", line
        )
        image = words[0].text
    name = _stage_name(words[2].text, build, line) if has_alias else None
    parent = build.stage_names.get(image.lower())
    base = build.stages[parent].base_image if parent is not None else image
    stage = StageState(len(build.stages), name, image, platform, parent, base, line)
    build.stages.append(stage)
    if name is not None:
        build.stage_names.setdefault(name, stage.index)
    if parent is not None:
        source = build.stages[parent]
        stage.inherit(source)
        for trigger in source.onbuild:
            dispatch(trigger, build, stage)
    return stage


def _stage_name(raw: str, build: Build, line: int) -> str:
    name = raw.lower()
    if not valid_stage_name(name):
        build.diagnostics.add(
            "invalid-stage-name",
            f"invalid stage name {shown(raw)!r}: use letters, digits, '-', '_' and '.'",
            line,
        )
    if raw != name:
        build.diagnostics.info(
            "stage-name-casing", f"stage name {shown(raw)!r} should be lowercase", line
        )
    if name in build.stage_names:
        build.diagnostics.add(
            "duplicate-stage-name", f"stage name {shown(name)!r} is already used", line
        )
    return name
