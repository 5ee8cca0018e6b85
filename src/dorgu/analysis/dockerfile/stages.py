"""Build stages: the image configuration each ``FROM`` block accumulates, and stage references.

A stage built ``FROM`` an earlier stage starts from a copy of that stage's configuration (ENV,
ARGs, USER, WORKDIR, EXPOSE, CMD, ...), as BuildKit does.  Must not: expand variables, emit
diagnostics, or store secret values (``EnvEntry.value`` is None for secrets).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

from dorgu.analysis.dockerfile.instructions import Instruction
from dorgu.analysis.dockerfile.substituting import Var
from dorgu.models.app import HealthCheck, Protocol
from dorgu.models.patterns import LazyPattern

DEFAULT_SHELL = ("/bin/sh", "-c")
_STAGE_NAME = LazyPattern(r"^[a-z][a-z0-9_.-]*$")


@dataclass(frozen=True)
class EnvEntry:
    value: str | None  # None when secret
    secret: bool
    line: int
    via_variable: bool = False


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    shell_form: bool
    line: int


@dataclass(frozen=True)
class Setting:
    """A single-valued setting (USER, WORKDIR, STOPSIGNAL) and where it was set."""

    value: str
    line: int
    resolved: bool = True  # False when a variable reference was kept verbatim


@dataclass(frozen=True)
class HealthcheckEntry:
    check: HealthCheck
    start_interval: float | None = None
    probe_confidence: float | None = None  # set when http_path/http_port were recognised


@dataclass(frozen=True)
class PortEntry:
    line: int
    via_variable: bool = False


@dataclass(frozen=True)
class CopyRef:
    source: str
    source_stage: int | None
    line: int


@dataclass(frozen=True)
class ContextRef:
    sources: tuple[str, ...]
    opaque: bool
    line: int


@dataclass
class StageState:
    """One stage and the image configuration it has built up so far."""

    index: int
    name: str | None
    image: str
    platform: str | None
    parent: int | None
    base_image: str
    line: int
    env: dict[str, EnvEntry] = field(default_factory=dict)
    args: dict[str, Var] = field(default_factory=dict)
    labels: dict[str, tuple[str, int]] = field(default_factory=dict)
    ports: dict[tuple[int, Protocol], PortEntry] = field(default_factory=dict)
    user: Setting | None = None
    workdir: Setting | None = None
    stop_signal: Setting | None = None
    cmd: Command | None = None
    entrypoint: Command | None = None
    shell: tuple[str, ...] = DEFAULT_SHELL
    healthcheck: HealthcheckEntry | None = None
    volumes: dict[str, int] = field(default_factory=dict)
    onbuild: list[Instruction] = field(default_factory=list)
    copies: list[CopyRef] = field(default_factory=list)
    context_copies: list[ContextRef] = field(default_factory=list)  # COPY/ADD from the context
    seen: set[str] = field(default_factory=set)  # keywords used in this stage itself
    created_users: dict[str, int] = field(default_factory=dict)  # RUN useradd -u N name
    created_groups: dict[str, int] = field(default_factory=dict)

    @property
    def from_scratch(self) -> bool:
        return self.base_image.strip().lower() == "scratch"

    def inherit(self, parent: StageState) -> None:
        """Start from ``parent``'s configuration (ONBUILD triggers are the caller's business)."""
        self.env = dict(parent.env)
        self.args = dict(parent.args)
        self.labels = dict(parent.labels)
        self.ports = dict(parent.ports)
        self.user = parent.user
        self.workdir = parent.workdir
        self.stop_signal = parent.stop_signal
        self.cmd = parent.cmd
        self.entrypoint = parent.entrypoint
        self.shell = parent.shell
        self.healthcheck = parent.healthcheck
        self.volumes = dict(parent.volumes)
        self.created_users = dict(parent.created_users)
        self.created_groups = dict(parent.created_groups)

    def runtime_env(self) -> Mapping[str, str]:
        """ENV values a running container sees (secret ones left out), as a view."""
        return RuntimeEnv(self.env)


class RuntimeEnv(Mapping[str, str]):
    """Non-secret ENV values of a stage, looked up without copying."""

    def __init__(self, env: Mapping[str, EnvEntry]) -> None:
        self._env = env

    def __getitem__(self, name: str) -> str:
        entry = self._env[name]
        if entry.secret or entry.value is None:
            raise KeyError(name)
        return entry.value

    def __iter__(self) -> Iterator[str]:
        return (k for k, e in self._env.items() if not e.secret and e.value is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def valid_stage_name(name: str) -> bool:
    return bool(_STAGE_NAME.match(name))


def find_stage(reference: str, names: Mapping[str, int], *, before: int) -> int | None:
    """Index of the stage before ``before`` that ``reference`` names (alias or number)."""
    if reference.isascii() and reference.isdigit():
        number = int(reference)
        return number if number < before else None
    index = names.get(reference.lower())
    return index if index is not None and index < before else None


def with_line(instruction: Instruction, line: int) -> Instruction:
    """``instruction`` re-homed to ``line`` (ONBUILD triggers report the ONBUILD line)."""
    return replace(instruction, line=line)
