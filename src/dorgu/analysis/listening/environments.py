"""The environment a container really gets, with where each value was set.

Layers, lowest first: the final Dockerfile stage's ``ENV``, compose ``env_file`` values, compose
``environment``, then ``.dorgu.yaml`` ``env`` (what the user states wins).  Build ``ARG``s are
kept apart: they are not visible to the running program, and a port read from one is a bug
worth naming.  The start command (entrypoint + command) is kept for flag lookups.

Must not: open files, read the process environment, or hold secret values (a secret-looking
variable keeps its name and loses its value, like everywhere else).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dorgu.models.app import EnvVar
from dorgu.models.evidence import Location

MAX_VARIABLES = 2000


@dataclass(frozen=True)
class EnvValue:
    """One variable as the container sees it.  ``value`` is None when it is secret."""

    value: str | None
    origin: str  # "Dockerfile ENV", "compose environment", "env_file .env", ".dorgu.yaml env"
    location: Location | None = None
    secret: bool = False

    def describe(self, name: str) -> str:
        shown = "<secret>" if self.secret or self.value is None else repr(self.value[:60])
        where = f" at {self.location}" if self.location else ""
        return f"{name}={shown} from {self.origin}{where}"


@dataclass(frozen=True)
class RuntimeEnv:
    values: Mapping[str, EnvValue] = field(default_factory=dict)
    build_args: Mapping[str, Location] = field(default_factory=dict)
    command: tuple[str, ...] = ()  # entrypoint + command, as the container runs it
    command_location: Location | None = None

    def get(self, name: str) -> EnvValue | None:
        return self.values.get(name)


def _origin(var: EnvVar, default: str) -> str:
    return f"env_file {var.from_file}" if var.from_file else default


def runtime_env(
    *,
    image_env: Sequence[EnvVar] = (),
    compose_env: Sequence[EnvVar] = (),
    overrides: Mapping[str, tuple[str, Location | None]] | None = None,
    build_args: Mapping[str, Location] | None = None,
    command: Sequence[str] = (),
    command_location: Location | None = None,
) -> RuntimeEnv:
    """Layer the container's environment (see the module docstring)."""
    values: dict[str, EnvValue] = {}
    layers: list[tuple[Sequence[EnvVar], str]] = [
        (image_env, "Dockerfile ENV"),
        (compose_env, "compose environment"),
    ]
    for layer, origin in layers:
        for var in layer[:MAX_VARIABLES]:
            if var.value is None and not var.secret:
                continue  # named but unset: the program does not see it
            values[var.name] = EnvValue(
                value=None if var.secret else var.value,
                origin=_origin(var, origin),
                location=var.location,
                secret=var.secret,
            )
    for name, (value, location) in list((overrides or {}).items())[:MAX_VARIABLES]:
        values[name] = EnvValue(value=value, origin=".dorgu.yaml env", location=location)
    args = {k: v for k, v in (build_args or {}).items() if k not in values}
    return RuntimeEnv(
        values=values,
        build_args=args,
        command=tuple(command)[:200],
        command_location=command_location,
    )
