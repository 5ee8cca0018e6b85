"""Per-component decisions shared by every generator: workload kind, ports and their names,
replicas, image, labels.  Generators read a ``ComponentPlan`` instead of deciding again, so the
Deployment and the Service it is selected by always agree.

Which settings apply to which component: app identity, labels, namespace, image registry,
security and ingress apply to the whole app; ``resources``, ``scaling`` and ``env`` apply to
every component built from source; ``app.type``, ``app.schedule``, ``health`` and
``image.repository`` only when there is exactly one such component.  Image-only services
(postgres, redis, ...) never take app-level sizing or probes.

Must not build manifests (that is the generators' job) or read anything but its arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from dorgu.generation.diagnosing import warning
from dorgu.generation.images import ImageChoice, choose_image
from dorgu.generation.inputs import ComponentInput, GenerationRequest
from dorgu.generation.labels import (
    instance_name,
    selector_labels,
    standard_annotations,
    standard_labels,
)
from dorgu.generation.manifests import Manifest
from dorgu.generation.unpinning import unpinned_warnings
from dorgu.models.app import (
    AppType,
    Component,
    ComponentKind,
    EndpointKind,
    FrontendMode,
    VolumeKind,
)
from dorgu.models.config import EffectiveSettings
from dorgu.models.evidence import Diagnostic
from dorgu.models.patterns import LazyPattern

DEFAULT_MIN_REPLICAS = 2
HTTP_TYPES = (AppType.API, AppType.WEB)
_PORT_NAME = LazyPattern(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


class WorkloadKind(StrEnum):
    DEPLOYMENT = "Deployment"
    STATEFULSET = "StatefulSet"
    CRONJOB = "CronJob"
    DAEMONSET = "DaemonSet"
    JOB = "Job"


@dataclass(frozen=True)
class PlannedPort:
    name: str  # IANA_SVC_NAME: <= 15 chars, lower-case alphanumeric and '-', with a letter
    number: int
    protocol: str
    http: bool
    app_protocol: str | None = None  # the Service port's appProtocol (grpc)


@dataclass(frozen=True)
class Replicas:
    """``autoscale``: an HPA owns the count (between ``minimum`` and ``maximum``) and the
    workload has no ``spec.replicas``; otherwise ``spec.replicas`` is ``minimum``."""

    minimum: int
    maximum: int
    autoscale: bool

    @property
    def replicated(self) -> bool:
        return self.autoscale or self.minimum > 1


@dataclass(frozen=True)
class ComponentPlan:
    input: ComponentInput
    settings: EffectiveSettings
    app_type: AppType | None
    workload: WorkloadKind
    image: ImageChoice
    ports: tuple[PlannedPort, ...]
    replicas: Replicas
    labels: dict[str, str]
    selector: dict[str, str]
    annotations: dict[str, str]
    own_settings: bool  # app.type / health / image.repository apply to this component
    app_settings: bool  # resources / scaling / env apply (built from source)
    public: bool  # may be exposed by an Ingress / HTTPRoute

    @property
    def component(self) -> Component:
        return self.input.component

    @property
    def name(self) -> str:
        return self.input.name

    @property
    def http_port(self) -> PlannedPort | None:
        return next((p for p in self.ports if p.http), None)

    def metadata(self, name: str | None = None) -> Manifest:
        """``metadata`` for an object of this component (name, namespace, labels, annotations)."""
        data: Manifest = {"name": name or self.name}
        if self.settings.namespace:
            data["namespace"] = self.settings.namespace
        data["labels"] = dict(self.labels)
        if self.annotations:
            data["annotations"] = dict(self.annotations)
        return data


@dataclass(frozen=True)
class AppPlan:
    request: GenerationRequest
    components: tuple[ComponentPlan, ...]
    diagnostics: tuple[Diagnostic, ...]

    def find(self, component_name: str) -> ComponentPlan | None:
        return next((p for p in self.components if p.component.name == component_name), None)


def plan_app(request: GenerationRequest) -> AppPlan:
    built = [c for c in request.components if c.component.kind is ComponentKind.APP]
    compose_like = any(p.published for c in request.components for p in c.component.ports)
    plans: list[ComponentPlan] = []
    diagnostics: list[Diagnostic] = []
    for item in request.components:
        plan = _plan_component(
            item,
            request=request,
            own_settings=len(built) == 1 and built[0] is item,
            compose_like=compose_like,
        )
        plans.append(plan)
        diagnostics.extend(plan.image.diagnostics)
        if plan.replicas.minimum == 0 and plan.workload is WorkloadKind.DEPLOYMENT:
            diagnostics.append(
                warning(
                    "zero-replicas",
                    f"{item.component.name}: min_replicas is 0, so no autoscaler "
                    "is generated and the Deployment starts with 0 replicas",
                )
            )
        frontend = item.component.frontend
        if frontend is not None and frontend.mode is FrontendMode.DEV:
            diagnostics.append(
                warning(
                    "frontend-dev-server",
                    f"{item.component.name}: runs the {frontend.bundler or 'bundler'} "
                    "development server; production needs a built image (build the static "
                    "files and serve them with nginx or caddy)",
                )
            )
        elif item.component.dev_server:
            diagnostics.append(
                warning(
                    "dev-server",
                    f"{item.component.name}: runs a development server "
                    f"({item.component.dev_server}); production needs a built image that runs "
                    "the app without reloading or debugging",
                )
            )
    diagnostics.extend(unpinned_warnings(plans))
    if not request.settings.image.registry and any(
        p.app_settings and not _has_registry(p.image.image) for p in plans
    ):
        diagnostics.append(
            warning(
                "image-no-registry",
                "no image.registry is set, so built images resolve to Docker Hub; "
                "pass --registry (e.g. ghcr.io/acme) or set image.registry",
            )
        )
    return AppPlan(request, tuple(plans), tuple(diagnostics))


def _has_registry(image: str) -> bool:
    first, sep, _ = image.partition("/")
    return bool(sep) and ("." in first or ":" in first or first == "localhost")


def _plan_component(
    item: ComponentInput, *, request: GenerationRequest, own_settings: bool, compose_like: bool
) -> ComponentPlan:
    component, settings = item.component, request.settings
    app_settings = component.kind is ComponentKind.APP and item.backing_kind is None
    # Image-only web servers and proxies (nginx, traefik) carry the type analysis gave them.
    app_type = (
        component.type
        if app_settings or component.run_once or component.kind is ComponentKind.IMAGE
        else None
    )
    if own_settings and settings.app.type is not None:
        app_type = settings.app.type
    workload = _workload_kind(component, app_type)
    image = choose_image(
        component,
        settings=settings,
        git=request.options.git,
        default_repository=_default_repository(item, request),
        own_settings=own_settings,
    )
    ports = plan_ports(component, app_type=app_type, backing_kind=item.backing_kind)
    if workload is WorkloadKind.JOB:
        ports = ()  # it runs to completion: nothing connects to it
    role = app_type.value if app_type else _dependency_role(component.name, request)
    labels = standard_labels(
        item.name, settings=settings, part_of=request.app_name, role=role, version=image.tag
    )
    public = (
        (app_settings or component.kind is ComponentKind.IMAGE)
        and app_type in HTTP_TYPES
        and any(p.http for p in ports)
        and (not compose_like or any(p.published for p in component.ports))
    )
    return ComponentPlan(
        input=item,
        settings=settings,
        app_type=app_type,
        workload=workload,
        image=image,
        ports=ports,
        replicas=_replicas(component, workload, settings, app_settings=app_settings),
        labels=labels,
        selector=selector_labels(item.name, instance=instance_name(item.name, settings)),
        annotations=standard_annotations(settings),
        own_settings=own_settings,
        app_settings=app_settings,
        public=bool(public),
    )


def _default_repository(item: ComponentInput, request: GenerationRequest) -> str:
    if len(request.components) == 1:
        return request.app_name
    return f"{request.app_name}/{item.component.name}"


def _dependency_role(name: str, request: GenerationRequest) -> str | None:
    for other in request.components:
        for dep in other.component.dependencies:
            if dep.component == name:
                return dep.type.value
    return None


def _workload_kind(component: Component, app_type: AppType | None) -> WorkloadKind:
    if app_type is AppType.CRON:
        return WorkloadKind.CRONJOB
    if app_type is AppType.DAEMON:
        return WorkloadKind.DAEMONSET
    if component.run_once:
        return WorkloadKind.JOB
    if needs_storage(component):
        return WorkloadKind.STATEFULSET
    return WorkloadKind.DEPLOYMENT


def needs_storage(component: Component) -> bool:
    """Named volumes, or Dockerfile VOLUMEs of an image-only service, need persistent storage."""
    for volume in component.volumes:
        if volume.kind is VolumeKind.NAMED:
            return True
        if volume.kind is VolumeKind.ANONYMOUS and component.kind is not ComponentKind.APP:
            return True
    return False


def _replicas(
    component: Component, workload: WorkloadKind, settings: EffectiveSettings, *, app_settings: bool
) -> Replicas:
    if workload in (WorkloadKind.CRONJOB, WorkloadKind.DAEMONSET, WorkloadKind.JOB):
        return Replicas(1, 1, autoscale=False)
    if workload is WorkloadKind.STATEFULSET or not app_settings:
        count = 1 if workload is WorkloadKind.STATEFULSET else (component.replicas or 1)
        return Replicas(count, count, autoscale=False)
    scaling = settings.scaling
    low = scaling.min_replicas
    if low is None:
        low = component.replicas if component.replicas is not None else DEFAULT_MIN_REPLICAS
    high = scaling.max_replicas if scaling.max_replicas is not None else max(3, low * 2)
    if low == 0:
        return Replicas(0, 0, autoscale=False)
    return Replicas(low, max(low, high), autoscale=True)


def plan_ports(
    component: Component, *, app_type: AppType | None, backing_kind: str | None
) -> tuple[PlannedPort, ...]:
    """Unique container ports with IANA service names; marks the ones that speak HTTP."""
    metrics = {e.port for e in component.endpoints if e.kind is EndpointKind.METRICS and e.port}
    http_ports = {e.port for e in component.endpoints if e.port} | (
        {component.healthcheck.http_port} if component.healthcheck else set()
    )
    seen: set[tuple[int, str]] = set()
    used: set[str] = set()
    planned: list[PlannedPort] = []
    for index, port in enumerate(component.ports):
        key = (port.number, port.protocol.value)
        if key in seen:
            continue
        seen.add(key)
        purpose = (port.purpose or "").lower()
        grpc = purpose == "grpc" or (
            component.grpc is not None and port.number == component.grpc.port
        )
        is_http = (
            port.protocol.value == "TCP"
            and not grpc
            and (
                purpose in ("http", "https", "web")
                or port.number in http_ports
                or (index == 0 and app_type in HTTP_TYPES)
            )
        )
        if grpc:
            candidates = ["grpc"]
        elif port.number in metrics and not is_http:
            candidates = ["metrics"]
        elif is_http:
            candidates = ["http"]
        else:
            candidates = [purpose, backing_kind or ""]
        candidates += [port.name or "", f"{port.protocol.value.lower()}-{port.number}"]
        name = _unique_port_name(candidates, used, port.number)
        used.add(name)
        planned.append(
            PlannedPort(name, port.number, port.protocol.value, is_http, "grpc" if grpc else None)
        )
    return tuple(planned)


def _unique_port_name(candidates: list[str], used: set[str], number: int) -> str:
    for raw in candidates:
        name = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", raw.lower())).strip("-")[:15]
        name = name.strip("-")
        if name and _PORT_NAME.match(name) and re.search("[a-z]", name) and name not in used:
            return name
    return f"p-{number}"
