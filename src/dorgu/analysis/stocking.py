"""What the catalogue knows about stock images, applied to the components that run them.

A compose service that runs a catalogued image (postgres, bitnami/kafka, grafana, zipkin, ...)
or that is built by a small Dockerfile on top of one (``FROM mysql`` plus init scripts) gets,
each with evidence pointing at the ``image:`` line or the FROM line, where the model does not
already say otherwise: the product as framework, its ports (main, health, extra), its health
check (an HTTP endpoint, or an exec command), the non-root uid the image runs as, and a note
when its data directory is not on a volume.  Services that use a built stock image get the
typed dependency (database, cache, queue) that an image-only one would give them.

Must not: open files, or override anything compose, the Dockerfile or the code state.
"""

from __future__ import annotations

from collections.abc import Sequence

from dorgu.analysis.catalog import Backing, image_facts
from dorgu.models.app import (
    AppModel,
    Component,
    ComponentKind,
    Dependency,
    Endpoint,
    EndpointKind,
    HealthCheck,
    Port,
)
from dorgu.models.evidence import Diagnostic, Evidence, Location, Severity


def stock_image_of(component: Component) -> str | None:
    """The catalogued image ``component`` runs: its own, or the base of a Dockerfile that adds
    no code of its own (no language found)."""
    if component.kind is not ComponentKind.APP:
        return component.image
    if component.language is None:
        return component.base_image
    return None


def apply_catalog(model: AppModel) -> AppModel:
    """Fill in catalogue facts for every component that runs a stock image."""
    evidence, diagnostics = list(model.evidence), list(model.diagnostics)
    built: dict[str, Backing] = {}
    components: list[Component] = []
    for component in model.components:
        image = stock_image_of(component)
        facts = image_facts(image) if image else None
        if facts is None:
            components.append(component)
            continue
        if component.kind is ComponentKind.APP:
            built[component.name] = facts
        anchor = image_anchor(model.evidence, component)
        components.append(_apply(component, facts, anchor, evidence, diagnostics))
    components = [_retype(c, built, evidence) for c in components]
    return model.model_copy(
        update={"components": components, "evidence": evidence, "diagnostics": diagnostics}
    )


def image_anchor(evidence: Sequence[Evidence], component: Component) -> Location | None:
    """Where the component's image is named: the compose ``image`` or the Dockerfile FROM."""
    for field in ("image", "base_image", "kind"):
        for item in evidence:
            if item.field == f"components.{component.name}.{field}" and item.location:
                return item.location
    return None


def _apply(
    component: Component,
    facts: Backing,
    anchor: Location | None,
    evidence: list[Evidence],
    diagnostics: list[Diagnostic],
) -> Component:
    prefix = f"components.{component.name}"

    def note(field: str, value: str, rule: str, confidence: float = 0.7) -> None:
        evidence.append(
            Evidence(
                field=f"{prefix}.{field}",
                value=value,
                rule=rule,
                location=anchor,
                confidence=confidence,
                detail=f"catalogue: {facts.kind} image",
            )
        )

    update: dict[str, object] = {}
    if component.framework is None:
        update["framework"] = facts.kind
        note("framework", facts.kind, "catalog.product", 0.9)
    ports = list(component.ports)
    numbers = {p.number for p in ports}
    wanted = [facts.port] if facts.port is not None else []
    if facts.http_health and facts.health_port:
        wanted.append(facts.health_port)
    wanted.extend(facts.extra_ports)
    for number in wanted:
        if number is None or number in numbers:
            continue
        numbers.add(number)
        purpose = (
            "http" if number == (facts.health_port or facts.port) and facts.http_health else None
        )
        ports.append(Port(number=number, purpose=purpose or facts.kind, location=anchor))
        note("ports", f"{number}/TCP", "catalog.default-port")
    if len(ports) != len(component.ports):
        update["ports"] = tuple(ports)
    has_health = component.healthcheck is not None or any(
        e.kind in (EndpointKind.HEALTH, EndpointKind.LIVENESS, EndpointKind.READINESS)
        for e in component.endpoints
    )
    if not has_health and facts.http_health:
        port = facts.health_port or facts.port
        endpoint = Endpoint(
            kind=EndpointKind.HEALTH, path=facts.http_health, port=port, location=anchor
        )
        update["endpoints"] = tuple(
            sorted((*component.endpoints, endpoint), key=lambda e: (e.kind.value, e.path))
        )
        note("endpoints.health", f"{facts.http_health} :{port}", "catalog.health")
    elif not has_health and facts.health:
        update["healthcheck"] = HealthCheck(test=facts.health, location=anchor)
        note("healthcheck", " ".join(facts.health), "catalog.health")
    security = component.security
    if facts.uid is not None and security.user is None and security.uid is None:
        update["security"] = security.model_copy(
            update={"uid": facts.uid, "gid": facts.uid, "runs_as_root": False}
        )
        note("security.uid", str(facts.uid), "catalog.uid")
    if facts.data_path and not any(_covers(v.target, facts.data_path) for v in component.volumes):
        diagnostics.append(
            Diagnostic(
                code="catalog.data-not-persisted",
                severity=Severity.INFO,
                message=(
                    f"{component.name}: {facts.kind} keeps its data in {facts.data_path}, "
                    "which no volume mounts; the data is lost when the container is replaced"
                ),
                location=anchor,
            )
        )
    return component.model_copy(update=update) if update else component


def _covers(target: str, path: str) -> bool:
    target = target.rstrip("/") or "/"
    return path == target or path.startswith(target + "/") or target.startswith(path + "/")


def _retype(component: Component, built: dict[str, Backing], evidence: list[Evidence]) -> Component:
    """Dependencies on a service built on a stock image take the image's type and kind."""
    changed = False
    deps: list[Dependency] = []
    for dep in component.dependencies:
        facts = built.get(dep.component or "")
        if facts is not None and dep.kind is None:
            dep = dep.model_copy(update={"type": facts.type, "kind": facts.kind})
            changed = True
            evidence.append(
                Evidence(
                    field=f"components.{component.name}.dependencies.{dep.name}",
                    value=f"{facts.type.value} ({facts.kind})",
                    rule="catalog.built-on",
                    location=dep.location,
                    confidence=0.8,
                    detail=f"{dep.name} is built on a {facts.kind} image",
                )
            )
        deps.append(dep)
    if not changed:
        return component
    # A driver the code uses (kind mysql, no provider) is the built service of that kind.
    provided = {d.kind for d in deps if d.component and d.kind}
    deps = [d for d in deps if d.component or d.kind not in provided]
    return component.model_copy(
        update={"dependencies": tuple(sorted(deps, key=lambda d: (d.type.value, d.name)))}
    )
