"""The public entry point: ``parse_dockerfile(text) -> DockerfileInfo``.

Must not: open files, read the environment, print or log secret values, or raise anything
but ``ParseError`` and ``LimitExceededError`` (both ``DorguError``).
"""

from __future__ import annotations

from collections.abc import Mapping

from dorgu.analysis.dockerfile.assembling import assemble
from dorgu.analysis.dockerfile.declaring import dispatch_arg
from dorgu.analysis.dockerfile.diagnosing import Diagnostics
from dorgu.analysis.dockerfile.dispatching import dispatch
from dorgu.analysis.dockerfile.instructions import KNOWN, parse_line
from dorgu.analysis.dockerfile.lexing import lex
from dorgu.analysis.dockerfile.results import DockerfileInfo
from dorgu.analysis.dockerfile.scoping import Build, shown
from dorgu.analysis.dockerfile.stages import StageState
from dorgu.analysis.dockerfile.starting import start_stage
from dorgu.errors import LimitExceededError, ParseError
from dorgu.models.evidence import Severity

MAX_BYTES = 1024 * 1024


def _checked(text: str, file: str) -> str:
    """``text`` if it is within the size limit, with lone surrogates made printable."""
    too_big = LimitExceededError(
        f"{file}: larger than {MAX_BYTES // 1024} KiB",
        hint="dorgu refuses unusually large Dockerfiles; pass a smaller file",
    )
    if len(text) > MAX_BYTES:
        raise too_big
    encoded = text.encode("utf-8", "replace")
    if len(encoded) > MAX_BYTES:
        raise too_big
    return encoded.decode("utf-8")


def _select(stages: list[StageState], target: str | None, file: str) -> StageState:
    if target is None:
        return stages[-1]
    wanted = target.strip().lower()
    for stage in stages:
        if stage.name == wanted:
            return stage
    if wanted.isascii() and wanted.isdigit() and int(wanted) < len(stages):
        return stages[int(wanted)]
    available = ", ".join(
        stage.name if stage.name is not None else str(stage.index) for stage in stages
    )
    raise ParseError(
        f"target stage {target!r} not found",
        file=file,
        hint=f"available stages: {available}",
    )


def parse_dockerfile(
    text: str,
    *,
    file: str = "Dockerfile",
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
) -> DockerfileInfo:
    """Understand a Dockerfile: stages, ports, env, args, user, healthcheck, commands, labels.

    ``build_args`` play the role of ``docker build --build-arg``; ``target`` selects the final
    stage by name or index (default: the last stage).  Non-fatal problems are returned as
    ``diagnostics``; fatal ones raise ``ParseError`` (no FROM, unterminated heredoc, unknown
    target, invalid escape directive) or ``LimitExceededError`` (over 1 MiB, over 10,000
    instructions, runaway variable expansion).
    """
    text = _checked(text, file)
    diagnostics = Diagnostics(file=file)
    lexed = lex(text, file=file, diagnostics=diagnostics)
    build = Build(
        file=file,
        escape=lexed.escape,
        diagnostics=diagnostics,
        build_args=dict(build_args or {}),
    )
    stage: StageState | None = None
    for logical in lexed.lines:
        instruction = parse_line(logical, lexed.escape)
        if instruction is None:
            continue
        if instruction.keyword == "from":
            stage = start_stage(instruction, build)
        elif stage is not None:
            dispatch(instruction, build, stage)
        elif instruction.keyword == "arg":
            dispatch_arg(instruction, build, None)
        elif instruction.keyword in KNOWN:
            diagnostics.add(
                "instruction-before-from",
                f"{instruction.keyword.upper()} before the first FROM is ignored "
                "(only ARG may come first)",
                instruction.line,
            )
        else:
            diagnostics.add(
                "unknown-instruction",
                f"unknown instruction {shown(instruction.keyword.upper())}",
                instruction.line,
            )
    if not build.stages:
        raise ParseError(
            "no FROM instruction",
            file=file,
            hint="a Dockerfile must start a build stage with 'FROM image'",
        )
    final = _select(build.stages, target, file)
    _final_checks(build, final)
    return assemble(build, final, directives=lexed.directives)


def _final_checks(build: Build, final: StageState) -> None:
    if final.cmd is None and final.entrypoint is None:
        build.diagnostics.add(
            "no-command",
            "the final stage sets no CMD or ENTRYPOINT; the base image's command is used",
            final.line,
            Severity.INFO,
        )
    unused = sorted(set(build.build_args) - build.used_build_args)
    if unused:
        build.diagnostics.info(
            "unused-build-arg",
            "build args not declared by any ARG: " + ", ".join(shown(n) for n in unused),
            None,
        )
