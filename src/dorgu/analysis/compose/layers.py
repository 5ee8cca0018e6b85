"""What one file says about one service, before files and ``extends`` are merged.

Every field is "not said here" when None or empty, so merging is field by field.  Values are
already typed and carry the ``Location`` they came from; relative paths are already resolved
against the directory of the file that wrote them.

Must not: hold secret values any longer than the parse (they are masked in ``services.py``),
or depend on any other layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from dorgu.analysis.compose.ports import PortMapping
from dorgu.analysis.compose.volumes import Mount, ServiceRef
from dorgu.models.evidence import Location

T = TypeVar("T")


@dataclass(frozen=True)
class Located(Generic[T]):
    value: T
    location: Location


@dataclass(frozen=True)
class EnvEntry:
    """``value`` None: taken from the caller's variables when the service is finished."""

    value: str | None
    location: Location


@dataclass(frozen=True)
class EnvFileRef:
    path: str  # root-relative
    required: bool
    location: Location


@dataclass(frozen=True)
class DependsOn:
    condition: str
    required: bool
    restart: bool
    location: Location


@dataclass(frozen=True)
class ExtendsRef:
    service: str
    file: str | None  # root-relative; None for the same file
    location: Location


@dataclass(frozen=True)
class BuildLayer:
    context: Located[str] | None = None  # root-relative, or a remote URL as written
    dockerfile: Located[str] | None = None  # as written: relative to the context
    target: Located[str] | None = None
    args: dict[str, str | None] = field(default_factory=dict)
    base_dir: str = "."  # the context when none is written
    location: Location | None = None


@dataclass(frozen=True)
class HealthLayer:
    test: Located[tuple[str, ...]] | None = None  # as written, e.g. ("CMD", "curl", ...)
    disabled: Located[bool] | None = None
    interval: Located[float] | None = None
    timeout: Located[float] | None = None
    start_period: Located[float] | None = None
    retries: Located[int] | None = None
    location: Location | None = None


@dataclass(frozen=True)
class Layer:
    name: str
    location: Location
    image: Located[str] | None = None
    build: BuildLayer | None = None
    ports: tuple[PortMapping, ...] = ()
    expose: tuple[PortMapping, ...] = ()
    environment: dict[str, EnvEntry] = field(default_factory=dict)
    env_files: tuple[EnvFileRef, ...] = ()
    volumes: tuple[Mount, ...] = ()
    secrets: tuple[ServiceRef, ...] = ()
    configs: tuple[ServiceRef, ...] = ()
    healthcheck: HealthLayer | None = None
    depends_on: dict[str, DependsOn] = field(default_factory=dict)
    resources: dict[str, Located[str]] = field(default_factory=dict)
    labels: dict[str, Located[str]] = field(default_factory=dict)
    texts: dict[str, Located[str]] = field(default_factory=dict)
    flags: dict[str, Located[bool]] = field(default_factory=dict)
    numbers: dict[str, Located[int]] = field(default_factory=dict)
    commands: dict[str, Located[tuple[str, ...]]] = field(default_factory=dict)
    sequences: dict[str, tuple[Located[str], ...]] = field(default_factory=dict)
    extends: ExtendsRef | None = None
