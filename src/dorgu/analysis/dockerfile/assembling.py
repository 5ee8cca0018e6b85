"""Turning the final stage's state into ``DockerfileInfo``, with evidence for each fact.

Evidence ``field`` paths are relative to a component (``ports``, ``env.NAME``,
``security.user``, ``security.runs_as_root``, ``healthcheck``, ``base_image``, ``workdir``,
``entrypoint``, ``command``, ``labels.KEY``, ``volumes``, ``stop_signal``).
Must not: put secret values into evidence (secret env shows ``<redacted>``), or change facts.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from dorgu.analysis.dockerfile.results import (
    REDACTED,
    ContextCopy,
    CopyFrom,
    DockerfileInfo,
    Stage,
)
from dorgu.analysis.dockerfile.scoping import Build
from dorgu.analysis.dockerfile.stages import Command, StageState
from dorgu.analysis.dockerfile.users import default_user_hints, user_hints, with_created_ids
from dorgu.models.app import EnvVar, Port
from dorgu.models.evidence import Diagnostic, Evidence, Location

_LITERAL = 0.95
_VIA_VARIABLE = 0.85
_UNRESOLVED = 0.5


@dataclass
class _Evidence:
    file: str
    items: list[Evidence] = field(default_factory=list)

    def add(self, path: str, value: str, rule: str, line: int | None, confidence: float) -> None:
        self.items.append(
            Evidence(
                field=path,
                value=value,
                rule=rule,
                location=Location(file=self.file, line=line),
                confidence=round(confidence, 2),
            )
        )


def _line(diagnostic: Diagnostic) -> tuple[bool, int]:
    """Sort key: by line, diagnostics about the whole file last."""
    location = diagnostic.location
    line = location.line if location is not None else None
    return (line is None, line or 0)


def public_stage(state: StageState, file: str) -> Stage:
    return Stage(
        index=state.index,
        name=state.name,
        image=state.image,
        platform=state.platform,
        parent=state.parent,
        base_image=state.base_image,
        location=Location(file=file, line=state.line),
    )


def _command_text(command: Command) -> str:
    return command.argv[-1] if command.shell_form else shlex.join(command.argv)


def assemble(
    build: Build,
    final: StageState,
    *,
    directives: tuple[tuple[str, str], ...],
) -> DockerfileInfo:
    file = build.file
    ev = _Evidence(file)
    ev.add("base_image", final.base_image, "dockerfile.from", final.line, _LITERAL)

    ports: list[Port] = []
    for (number, protocol), port in final.ports.items():
        location = Location(file=file, line=port.line)
        ports.append(Port(number=number, protocol=protocol, location=location))
        confidence = _VIA_VARIABLE if port.via_variable else _LITERAL
        value = f"{number}/{protocol.value.lower()}"
        ev.add("ports", value, "dockerfile.expose", port.line, confidence)

    env: list[EnvVar] = []
    for name, entry in final.env.items():
        location = Location(file=file, line=entry.line)
        env.append(EnvVar(name=name, value=entry.value, secret=entry.secret, location=location))
        shown = REDACTED if entry.secret or entry.value is None else entry.value
        confidence = _VIA_VARIABLE if entry.via_variable else _LITERAL
        ev.add(f"env.{name}", shown, "dockerfile.env", entry.line, confidence)

    if final.user is not None:
        facts = user_hints(final.user.value, resolved=final.user.resolved)
        facts = with_created_ids(facts, final.created_users, final.created_groups)
        ev.add("security.user", final.user.value, facts.rule, final.user.line, facts.confidence)
        user_line: int | None = final.user.line
    else:
        facts = default_user_hints(final.base_image)
        user_line = final.line
    if facts.hints.runs_as_root is not None:
        ev.add(
            "security.runs_as_root",
            str(facts.hints.runs_as_root).lower(),
            facts.rule,
            user_line,
            facts.confidence,
        )

    healthcheck = None
    start_interval = None
    if final.healthcheck is not None:
        check = final.healthcheck.check
        healthcheck, start_interval = check, final.healthcheck.start_interval
        line = check.location.line if check.location else None
        value = "disabled" if check.disabled else shlex.join(check.test)
        ev.add("healthcheck", value, "dockerfile.healthcheck", line, _LITERAL)
        if check.http_path is not None and final.healthcheck.probe_confidence is not None:
            ev.add(
                "healthcheck.http_path",
                f"{check.http_path} on port {check.http_port}",
                "dockerfile.healthcheck.http",
                line,
                final.healthcheck.probe_confidence,
            )

    if final.workdir is not None:
        confidence = _LITERAL if final.workdir.resolved else _UNRESOLVED
        ev.add("workdir", final.workdir.value, "dockerfile.workdir", final.workdir.line, confidence)
    for path, command, rule in (
        ("entrypoint", final.entrypoint, "dockerfile.entrypoint"),
        ("command", final.cmd, "dockerfile.cmd"),
    ):
        if command is not None:
            ev.add(path, _command_text(command), rule, command.line, _LITERAL)
    for key, (value, line) in final.labels.items():
        ev.add(f"labels.{key}", value, "dockerfile.label", line, _LITERAL)
    for path, line in final.volumes.items():
        ev.add("volumes", path, "dockerfile.volume", line, _LITERAL)
    if final.stop_signal is not None:
        ev.add(
            "stop_signal",
            final.stop_signal.value,
            "dockerfile.stopsignal",
            final.stop_signal.line,
            _LITERAL if final.stop_signal.resolved else _UNRESOLVED,
        )

    return DockerfileInfo(
        file=file,
        directives=directives,
        escape=build.escape,
        stages=tuple(public_stage(s, file) for s in build.stages),
        final_stage=public_stage(final, file),
        base_image=final.base_image,
        ports=tuple(ports),
        env=tuple(env),
        args=tuple(build.arg_records),
        security=facts.hints,
        healthcheck=healthcheck,
        healthcheck_start_interval_seconds=start_interval,
        workdir=None if final.workdir is None else final.workdir.value,
        entrypoint=None if final.entrypoint is None else final.entrypoint.argv,
        entrypoint_shell_form=final.entrypoint is not None and final.entrypoint.shell_form,
        cmd=None if final.cmd is None else final.cmd.argv,
        cmd_shell_form=final.cmd is not None and final.cmd.shell_form,
        shell=final.shell,
        labels=tuple((k, v) for k, (v, _line) in final.labels.items()),
        volumes=tuple(final.volumes),
        stop_signal=None if final.stop_signal is None else final.stop_signal.value,
        copies_from=tuple(
            CopyFrom(
                stage=stage.index,
                source=ref.source,
                source_stage=ref.source_stage,
                location=Location(file=file, line=ref.line),
            )
            for stage in build.stages
            for ref in stage.copies
        ),
        diagnostics=tuple(sorted(build.diagnostics.items, key=_line)),
        evidence=tuple(ev.items),
        context_copies=tuple(
            ContextCopy(
                stage=stage.index,
                sources=ref.sources,
                opaque=ref.opaque,
                location=Location(file=file, line=ref.line),
            )
            for stage in build.stages
            for ref in stage.context_copies
        ),
    )
