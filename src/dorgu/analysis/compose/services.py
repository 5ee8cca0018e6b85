"""Finishing a merged layer into a ``ComposeService``: env resolved and masked, build paths
made root-relative, references to other services found.

Must not: keep a secret-looking value (environment, env_file or build arg), open files
(env_file texts are handed in), or decide which services are active (``parsing.py`` does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from dorgu.analysis.compose.deploying import finish_resources
from dorgu.analysis.compose.environment import RawEnv, finish_environment
from dorgu.analysis.compose.healthchecks import finish_healthcheck
from dorgu.analysis.compose.layers import BuildLayer, Layer
from dorgu.analysis.compose.notes import Notes
from dorgu.analysis.compose.paths import resolve_inside
from dorgu.analysis.compose.projects import ComposeService, ServiceDependency, ServiceReference
from dorgu.analysis.compose.references import referenced_hosts
from dorgu.analysis.compose.secretrefs import protect_service
from dorgu.analysis.connections import may_name_address, resolved, setting_addresses
from dorgu.analysis.hostnames import component_for_host
from dorgu.analysis.scrubbing import SecretValues
from dorgu.analysis.secrets import looks_secret
from dorgu.models.app import Build
from dorgu.models.evidence import Location, Severity

Lookup = Callable[[str], str | None]


def finish_service(
    layer: Layer,
    *,
    texts: Mapping[str, str],
    lookup: Lookup,
    hosts: Mapping[str, str],
    notes: Notes,
    raw_env: list[RawEnv] | None = None,
    secrets: SecretValues | None = None,
) -> ComposeService:
    """``hosts`` maps lower-cased hostnames (service, container and host names) to services;
    ``raw_env`` is the service's finished environment when the caller already has it;
    ``secrets`` the project's secret values, replaced by references wherever they appear."""
    if raw_env is None:
        raw_env = service_environment(layer, texts=texts, lookup=lookup, notes=notes)
    references: dict[tuple[str, str], ServiceReference] = {}
    for item in raw_env:
        if item.raw_value is None or not may_name_address(item.var.name, item.raw_value):
            continue
        for host in sorted(referenced_hosts(item.raw_value)):
            service = component_for_host(host, hosts)
            if service is not None and service != layer.name:
                reference = ServiceReference(
                    service, "environment", item.var.name, item.var.location
                )
                references.setdefault((service, item.var.name), reference)
    settings = [(i.var.name, i.raw_value, i.var.location) for i in raw_env if i.raw_value]
    local_hosts = dict(hosts)  # ``links: [db:database]`` makes ``database`` a name of db here
    for link in layer.sequences.get("links", ()):
        target, _, alias = link.value.partition(":")
        if target.lower() in hosts and alias:
            local_hosts.setdefault(alias.lower(), hosts[target.lower()])
    found = resolved(setting_addresses(settings), local_hosts)
    addresses = [a for a in found if a.component != layer.name]
    links = tuple(item.value.split(":", 1)[0] for item in layer.sequences.get("links", ()))
    for link in layer.sequences.get("links", ()):
        service = link.value.split(":", 1)[0]
        references.setdefault(
            (service, ""), ServiceReference(service, "links", None, link.location)
        )
    texts_ = {key: located.value for key, located in layer.texts.items()}
    flags = {key: located.value for key, located in layer.flags.items()}
    sequences = {key: tuple(i.value for i in items) for key, items in layer.sequences.items()}
    replicas = layer.numbers.get("replicas") or layer.numbers.get("scale")
    finished = ComposeService(
        name=layer.name,
        location=layer.location,
        image=layer.image.value if layer.image else None,
        build=_finish_build(layer.build, layer.name, lookup, notes) if layer.build else None,
        ports=layer.ports,
        expose=layer.expose,
        env=tuple(item.var for item in raw_env),
        env_files=tuple(ref.path for ref in layer.env_files),
        volumes=tuple(mount.volume for mount in layer.volumes),
        secrets=layer.secrets,
        configs=layer.configs,
        healthcheck=finish_healthcheck(layer.healthcheck) if layer.healthcheck else None,
        depends_on=tuple(
            ServiceDependency(name, d.condition, d.required, d.restart, d.location)
            for name, d in layer.depends_on.items()
        ),
        references=tuple(references.values()),
        resources=finish_resources(layer.resources),
        replicas=replicas.value if replicas else None,
        command=layer.commands["command"].value if "command" in layer.commands else None,
        entrypoint=layer.commands["entrypoint"].value if "entrypoint" in layer.commands else None,
        labels=tuple((key, located.value) for key, located in layer.labels.items()),
        user=texts_.get("user"),
        read_only=flags.get("read_only"),
        privileged=flags.get("privileged", False),
        cap_add=sequences.get("cap_add", ()),
        cap_drop=sequences.get("cap_drop", ()),
        working_dir=texts_.get("working_dir"),
        stop_signal=texts_.get("stop_signal"),
        network_mode=texts_.get("network_mode"),
        container_name=texts_.get("container_name"),
        hostname=texts_.get("hostname"),
        restart=texts_.get("restart"),
        profiles=sequences.get("profiles", ()),
        links=links,
        networks=sequences.get("networks", ()),
        locations=_locations(layer),
        addresses=tuple(addresses),
    )
    if secrets is None:
        return finished
    return protect_service(finished, secrets, notes=notes)


def service_environment(
    layer: Layer, *, texts: Mapping[str, str], lookup: Lookup, notes: Notes
) -> list[RawEnv]:
    """The service's variables, env_file then ``environment``, with their real values."""
    return finish_environment(
        layer.environment, layer.env_files, texts=texts, lookup=lookup, notes=notes
    )


def _finish_build(build: BuildLayer, service: str, lookup: Lookup, notes: Notes) -> Build:
    location = build.location or Location(file="<compose>")
    context = build.context.value if build.context else build.base_dir
    dockerfile = None
    if build.dockerfile is not None:
        written = build.dockerfile.value
        if "://" in context or context.startswith("git@"):
            dockerfile = written
        else:
            where = build.dockerfile.location
            dockerfile = resolve_inside(context, written, what="dockerfile", location=where)
    args: list[tuple[str, str]] = []
    for name, value in build.args.items():
        resolved = value if value is not None else lookup(name)
        if resolved is None:
            continue
        if looks_secret(name, resolved):
            notes.add(
                "compose.secret-build-arg",
                f"service {service!r}: build arg {name!r} looks secret; its value is not kept",
                location,
                severity=Severity.INFO,
            )
            continue
        args.append((name, resolved))
    return Build(
        context=context,
        dockerfile=dockerfile,
        target=build.target.value if build.target else None,
        args=tuple(args),
    )


def _locations(layer: Layer) -> dict[str, Location]:
    found: dict[str, Location] = {}
    if layer.image:
        found["image"] = layer.image.location
    if layer.build and layer.build.location:
        found["build"] = layer.build.location
    if layer.ports and layer.ports[0].location:
        found["ports"] = layer.ports[0].location
    if layer.expose and layer.expose[0].location:
        found["expose"] = layer.expose[0].location
    if layer.healthcheck and layer.healthcheck.location:
        found["healthcheck"] = layer.healthcheck.location
    if layer.volumes and layer.volumes[0].location:
        found["volumes"] = layer.volumes[0].location
    for key, located in layer.resources.items():
        found.setdefault("resources", located.location)
        found[f"resources.{key.removeprefix('legacy.')}"] = located.location
    for mapping in (layer.texts, layer.flags, layer.numbers, layer.commands):
        for key, item in mapping.items():
            found[key] = item.location
    for key, items in layer.sequences.items():
        if items:
            found[key] = items[0].location
    if layer.labels:
        found["labels"] = next(iter(layer.labels.values())).location
    if layer.depends_on:
        found["depends_on"] = next(iter(layer.depends_on.values())).location
    return found
