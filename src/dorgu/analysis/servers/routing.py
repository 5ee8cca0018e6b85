"""How proxies and the components behind them meet: Traefik's routes from the labels of
other containers, and the ports a proxy forwards to, which the target must then serve.

Must not: open files or read anything but the model.
"""

from __future__ import annotations

from collections.abc import Sequence

from dorgu.analysis.servers.configs import ServerConfig, Upstream
from dorgu.models.app import Component, Dependency, Port, Protocol
from dorgu.models.evidence import Diagnostic, Evidence, Location, Severity


def _labels_location(evidence: Sequence[Evidence], name: str) -> Location | None:
    for item in evidence:
        if item.field == f"components.{name}.labels" and item.location:
            return item.location
    return None


def traefik_config(
    component: Component,
    components: Sequence[Component],
    config: ServerConfig | None,
    anchor: Location | None,
    evidence: Sequence[Evidence],
) -> ServerConfig:
    """Traefik's configuration: its file (if any), its ``--flags`` and other containers' labels."""
    # lazy: Traefik's parsers (and tomllib) load only for an app that runs Traefik
    from dorgu.analysis.servers.traefik import label_route, traefik_flags

    merged = ServerConfig(server="traefik")
    if config is not None:
        merged.extend(config)
    if any(word.startswith("--providers.docker") for word in component.command or ()):
        merged.diagnostics.append(
            Diagnostic(
                code="servers.traefik-docker-provider",
                severity=Severity.INFO,
                message=(
                    f"{component.name}: Traefik's Docker provider does not exist in Kubernetes; "
                    "the routes other services declare in labels become dependencies here "
                    "(use the generated Ingress, or Traefik's Kubernetes providers)"
                ),
                location=anchor,
            )
        )
    flags = traefik_flags(component.command or (), where=anchor)
    if any(word.startswith("--entrypoints.") for word in component.command or ()):
        merged.listens = [*flags.listens, *merged.listens]
        merged.health.extend(flags.health)
    elif config is None:
        merged.extend(flags)
    for other in components:
        if other is component:
            continue
        route = label_route(other.labels)
        if not route.declared and route.enabled is not True:
            continue
        if route.enabled is False:
            continue
        port = route.port
        if port is None and len({p.number for p in other.ports}) == 1:
            port = other.ports[0].number
        where = _labels_location(evidence, other.name) or anchor or Location(file="compose")
        merged.upstreams.append(Upstream(other.name.lower(), port, where, route.path, "http"))
    return merged


def serve_upstream_ports(components: list[Component], evidence: list[Evidence]) -> list[Component]:
    """A component a proxy forwards to serves the port the proxy uses."""
    wanted: dict[str, list[Dependency]] = {}
    for component in components:
        for dep in component.dependencies:
            if dep.component and dep.port:
                wanted.setdefault(dep.component, []).append(dep)
    out = []
    for component in components:
        ports = list(component.ports)
        for dep in wanted.get(component.name, []):
            assert dep.port is not None
            if any(p.number == dep.port and p.protocol is Protocol.TCP for p in ports):
                continue
            ports.append(Port(number=dep.port, location=dep.location))
            evidence.append(
                Evidence(
                    field=f"components.{component.name}.ports",
                    value=f"{dep.port}/TCP",
                    rule="servers.upstream-port",
                    location=dep.location,
                    confidence=0.8,
                    detail="a proxy forwards to this port",
                )
            )
        out.append(
            component.model_copy(update={"ports": tuple(ports)})
            if len(ports) != len(component.ports)
            else component
        )
    return out
