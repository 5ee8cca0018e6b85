"""The result of parsing compose files: a merged, interpolated, typed project.

Must not: hold secret-looking environment values (they are masked before they get here),
raw YAML, or anything that cannot be compared for equality (results are deterministic).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dorgu.analysis.compose.interpolations import Interpolated
from dorgu.analysis.compose.ports import PortMapping
from dorgu.analysis.compose.volumes import ServiceRef
from dorgu.analysis.connections import NamedAddress
from dorgu.models.app import Build, EnvVar, HealthCheck, ResourceHints, Volume
from dorgu.models.evidence import Diagnostic, Location


@dataclass(frozen=True)
class ServiceDependency:
    """One ``depends_on`` entry."""

    name: str
    condition: str = "service_started"
    required: bool = True
    restart: bool = False
    location: Location | None = None


@dataclass(frozen=True)
class ServiceReference:
    """Another service named by this service (``via``: ``environment`` or ``links``)."""

    service: str
    via: str
    variable: str | None = None
    location: Location | None = None


@dataclass(frozen=True)
class ComposeResource:
    """A top-level volume, network, config or secret definition."""

    name: str
    external: bool = False
    driver: str | None = None
    file: str | None = None  # configs/secrets: root-relative (or host) path of the content
    environment: str | None = None  # configs/secrets: the variable that supplies the content
    labels: tuple[tuple[str, str], ...] = ()
    location: Location | None = None


@dataclass(frozen=True)
class ComposeService:
    """One service after merging every file and ``extends``, with variables resolved."""

    name: str
    location: Location | None = None
    image: str | None = None
    build: Build | None = None
    ports: tuple[PortMapping, ...] = ()
    expose: tuple[PortMapping, ...] = ()
    env: tuple[EnvVar, ...] = ()
    env_files: tuple[str, ...] = ()
    volumes: tuple[Volume, ...] = ()
    secrets: tuple[ServiceRef, ...] = ()
    configs: tuple[ServiceRef, ...] = ()
    healthcheck: HealthCheck | None = None
    depends_on: tuple[ServiceDependency, ...] = ()
    references: tuple[ServiceReference, ...] = ()
    resources: ResourceHints = field(default_factory=ResourceHints)
    replicas: int | None = None
    command: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    labels: tuple[tuple[str, str], ...] = ()
    user: str | None = None
    read_only: bool | None = None
    privileged: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    working_dir: str | None = None
    stop_signal: str | None = None
    network_mode: str | None = None
    container_name: str | None = None
    hostname: str | None = None
    restart: str | None = None
    profiles: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    locations: Mapping[str, Location] = field(default_factory=dict)  # key -> where it was set
    addresses: tuple[NamedAddress, ...] = ()  # other services its env connects to (no values)


@dataclass(frozen=True)
class ComposeProject:
    name: str | None
    files: tuple[str, ...]
    services: tuple[ComposeService, ...]  # active services, in order of first appearance
    inactive: tuple[str, ...] = ()  # services disabled by profiles
    volumes: tuple[ComposeResource, ...] = ()
    networks: tuple[ComposeResource, ...] = ()
    configs: tuple[ComposeResource, ...] = ()
    secrets: tuple[ComposeResource, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    interpolations: tuple[Interpolated, ...] = ()  # variables .env supplied, and where used
    hosts: Mapping[str, str] = field(default_factory=dict)  # name or alias -> service

    def service(self, name: str) -> ComposeService:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)
