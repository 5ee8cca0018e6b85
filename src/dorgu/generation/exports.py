"""Opt-in exports of a persona to other catalogues: a Backstage ``catalog-info.yaml``
(``Component`` entity) and a Score ``score.yaml`` (``score.dev/v1b1`` Workload).

``build_backstage_entity(persona)`` and ``build_score_workload(persona)`` return plain data;
``render_backstage_catalog`` and ``render_score`` return the YAML text (deterministic).

Must not invent values the persona does not hold (no guessed hosts or connection strings),
copy environment values (they may be secrets), read files or print.
"""

from __future__ import annotations

import re

from dorgu.generation.rendering import render_manifest
from dorgu.models.app import AppType, DependencyType
from dorgu.models.patterns import LazyPattern
from dorgu.models.personas import ApplicationPersona
from dorgu.models.personas_base import JsonValue
from dorgu.models.personas_spec import Health, PersonaResources

BACKSTAGE_API_VERSION = "backstage.io/v1alpha1"
SCORE_API_VERSION = "score.dev/v1b1"
_UNOWNED = "unknown"
_GITHUB = LazyPattern(r"^(?:https?://|git@)github\.com[/:]([^/]+/[^/]+?)(?:\.git)?/?$")
_SCORE_TYPES = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "redis": "redis",
    "valkey": "redis",
    "mongodb": "mongodb",
    "mongo": "mongodb",
    "rabbitmq": "amqp",
    "kafka": "kafka-topic",
}
_BACKSTAGE_RESOURCES = {DependencyType.DATABASE, DependencyType.CACHE, DependencyType.QUEUE}

Document = dict[str, JsonValue]


def _tag(text: str) -> str:
    """A Backstage tag: ``[a-z0-9+#-]``, at most 63 characters."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9+#]+", "-", text.lower())).strip("-")[:63]


def build_backstage_entity(
    persona: ApplicationPersona, *, lifecycle: str = "production"
) -> Document:
    """A Backstage ``Component`` whose Kubernetes plugin finds the persona's workloads."""
    spec = persona.spec
    technical = spec.technical
    selector = spec.target_selector().match_labels
    annotations: dict[str, JsonValue] = {
        "backstage.io/kubernetes-id": spec.name,
        "backstage.io/kubernetes-label-selector": ",".join(
            f"{k}={v}" for k, v in sorted(selector.items())
        ),
    }
    if persona.metadata.namespace:
        annotations["backstage.io/kubernetes-namespace"] = persona.metadata.namespace
    repository = spec.ownership.repository if spec.ownership else None
    if repository:
        location = repository.removesuffix("/").removesuffix(".git")
        annotations["backstage.io/source-location"] = f"url:{location}/"
        match = _GITHUB.match(repository)
        if match:
            annotations["github.com/project-slug"] = match.group(1)
    metadata: Document = {"name": spec.name}
    if technical and technical.description:
        metadata["description"] = technical.description.strip()
    metadata["annotations"] = dict(sorted(annotations.items()))
    stack = (technical.language, technical.framework) if technical else ()
    tags = [_tag(t) for t in stack if t and _tag(t)]
    if tags:
        metadata["tags"] = list(dict.fromkeys(tags))
    owner = spec.ownership.team or spec.ownership.owner if spec.ownership else None
    entity_spec: Document = {
        "type": "website" if spec.type is AppType.WEB else "service",
        "lifecycle": lifecycle,
        "owner": owner or _UNOWNED,
    }
    if spec.part_of:
        entity_spec["system"] = spec.part_of
    depends = [
        f"{'resource' if d.type in _BACKSTAGE_RESOURCES else 'component'}:{d.name}"
        for d in sorted(spec.dependencies, key=lambda d: d.name)
    ]
    if depends:
        entity_spec["dependsOn"] = list(depends)
    return {
        "apiVersion": BACKSTAGE_API_VERSION,
        "kind": "Component",
        "metadata": metadata,
        "spec": entity_spec,
    }


def build_score_workload(persona: ApplicationPersona) -> Document:
    """A Score workload: one container, its service ports and its dependencies as resources."""
    spec = persona.spec
    image = spec.technical.image if spec.technical and spec.technical.image else "."
    container: Document = {"image": image}
    resources = _score_resources(spec.resources)
    if resources:
        container["resources"] = resources
    container.update(_score_probes(spec.health))
    document: Document = {
        "apiVersion": SCORE_API_VERSION,
        "metadata": {"name": spec.name},
        "containers": {spec.name: container},
    }
    ports = spec.networking.ports if spec.networking else []
    if ports:
        document["service"] = {
            "ports": {
                (p.name or f"port-{p.port}"): {
                    "port": p.port,
                    "protocol": p.protocol,
                    "targetPort": p.port,
                }
                for p in ports
            }
        }
    needs: Document = {}
    for dependency in sorted(spec.dependencies, key=lambda d: d.name):
        kind = (dependency.kind or "").lower()
        fallback = dependency.type.value if dependency.type else "service"
        needs[dependency.name] = {"type": _SCORE_TYPES.get(kind, kind or fallback)}
    ingress = spec.networking.ingress if spec.networking else None
    http = next((p for p in ports if p.purpose == "http"), None)
    if ingress and ingress.enabled and ingress.host and http is not None:
        needs["route"] = {
            "type": "route",
            "params": {
                "host": ingress.host,
                "path": ingress.paths[0] if ingress.paths else "/",
                "port": http.port,
            },
        }
    if needs:
        document["resources"] = needs
    return document


def _score_resources(resources: PersonaResources | None) -> Document:
    result: Document = {}
    if resources is None:
        return result
    for key, amounts in (("limits", resources.limits), ("requests", resources.requests)):
        values: Document = {}
        if amounts and amounts.cpu:
            values["cpu"] = amounts.cpu
        if amounts and amounts.memory:
            values["memory"] = amounts.memory
        if values:
            result[key] = values
    return result


def _score_probes(health: Health | None) -> Document:
    if health is None or health.port is None:
        return {}
    probes: Document = {}
    for key, path in (
        ("livenessProbe", health.liveness_path),
        ("readinessProbe", health.readiness_path),
    ):
        if path:
            probes[key] = {"httpGet": {"path": path, "port": health.port}}
    return probes


def render_backstage_catalog(persona: ApplicationPersona, *, lifecycle: str = "production") -> str:
    """``catalog-info.yaml`` text."""
    return render_manifest(dict(build_backstage_entity(persona, lifecycle=lifecycle)))


def render_score(persona: ApplicationPersona) -> str:
    """``score.yaml`` text."""
    return render_manifest(dict(build_score_workload(persona)))
