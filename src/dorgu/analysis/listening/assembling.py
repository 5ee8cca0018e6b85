"""The ``RuntimeEnv`` of one component, from its compose service and its Dockerfile.

The command is what the container runs: compose ``entrypoint``/``command`` override the
Dockerfile's ``ENTRYPOINT``/``CMD``; its location is where the chosen one was written.  Build
``ARG``s are those of the final stage.

Must not: open files, read the process environment, print, or raise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dorgu.analysis.dockerfile import DockerfileInfo
from dorgu.analysis.listening.environments import RuntimeEnv, runtime_env
from dorgu.models.app import Component
from dorgu.models.evidence import Evidence, Location


def _located(evidence: Sequence[Evidence], suffix: str) -> Location | None:
    return next((e.location for e in evidence if e.field.endswith(suffix)), None)


def component_runtime(
    base: Component | None,
    docker: DockerfileInfo | None,
    *,
    overrides: Mapping[str, tuple[str, Location | None]],
    base_evidence: Sequence[Evidence] = (),
) -> RuntimeEnv:
    compose_command = base is not None and base.command is not None
    compose_entry = base is not None and base.entrypoint is not None
    command = base.command if base and compose_command else docker.cmd if docker else None
    entrypoint = (
        base.entrypoint if base and compose_entry else docker.entrypoint if docker else None
    )
    where: Location | None = None
    if compose_command or compose_entry:
        where = _located(base_evidence, ".command") or _located(base_evidence, ".entrypoint")
    elif docker is not None:
        where = _located(docker.evidence, "command") or _located(docker.evidence, "entrypoint")
    final = docker.final_stage.index if docker else None
    return runtime_env(
        image_env=docker.env if docker else (),
        compose_env=base.env if base else (),
        overrides=overrides,
        build_args={a.name: a.location for a in docker.args if a.stage == final} if docker else {},
        command=(*(entrypoint or ()), *(command or ())),
        command_location=where,
    )
