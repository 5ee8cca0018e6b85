"""Applying what the user stated (effective configuration) on top of inferred facts.

User configuration always wins: every value taken from it is recorded as ``Source.USER``
evidence with the file and line it came from.  App-level settings (name, description, type,
health, dependencies) apply to the component when the tree holds a single app; for compose
projects and monorepos only the identity (name, description) applies to the whole app and
declared dependencies are matched by name.
"""

from __future__ import annotations

from collections.abc import Mapping

from dorgu.models.app import AppModel, Component, ComponentKind, Dependency, Endpoint, EndpointKind
from dorgu.models.config import EffectiveSettings, ProbeSection
from dorgu.models.evidence import Evidence, Location, Source

_PROBES = (
    ("liveness", EndpointKind.LIVENESS),
    ("readiness", EndpointKind.READINESS),
    ("startup", EndpointKind.STARTUP),
)


def _evidence(
    field: str, value: object, key: str, origins: Mapping[str, Location | None]
) -> Evidence:
    return Evidence(
        field=field,
        value=str(value),
        source=Source.USER,
        rule=f"config.{key}",
        location=origins.get(key),
        confidence=1.0,
    )


def _apply_health(
    component: Component,
    settings: EffectiveSettings,
    origins: Mapping[str, Location | None],
    evidence: list[Evidence],
) -> Component:
    endpoints = list(component.endpoints)
    for key, kind in _PROBES:
        probe: ProbeSection | None = getattr(settings.health, key)
        if probe is None or probe.path is None:
            continue
        endpoints = [e for e in endpoints if e.kind is not kind]
        endpoints.append(
            Endpoint(
                kind=kind,
                path=probe.path,
                port=probe.port,
                location=origins.get(f"health.{key}.path"),
            )
        )
        evidence.append(
            _evidence(
                f"components.{component.name}.endpoints.{key}",
                probe.path,
                f"health.{key}.path",
                origins,
            )
        )
    return component.model_copy(
        update={"endpoints": tuple(sorted(endpoints, key=lambda e: (e.kind.value, e.path)))}
    )


def _apply_dependencies(
    component: Component,
    settings: EffectiveSettings,
    origins: Mapping[str, Location | None],
    evidence: list[Evidence],
    *,
    single: bool,
) -> Component:
    if not settings.dependencies:
        return component
    by_name = {d.name: d for d in component.dependencies}
    by_kind = {d.kind: d for d in component.dependencies if d.kind}
    for entry in settings.dependencies:
        existing = by_name.get(entry.name) or by_kind.get(entry.name)
        if existing is None and not single:
            continue
        dep = Dependency(
            name=entry.name,
            type=entry.type,
            kind=existing.kind if existing else None,
            required=entry.required,
            external=entry.external,
            component=existing.component if existing else None,
            via="config",
            location=origins.get("dependencies"),
        )
        if existing is not None:
            by_name.pop(existing.name, None)
        by_name[entry.name] = dep
        evidence.append(
            _evidence(
                f"components.{component.name}.dependencies.{entry.name}",
                entry.type.value,
                "dependencies",
                origins,
            )
        )
    deps = tuple(sorted(by_name.values(), key=lambda d: (d.type.value, d.name)))
    return component.model_copy(update={"dependencies": deps})


def apply_user_config(
    model: AppModel, settings: EffectiveSettings, *, origins: Mapping[str, Location | None]
) -> AppModel:
    """Return a copy of ``model`` with user-stated values applied.  ``origins`` maps dotted
    setting keys to where they were set (missing: the value is a default, not user-stated)."""
    evidence = list(model.evidence)
    name = model.name
    if settings.app.name and "app.name" in origins:
        name = settings.app.name
        evidence.append(_evidence("name", name, "app.name", origins))
    description = model.description
    if settings.app.description:
        description = settings.app.description
        evidence.append(_evidence("description", description, "app.description", origins))
    apps = [c for c in model.components if c.kind is ComponentKind.APP]
    single = len(apps) == 1
    components: list[Component] = []
    for component in model.components:
        if component.kind is ComponentKind.APP and single:
            updates: dict[str, object] = {}
            if "app.name" in origins and len(model.components) == 1:
                updates["name"] = name
            if settings.app.type is not None and "app.type" in origins:
                updates["type"] = settings.app.type
                evidence.append(
                    _evidence(
                        f"components.{component.name}.type",
                        settings.app.type.value,
                        "app.type",
                        origins,
                    )
                )
            if settings.app.description:
                updates["description"] = settings.app.description
            component = component.model_copy(update=updates)
            component = _apply_health(component, settings, origins, evidence)
        component = _apply_dependencies(
            component,
            settings,
            origins,
            evidence,
            single=single and component.kind is ComponentKind.APP,
        )
        components.append(component)
    if len(model.components) == 1 and components[0].name != model.components[0].name:
        old = f"components.{model.components[0].name}."
        evidence = [
            e.model_copy(
                update={"field": f"components.{components[0].name}." + e.field[len(old) :]}
            )
            if e.field.startswith(old)
            else e
            for e in evidence
        ]
    return model.model_copy(
        update={
            "name": name,
            "description": description,
            "components": components,
            "evidence": evidence,
        }
    )
