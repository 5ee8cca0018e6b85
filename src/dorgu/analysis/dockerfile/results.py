"""The public result of parsing a Dockerfile: ``DockerfileInfo`` and its parts.

Must not: hold secret values (secret-looking variables keep their name and lose their value),
import anything beyond ``dorgu.models``, or carry behaviour beyond trivial accessors.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from dorgu.models.app import EnvVar, HealthCheck, Port, SecurityHints
from dorgu.models.evidence import Diagnostic, Evidence, Location

REDACTED = "<redacted>"


class _Frozen(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class Stage(_Frozen):
    """One ``FROM`` block.

    ``image`` is the FROM argument after ARG substitution (it may name an earlier stage);
    ``parent`` is that earlier stage's index when it does; ``base_image`` is the external image
    the stage ultimately builds on, found by following ``parent`` links.
    """

    index: int
    name: str | None = None
    image: str
    platform: str | None = None
    parent: int | None = None
    base_image: str
    location: Location


class BuildArg(_Frozen):
    """One ``ARG`` declaration.  ``stage`` is None for a global ARG (declared before any FROM).

    ``default`` is the value written in the Dockerfile, ``value`` the effective one after
    ``build_args``.  Both are None for a secret-looking argument (``secret`` is True).
    """

    name: str
    default: str | None = None
    value: str | None = None
    secret: bool = False
    stage: int | None = None
    location: Location


class CopyFrom(_Frozen):
    """A ``COPY --from`` in stage ``stage``: ``source_stage`` is None for an external image."""

    stage: int
    source: str
    source_stage: int | None = None
    location: Location


class ContextCopy(_Frozen):
    """A ``COPY``/``ADD`` from the build context (or a ``RUN --mount=type=bind`` of it) in stage
    ``stage``: the source paths as written after ARG substitution, relative to the context.
    ``opaque`` is True when a source could not be resolved (a variable left unexpanded)."""

    stage: int
    sources: tuple[str, ...]
    opaque: bool = False
    location: Location


class DockerfileInfo(_Frozen):
    """Everything the parser learned from one Dockerfile, describing the selected final stage.

    Image-config fields (``ports``, ``env``, ``security``, ``workdir``, ``cmd`` ...) include what
    the final stage inherits from the earlier stages it builds on; what it inherits from an
    external base image is unknown and left out.  Unset fields are None (not Docker defaults).
    Shell-form commands are stored as ``shell + (command,)`` with the ``*_shell_form`` flag set.
    """

    file: str
    directives: tuple[tuple[str, str], ...] = ()
    escape: str = "\\"
    stages: tuple[Stage, ...]
    final_stage: Stage
    base_image: str
    ports: tuple[Port, ...] = ()
    env: tuple[EnvVar, ...] = ()
    args: tuple[BuildArg, ...] = ()
    security: SecurityHints = SecurityHints()
    healthcheck: HealthCheck | None = None
    healthcheck_start_interval_seconds: float | None = None
    workdir: str | None = None
    entrypoint: tuple[str, ...] | None = None
    entrypoint_shell_form: bool = False
    cmd: tuple[str, ...] | None = None
    cmd_shell_form: bool = False
    shell: tuple[str, ...] = ("/bin/sh", "-c")
    labels: tuple[tuple[str, str], ...] = ()
    volumes: tuple[str, ...] = ()
    stop_signal: str | None = None
    copies_from: tuple[CopyFrom, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    context_copies: tuple[ContextCopy, ...] = ()

    @property
    def user(self) -> str | None:
        """The final stage's USER as written (after substitution), or None."""
        return self.security.user

    def env_value(self, name: str) -> str | None:
        """The value of an ENV variable of the final stage (None when unset or secret)."""
        for var in self.env:
            if var.name == name:
                return var.value
        return None
