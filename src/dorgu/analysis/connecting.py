"""The connection graph: which component connects to which, on which port.

Compose lets every service reach every port of every other; Kubernetes only the ports a Service
exposes.  So every address a component's settings name (see ``connections.py``) that resolves
to another component becomes an edge (``Component.connections``), the target gets a port for
every port something connects to (even one compose neither publishes nor exposes), and the
source gets a dependency on the target if it had none.  A host without a port takes the
scheme's default port, else the default port of the target's catalogue entry.

Must not: store or quote a setting's value (only its name, the host and the port), or keep
addresses of hosts that are not components.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dorgu.analysis.catalog import backing_for_image
from dorgu.analysis.connections import NamedAddress, setting_addresses
from dorgu.analysis.hostnames import component_for_host
from dorgu.models.app import (
    AppModel,
    AppType,
    Component,
    ComponentKind,
    Connection,
    Dependency,
    DependencyType,
    Port,
    Protocol,
)
from dorgu.models.evidence import Diagnostic, Evidence, Severity

_HTTP_SCHEMES = frozenset({"http", "https", "ws", "wss"})


def env_addresses(component: Component) -> list[NamedAddress]:
    """Addresses in the component's stored (non-secret) environment: Dockerfile ``ENV`` and
    compose values that do not look secret."""
    settings = [(v.name, v.value, v.location) for v in component.env if v.value and not v.secret]
    return setting_addresses(settings)


def connect_components(
    model: AppModel, found: Mapping[str, Sequence[NamedAddress]] | None = None
) -> AppModel:
    """Add connection edges, target ports and dependencies.  ``found`` holds addresses read
    from values the model does not keep (secret env values, config files), by component."""
    names = {c.name.lower(): c.name for c in model.components}
    by_name = {c.name: c for c in model.components}
    evidence = list(model.evidence)
    diagnostics = list(model.diagnostics)
    edges: dict[str, dict[tuple[str, int | None], Connection]] = {}
    for component in model.components:
        own: dict[tuple[str, int | None], Connection] = {}
        for item in [*(found or {}).get(component.name, ()), *env_addresses(component)]:
            target = item.component or component_for_host(item.address.host, names)
            if target is None or target == component.name or target not in by_name:
                continue
            edge, why = _edge(component.name, item, by_name[target], diagnostics)
            if (edge.component, edge.port) not in own:
                own[(edge.component, edge.port)] = edge
                evidence.append(why)
        edges[component.name] = own
    extra_ports = _target_ports(model.components, edges, evidence, diagnostics)
    components: list[Component] = []
    for component in model.components:
        own_edges = sorted(
            edges[component.name].values(), key=lambda e: (e.component, e.port or 0, e.via)
        )
        update: dict[str, object] = {}
        if own_edges:
            update["connections"] = tuple(own_edges)
            deps = _dependencies(component, own_edges, by_name, evidence)
            if deps != component.dependencies:
                update["dependencies"] = deps
        if extra_ports.get(component.name):
            update["ports"] = (*component.ports, *extra_ports[component.name])
            served = _served_type(component, extra_ports[component.name], evidence)
            if served is not None:
                update["type"] = served
        components.append(component.model_copy(update=update) if update else component)
    diagnostics.sort(
        key=lambda d: (
            d.location.file if d.location else "",
            d.location.line or 0 if d.location else 0,
            d.code,
        )
    )
    return model.model_copy(
        update={"components": components, "evidence": evidence, "diagnostics": diagnostics}
    )


def _edge(
    source: str,
    item: NamedAddress,
    target: Component,
    diagnostics: list[Diagnostic],
) -> tuple[Connection, Evidence]:
    address = item.address
    port, confidence, why = address.port, 0.9, ""
    if address.problem:
        diagnostics.append(
            Diagnostic(
                code="analysis.connection-port",
                message=f"{source}: {item.key} names component {target.name}, but "
                f"{address.problem}; that port is ignored",
                location=item.location,
            )
        )
    if address.default_port:
        confidence, why = 0.7, f" (the {address.scheme} default port)"
    if port is None and target.kind is ComponentKind.BACKING and target.image:
        backing = backing_for_image(target.image)
        if backing is not None and backing.port is not None:
            port, confidence = backing.port, 0.7
            why = f" (the {backing.kind} default port)"
    if address.host != target.name.lower() and "." in address.host and not item.component:
        why += f" (written as the Kubernetes DNS name {address.host[:120]})"
    shown = f"{target.name}:{port}" if port is not None else target.name
    connection = Connection(
        component=target.name,
        port=port,
        scheme=address.scheme,
        via=item.key,
        location=item.location,
    )
    return connection, Evidence(
        field=f"components.{source}.connections.{target.name}",
        value=shown,
        rule=f"connections.{item.via}",
        location=item.location,
        confidence=confidence,
        detail=f"{item.key} connects to {shown}{why}",
    )


def _served_type(
    component: Component, added: Sequence[Port], evidence: list[Evidence]
) -> AppType | None:
    """An app taken for a worker because it had no port is an API once callers connect to it
    over HTTP."""
    if component.kind is not ComponentKind.APP or component.type is not AppType.WORKER:
        return None
    if component.ports or not any(p.purpose == "http" for p in added):
        return None
    port = next(p for p in added if p.purpose == "http")
    evidence.append(
        Evidence(
            field=f"components.{component.name}.type",
            value=AppType.API.value,
            rule="connections.type",
            location=port.location,
            confidence=0.7,
            detail=f"other components call it over HTTP on port {port.number}",
        )
    )
    return AppType.API


def _target_ports(
    components: Sequence[Component],
    edges: Mapping[str, Mapping[tuple[str, int | None], Connection]],
    evidence: list[Evidence],
    diagnostics: list[Diagnostic],
) -> dict[str, list[Port]]:
    """Ports that callers connect to and the target does not declare yet."""
    declared = {
        c.name: {p.number for p in c.ports if p.protocol is Protocol.TCP} for c in components
    }
    added: dict[str, list[Port]] = {}
    for source in sorted(edges):
        for edge in sorted(edges[source].values(), key=lambda e: (e.component, e.port or 0)):
            if edge.port is None or edge.port in declared[edge.component]:
                continue
            had = sorted(declared[edge.component])
            declared[edge.component].add(edge.port)
            purpose = "http" if edge.scheme in _HTTP_SCHEMES else edge.scheme
            added.setdefault(edge.component, []).append(
                Port(number=edge.port, purpose=purpose, location=edge.location)
            )
            evidence.append(
                Evidence(
                    field=f"components.{edge.component}.ports",
                    value=f"{edge.port}/TCP",
                    rule="connections.port",
                    location=edge.location,
                    confidence=0.8,
                    detail=f"{source} connects to it on this port ({edge.via})",
                )
            )
            if had:
                diagnostics.append(
                    Diagnostic(
                        code="analysis.connection-port-undeclared",
                        severity=Severity.INFO,
                        message=f"{source} connects to {edge.component} on port {edge.port} "
                        f"({edge.via}), which {edge.component} does not declare (it declares "
                        f"{', '.join(map(str, had))}); its Service exposes {edge.port} too",
                        location=edge.location,
                    )
                )
    return added


def _dependencies(
    component: Component,
    edges: Sequence[Connection],
    by_name: Mapping[str, Component],
    evidence: list[Evidence],
) -> tuple[Dependency, ...]:
    known = {d.component or d.name for d in component.dependencies}
    added: list[Dependency] = []
    for edge in edges:
        if edge.component in known:
            continue
        known.add(edge.component)
        target = by_name[edge.component]
        backing = backing_for_image(target.image) if target.image else None
        typed = backing is not None and target.kind is ComponentKind.BACKING
        added.append(
            Dependency(
                name=edge.component,
                type=backing.type if backing and typed else DependencyType.SERVICE,
                kind=backing.kind if backing and typed else None,
                component=edge.component,
                via="env",
                location=edge.location,
            )
        )
        evidence.append(
            Evidence(
                field=f"components.{component.name}.dependencies.{edge.component}",
                value=edge.component,
                rule="connections.dependency",
                location=edge.location,
                confidence=0.8,
                detail=f"{edge.via} connects to component {edge.component}",
            )
        )
    if not added:
        return component.dependencies
    return tuple(sorted((*component.dependencies, *added), key=lambda d: (d.type.value, d.name)))
