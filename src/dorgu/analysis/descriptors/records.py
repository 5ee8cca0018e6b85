"""What a deployment description already in the repository says about one container.

A ``Described`` is one container of a workload (Deployment, StatefulSet, DaemonSet, Job,
CronJob, Pod) from a Kubernetes manifest, a rendered Helm chart, or a Procfile process, with
every fact located (file:line).  ``applying.py`` matches it to a component.

Must not: hold secret values (secret-looking and Secret-backed variables keep only their name).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dorgu.models.app import EnvVar, HealthCheck, Port, ResourceHints
from dorgu.models.evidence import Diagnostic, Location


@dataclass(frozen=True)
class ProbePath:
    """An ``httpGet`` probe: kind is liveness, readiness or startup."""

    kind: str
    path: str
    port: int | None = None
    location: Location | None = None


@dataclass(frozen=True)
class Described:
    """One container as a deployment description states it."""

    source: str  # k8s | helm | kustomize | procfile
    workload: str  # Deployment/StatefulSet/..., or "process" for a Procfile entry
    name: str  # the workload's (or process type's) name
    container: str | None = None
    image: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    ports: tuple[Port, ...] = ()
    env: tuple[EnvVar, ...] = ()
    probes: tuple[ProbePath, ...] = ()
    exec_check: HealthCheck | None = None
    resources: ResourceHints | None = None
    replicas: int | None = None
    command: tuple[str, ...] | None = None
    args: tuple[str, ...] | None = None
    run_once: bool = False
    confidence: float = 0.9  # of the facts as a whole (lower when a value is a convention)
    location: Location | None = None
    locations: dict[str, Location] = field(default_factory=dict)  # fact -> where it is stated

    def where(self, fact: str) -> Location | None:
        return self.locations.get(fact, self.location)


@dataclass(frozen=True)
class ImageLink:
    """A skaffold artifact: the image name it builds from a context directory."""

    image: str
    context: str  # root-relative POSIX directory
    dockerfile: str | None = None
    location: Location | None = None


@dataclass
class Descriptions:
    """Everything read from the deployment descriptions of one tree."""

    containers: list[Described] = field(default_factory=list)
    images: list[ImageLink] = field(default_factory=list)
    processes: dict[str, list[Described]] = field(default_factory=dict)  # app dir -> Procfile
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # what was read, for the summary


@dataclass(frozen=True)
class RenderedChart:
    """``helm template`` output for one chart folder, or why rendering failed."""

    text: str | None = None
    error: str | None = None
