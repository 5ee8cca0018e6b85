"""Turning a ``ComposeProject`` into application-model ``Component``s with ``Evidence``.

A service with ``build`` is an APP; an image the catalog knows (postgres, redis, ...) is a
BACKING service; any other image is an IMAGE.  Backing services a service uses (``depends_on``,
``links``, or a hostname in its environment) become typed ``Dependency`` entries; other
services it uses become ``DependencyType.SERVICE`` entries.

Must not: re-read compose text, guess values compose does not state (except a backing
service's default port, marked with lower confidence), or put env values in evidence.
"""

from __future__ import annotations

from dorgu.analysis.catalog import backing_for_image
from dorgu.analysis.compose.projects import ComposeProject, ComposeService
from dorgu.models.app import (
    Component,
    ComponentKind,
    Dependency,
    DependencyType,
    Port,
    Protocol,
    SecurityHints,
    Volume,
    VolumeKind,
)
from dorgu.models.evidence import Evidence, Location
from dorgu.models.patterns import LazyPattern

_NUMERIC_ID = LazyPattern(r"[0-9]{1,10}")
_RULES = {"depends_on": "compose.depends_on", "environment": "compose.environment-reference"}
_RULES["links"] = "compose.links"


def compose_components(project: ComposeProject) -> tuple[list[Component], list[Evidence]]:
    """One component per active service, and the evidence for every fact taken from compose."""
    components: list[Component] = []
    evidence: list[Evidence] = []
    for service in project.services:
        component, found = _component(service, project)
        components.append(component)
        evidence.extend(found)
    return components, evidence


def _component(
    service: ComposeService, project: ComposeProject
) -> tuple[Component, list[Evidence]]:
    prefix = f"components.{service.name}"
    notes: list[Evidence] = []

    def note(
        field: str, value: str, rule: str, key: str | None = None, *, confidence: float = 1.0
    ) -> None:
        location = service.locations.get(key or field, service.location)
        notes.append(
            Evidence(
                field=f"{prefix}.{field}",
                value=value,
                rule=rule,
                location=location,
                confidence=confidence,
            )
        )

    backing = backing_for_image(service.image) if service.image else None
    if service.build is not None:
        kind = ComponentKind.APP
        note("kind", kind.value, "compose.build", "build")
    elif backing is not None:
        kind = ComponentKind.BACKING
        note("kind", f"{kind.value} ({backing.kind})", "compose.catalog", "image")
    else:
        kind = ComponentKind.IMAGE
        note("kind", kind.value, "compose.image", "image")
    if service.image:
        note("image", service.image, "compose.image")
    if service.build:
        note("build", service.build.context, "compose.build")
    ports = _ports(service)
    if ports:
        key = "ports" if service.ports else "expose"
        shown = ", ".join(f"{p.number}/{p.protocol.value}" for p in ports)
        note("ports", shown, f"compose.{key}", key)
    default = backing.port if backing is not None and kind is ComponentKind.BACKING else None
    if default is not None and all(
        p.number != default or p.protocol is not Protocol.TCP for p in ports
    ):
        location = service.locations.get("image", service.location)
        ports = (*ports, Port(number=default, location=location))
        shown = f"{default}/TCP ({backing.kind if backing else ''} default)"
        note("ports", shown, "catalog.default-port", "image", confidence=0.7)
    if service.env:
        names = ", ".join(v.name + (" (secret)" if v.secret else "") for v in service.env)
        notes.append(
            Evidence(
                field=f"{prefix}.env",
                value=names,
                rule="compose.environment",
                location=service.env[0].location,
            )
        )
    dependencies = _dependencies(service, project)
    for dependency in dependencies:
        shown = (
            f"{dependency.type.value} ({dependency.kind})"
            if dependency.kind
            else dependency.type.value
        )
        notes.append(
            Evidence(
                field=f"{prefix}.dependencies.{dependency.name}",
                value=shown,
                rule=_RULES.get(dependency.via or "", "compose.depends_on"),
                location=dependency.location,
                confidence=0.8 if dependency.via == "environment" else 1.0,
            )
        )
    for field, key, rule in (
        ("command", "command", "compose.command"),
        ("entrypoint", "entrypoint", "compose.entrypoint"),
    ):
        words = getattr(service, key)
        if words is not None:
            note(field, " ".join(words), rule)
    if service.healthcheck is not None:
        shown = "disabled" if service.healthcheck.disabled else " ".join(service.healthcheck.test)
        note("healthcheck", shown, "compose.healthcheck")
    resources = service.resources
    if any(
        (
            resources.cpu_limit,
            resources.cpu_request,
            resources.memory_limit,
            resources.memory_request,
        )
    ):
        shown = ", ".join(f"{k}={v}" for k, v in resources.model_dump().items() if v)
        note("resources", shown, "compose.deploy.resources")
    if service.replicas is not None:
        note(
            "replicas",
            str(service.replicas),
            "compose.deploy.replicas",
            "replicas" if "replicas" in service.locations else "scale",
        )
    security = _security(service)
    if security != SecurityHints():
        note(
            "security", security.model_dump_json(exclude_defaults=True), "compose.security", "user"
        )
    if service.volumes:
        note("volumes", ", ".join(v.target for v in service.volumes), "compose.volumes")
    config_files = _config_files(service, project)
    if config_files:
        shown = ", ".join(f"{v.source} -> {v.target}" for v in config_files)
        note("configs", shown, "compose.configs")
    if service.labels:
        note("labels", ", ".join(key for key, _value in service.labels), "compose.labels")
    if service.working_dir:
        note("workdir", service.working_dir, "compose.working_dir", "working_dir")
    component = Component(
        name=service.name,
        kind=kind,
        path=_path(service),
        image=service.image,
        build=service.build,
        ports=ports,
        env=service.env,
        command=service.command,
        entrypoint=service.entrypoint,
        workdir=service.working_dir,
        healthcheck=service.healthcheck,
        dependencies=dependencies,
        depends_on=tuple(d.name for d in service.depends_on),
        volumes=(*service.volumes, *config_files),
        labels=service.labels,
        security=security,
        resources=resources,
        replicas=service.replicas,
        stop_signal=service.stop_signal,
        profiles=service.profiles,
        configs=tuple(ref.source for ref in service.configs),
        secrets=tuple(ref.source for ref in service.secrets),
    )
    return component, notes


def _ports(service: ComposeService) -> tuple[Port, ...]:
    """Container ports from ``ports`` targets then ``expose``, one per number and protocol."""
    found: dict[tuple[int, str], Port] = {}
    for mapping in (*service.ports, *service.expose):
        key = (mapping.target, mapping.protocol.value)
        if key in found:
            continue
        found[key] = Port(
            number=mapping.target,
            protocol=mapping.protocol,
            name=mapping.name,
            purpose=mapping.app_protocol,
            published=mapping.published,
            location=mapping.location,
        )
    return tuple(found.values())


def _dependencies(service: ComposeService, project: ComposeProject) -> tuple[Dependency, ...]:
    """Dependencies on other active services, keyed by the service that provides them."""
    by_name = {other.name: other for other in project.services}
    reasons: dict[str, tuple[str, bool, Location | None]] = {}
    for dependency in service.depends_on:
        reasons[dependency.name] = ("depends_on", dependency.required, dependency.location)
    for reference in service.references:
        reasons.setdefault(reference.service, (reference.via, True, reference.location))
    result: list[Dependency] = []
    for name, (via, required, location) in sorted(reasons.items()):
        other = by_name.get(name)
        if other is None or name == service.name:
            continue
        backing = backing_for_image(other.image) if other.image and other.build is None else None
        result.append(
            Dependency(
                name=name,
                type=backing.type if backing else DependencyType.SERVICE,
                kind=backing.kind if backing else None,
                required=required,
                component=name,
                via=via,
                location=location,
            )
        )
    return tuple(result)


def _config_files(service: ComposeService, project: ComposeProject) -> tuple[Volume, ...]:
    """File-backed ``configs`` a service uses, as the read-only file mounts they are."""
    files = {c.name: c.file for c in project.configs if c.file and not c.external}
    targets = {v.target for v in service.volumes}
    return tuple(
        Volume(target=ref.target, kind=VolumeKind.BIND, source=files[ref.source], read_only=True)
        for ref in service.configs
        if ref.source in files and ref.target not in targets
    )


def _security(service: ComposeService) -> SecurityHints:
    uid = gid = None
    runs_as_root = None
    if service.user:
        user, _sep, group = service.user.partition(":")
        if _NUMERIC_ID.fullmatch(user):
            uid = int(user)
        if _NUMERIC_ID.fullmatch(group):
            gid = int(group)
        runs_as_root = user in ("root", "0") or uid == 0 if user else None
    return SecurityHints(
        user=service.user,
        uid=uid,
        gid=gid,
        runs_as_root=runs_as_root,
        read_only=service.read_only,
        privileged=service.privileged,
        cap_add=service.cap_add,
        cap_drop=service.cap_drop,
    )


def _path(service: ComposeService) -> str:
    if (
        service.build is None
        or "://" in service.build.context
        or service.build.context.startswith("git@")
    ):
        return "."
    return service.build.context
