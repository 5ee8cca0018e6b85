"""Linking the components of one app to each other.

A component whose environment points at another component's name (``http://payments:8000``,
``ORDERS_HOST=orders``) depends on it.  Compose does this itself for services; this pass covers
monorepos, where the only wiring is the environment baked into each Dockerfile.  Values are
read, never stored: the dependency records the component name and the variable.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from dorgu.analysis.hostnames import component_for_host, is_address_setting
from dorgu.models.app import AppModel, Component, Dependency, DependencyType
from dorgu.models.evidence import Evidence


def _hosts(value: str) -> set[str]:
    hosts: set[str] = set()
    for part in re.split(r"[\s,;]+", value.strip()):
        if "://" in part:
            try:
                host = urlsplit(part).hostname
            except ValueError:
                host = None
            if host:
                hosts.add(host.lower())
        elif part:
            hosts.add(part.split(":", 1)[0].lower())
    return hosts


def link_components(model: AppModel) -> AppModel:
    """Add SERVICE dependencies between components that reference each other by name."""
    names = {c.name.lower(): c.name for c in model.components}
    if len(names) < 2:
        return model
    evidence = list(model.evidence)
    components: list[Component] = []
    for component in model.components:
        known = {d.component or d.name for d in component.dependencies}
        added: list[Dependency] = []
        for var in component.env:
            if var.value is None or var.secret:
                continue
            if "://" not in var.value and not is_address_setting(var.name):
                continue  # a bare word is a host only in a *_HOST/_ADDR/_URL... setting
            for host in sorted(_hosts(var.value)):
                target = component_for_host(host, names)
                if target is None or target == component.name or target in known:
                    continue
                known.add(target)
                added.append(
                    Dependency(
                        name=target,
                        type=DependencyType.SERVICE,
                        component=target,
                        via="env",
                        location=var.location,
                    )
                )
                evidence.append(
                    Evidence(
                        field=f"components.{component.name}.dependencies.{target}",
                        value=target,
                        rule="env.service-reference",
                        location=var.location,
                        confidence=0.8,
                        detail=f"{var.name} points at component {target}",
                    )
                )
        if added:
            deps = tuple(
                sorted((*component.dependencies, *added), key=lambda d: (d.type.value, d.name))
            )
            component = component.model_copy(update={"dependencies": deps})
        components.append(component)
    return model.model_copy(update={"components": components, "evidence": evidence})
