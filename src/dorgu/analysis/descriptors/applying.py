"""Applying what deployment descriptions state to the components they describe.

For a matched container (``matching.py``), with evidence (the description's file:line, the
match rule in the detail):

- ports (``<source>.ports``): the container ports replace the ones inferred from code or
  framework defaults; when compose or the Dockerfile said otherwise, a warning names both;
- env (``<source>.env``): an env layer over compose and the Dockerfile (values of secret-looking
  or Secret-backed variables never kept); a ``PORT``-style variable it sets also decides the
  port when the container states none and the code reads it or the command uses it;
- probes (``<source>.probe``): ``httpGet`` paths become the liveness/readiness/startup
  endpoints, an ``exec`` probe the health check when there is none;
- resources and replicas (``<source>.resources``/``.replicas``);
- a Job is a component that runs once.

Probes, resources and replicas are deployment choices: with ``keep=False`` (setting
``descriptors: evidence``) they are recorded as evidence only and ``generate`` uses its own.

Procfile processes split the app they belong to: one component per process type (same build,
its own command), ``web`` keeping the routes and health endpoints.

Must not: read files.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from dorgu.analysis.descriptors.matching import Match, match_container
from dorgu.analysis.descriptors.notes import Notes, merge_env
from dorgu.analysis.descriptors.processes import split_processes as split
from dorgu.analysis.descriptors.records import Described, Descriptions
from dorgu.models.app import (
    AppType,
    Component,
    ComponentKind,
    Endpoint,
    EndpointKind,
    Port,
)
from dorgu.models.evidence import Diagnostic, Evidence, Location, Severity

PORT_VARIABLES = ("PORT", "HTTP_PORT", "SERVER_PORT", "APP_PORT")
_KINDS = {
    "liveness": EndpointKind.LIVENESS,
    "readiness": EndpointKind.READINESS,
    "startup": EndpointKind.STARTUP,
}


def apply_descriptions(
    components: Sequence[Component],
    evidence: Sequence[Evidence],
    descriptions: Descriptions,
    *,
    keep: bool = True,
    split_processes: bool = True,
) -> tuple[list[Component], list[Evidence], list[Diagnostic]]:
    """``components`` with what the descriptions state applied; ``evidence`` with theirs
    added (and copied to the components a Procfile splits an app into); diagnostics."""
    notes = Notes()
    notes.diagnostics.extend(descriptions.diagnostics)
    result = list(components)
    kept = list(evidence)
    if split_processes and descriptions.processes:
        result, kept = split(result, kept, descriptions, notes, keep=keep)
    result = [_link_image(c, descriptions, notes) for c in result]
    workloads = {(c.workload, c.name) for c in descriptions.containers}
    chosen: dict[str, tuple[Described, Match]] = {}
    for item in descriptions.containers:
        match, tied = match_container(item, result, descriptions.images, only=len(workloads) == 1)
        if tied:
            notes.diagnostics.append(
                Diagnostic(
                    code="descriptors.ambiguous",
                    message=f"{item.workload} {item.name} could describe {', '.join(tied)}; "
                    "not used (name its container like the component)",
                    location=item.location,
                )
            )
            continue
        if match is None:
            notes.diagnostics.append(
                Diagnostic(
                    severity=Severity.INFO,
                    code="descriptors.unmatched",
                    message=f"{item.workload} {item.name} (container {item.container}) "
                    "describes no component found here; not used",
                    location=item.location,
                )
            )
            continue
        earlier = chosen.get(match.component)
        if earlier is None or match.confidence > earlier[1].confidence:
            chosen[match.component] = (item, match)
    updated = []
    for component in result:
        if component.name in chosen:
            item, match = chosen[component.name]
            component = _apply(component, item, match, notes, keep=keep)
        updated.append(component)
    return updated, kept + notes.evidence, notes.diagnostics


def _link_image(component: Component, descriptions: Descriptions, notes: Notes) -> Component:
    """A skaffold artifact built from the component's context names its image."""
    if component.kind is not ComponentKind.APP:
        return component
    context = posixpath.normpath(component.build.context if component.build else component.path)
    links = [link for link in descriptions.images if posixpath.normpath(link.context) == context]
    if len({link.image for link in links}) != 1:
        return component  # none, or several images from one context: not a name to use
    link = links[0]
    notes.add(
        component.name,
        "image",
        link.image,
        "skaffold.artifact",
        link.location,
        0.9,
        f"skaffold builds {link.image} from {link.context}",
    )
    if component.image:
        return component
    return component.model_copy(update={"image": link.image})


def _detail(item: Described, match: Match | None) -> str:
    what = f"{item.workload} {item.name}"
    if item.container and item.container != item.name:
        what += f", container {item.container}"
    return what + (f" (matched by {match.rule})" if match else "")


def _apply(
    component: Component, item: Described, match: Match, notes: Notes, *, keep: bool
) -> Component:
    name, source = component.name, item.source
    confidence = min(match.confidence, item.confidence)
    detail = _detail(item, match)
    update: dict[str, object] = {}
    if item.ports:
        update["ports"] = _ports(component, item, notes, confidence, detail)
    if item.env:
        update["env"] = merge_env(component.env, item.env)
        shown = ", ".join(v.name + (" (secret)" if v.secret else "") for v in item.env)
        notes.add(name, "env", shown, f"{source}.env", item.where("env"), confidence, detail)
        if not item.ports:
            port = _env_port(component, item)
            if port is not None:
                update["ports"] = (port,)
                notes.add(
                    name,
                    "ports",
                    str(port.number),
                    f"{source}.env-port",
                    port.location,
                    confidence * 0.9,
                    f"{detail}: the variable the app reads for its port",
                )
    if item.run_once and not component.run_once:
        update["run_once"] = True
        update["type"] = AppType.WORKER
        notes.add(name, "run_once", "true", f"{source}.job", item.location, confidence, detail)
    for field, value, rule, where in _deployment_facts(item, source):
        notes.add(
            name,
            field,
            value,
            rule,
            where,
            confidence,
            detail if keep else f"{detail}; not kept (descriptors: evidence)",
        )
    if keep:
        update.update(_kept(component, item))
    return component.model_copy(update=update) if update else component


def _deployment_facts(item: Described, source: str) -> list[tuple[str, str, str, Location | None]]:
    facts: list[tuple[str, str, str, Location | None]] = []
    for probe in item.probes:
        port = f" port {probe.port}" if probe.port else ""
        field = f"endpoints.{probe.kind}"
        facts.append((field, probe.path + port, f"{source}.probe", probe.location))
    check = item.exec_check
    if check is not None:
        shown = " ".join(check.test)[:200]
        facts.append(("healthcheck", shown, f"{source}.probe", check.location))
    if item.resources is not None:
        shown = ", ".join(f"{k}={v}" for k, v in item.resources.model_dump().items() if v)
        facts.append(("resources", shown, f"{source}.resources", item.where("resources")))
    if item.replicas is not None and not item.run_once:
        shown = str(item.replicas)
        facts.append(("replicas", shown, f"{source}.replicas", item.where("replicas")))
    return facts


def _kept(component: Component, item: Described) -> dict[str, object]:
    update: dict[str, object] = {}
    if item.probes:
        kinds = {_KINDS[p.kind] for p in item.probes if p.kind in _KINDS}
        endpoints = [e for e in component.endpoints if e.kind not in kinds]
        endpoints.extend(
            Endpoint(kind=_KINDS[p.kind], path=p.path, port=p.port, location=p.location)
            for p in item.probes
            if p.kind in _KINDS
        )
        update["endpoints"] = tuple(sorted(endpoints, key=lambda e: (e.kind.value, e.path)))
    if item.exec_check is not None and not item.probes and component.healthcheck is None:
        update["healthcheck"] = item.exec_check
    if item.resources is not None:
        update["resources"] = item.resources
    if item.replicas is not None and not item.run_once:
        update["replicas"] = item.replicas
    return update


def _ports(
    component: Component, item: Described, notes: Notes, confidence: float, detail: str
) -> tuple[Port, ...]:
    stated = {(p.number, p.protocol) for p in item.ports}
    known = {(p.number, p.protocol) for p in component.ports}
    from_config = [p for p in component.ports if p.published is not None]
    if known and known != stated and from_config:
        numbers = {number for number, _ in stated}
        explained = any(
            v.name in PORT_VARIABLES
            and (v.value or "").isdecimal()
            and int(v.value or 0) in numbers
            for v in item.env
        )
        notes.diagnostics.append(
            Diagnostic(
                # The description also sets the port variable the app reads: expected.
                severity=Severity.INFO if explained else Severity.WARNING,
                code="descriptors.port-differs",
                message=f"{component.name}: {detail} states port(s) "
                f"{', '.join(str(n) for n, _ in sorted(stated))} but compose says "
                f"{', '.join(str(n) for n, _ in sorted(known))}; the description is used",
                location=item.where("ports"),
            )
        )
    shown = ", ".join(f"{p.number}/{p.protocol.value}" for p in item.ports)
    notes.add(
        component.name,
        "ports",
        shown,
        f"{item.source}.ports",
        item.where("ports"),
        confidence,
        detail,
    )
    published = {p.number: p.published for p in component.ports if p.published is not None}
    return tuple(p.model_copy(update={"published": published.get(p.number)}) for p in item.ports)


def _env_port(component: Component, item: Described) -> Port | None:
    """The port a ``PORT``-style variable of the description sets, when the app reads it."""
    words = " ".join((*(component.command or ()), *(component.entrypoint or ())))
    for var in item.env:
        if var.name not in PORT_VARIABLES or not var.value or not var.value.isdecimal():
            continue
        number = int(var.value)
        reads = var.name in component.config_keys or f"${var.name}" in words
        reads = reads or f"${{{var.name}" in words
        if 0 < number < 65536 and reads:
            return Port(number=number, purpose="http", location=var.location)
    return None
