"""Compose ``deploy`` (replicas, resources) and the legacy ``cpus``/``mem_*`` service keys.

Resources are converted to Kubernetes quantity strings here (see ``quantities.py``), keyed
``cpu_limit``, ``memory_limit``, ``cpu_request``, ``memory_request``; legacy service-level keys
use the same names prefixed ``legacy.`` and only count when ``deploy`` says nothing.

Must not: raise anything but ``InvalidValue``; guess resources that are not written.
"""

from __future__ import annotations

from collections.abc import Callable

from dorgu.analysis.compose.coercing import InvalidValue, int_of, mapping_of
from dorgu.analysis.compose.files import ComposeFile
from dorgu.analysis.compose.layers import Located
from dorgu.analysis.compose.quantities import cpu_quantity, memory_quantity
from dorgu.models.app import ResourceHints

_SECTIONS = (("limits", "limit"), ("reservations", "request"))
_LEGACY = {
    "cpus": ("legacy.cpu_limit", cpu_quantity),
    "mem_limit": ("legacy.memory_limit", memory_quantity),
    "mem_reservation": ("legacy.memory_request", memory_quantity),
}


def read_deploy(
    value: object,
    source: ComposeFile,
    path: tuple[str, ...],
    report: Callable[[str, InvalidValue, tuple[str, ...]], None],
) -> tuple[dict[str, Located[str]], dict[str, Located[int]]]:
    """(resources, numbers) from a ``deploy`` mapping; bad entries go to ``report``."""
    deploy = mapping_of(value, "deploy")
    resources: dict[str, Located[str]] = {}
    numbers: dict[str, Located[int]] = {}
    if deploy.get("replicas") is not None:
        try:
            replicas = int_of(deploy["replicas"], "deploy.replicas")
            if replicas < 0:
                raise InvalidValue("deploy.replicas must not be negative")
            numbers["replicas"] = Located(replicas, source.at(*path, "replicas"))
        except InvalidValue as e:
            report("deploy.replicas", e, (*path, "replicas"))
    if deploy.get("resources") is None:
        return resources, numbers
    try:
        sections = mapping_of(deploy["resources"], "deploy.resources")
    except InvalidValue as e:
        report("deploy.resources", e, (*path, "resources"))
        return resources, numbers
    for section, suffix in _SECTIONS:
        if sections.get(section) is None:
            continue
        where = (*path, "resources", section)
        try:
            figures = mapping_of(sections[section], f"deploy.resources.{section}")
        except InvalidValue as e:
            report(f"deploy.resources.{section}", e, where)
            continue
        for key, convert, name in (
            ("cpus", cpu_quantity, "cpu"),
            ("memory", memory_quantity, "memory"),
        ):
            if figures.get(key) is None:
                continue
            try:
                quantity = convert(figures[key])
            except InvalidValue as e:
                report(f"deploy.resources.{section}.{key}", e, (*where, key))
                continue
            resources[f"{name}_{suffix}"] = Located(quantity, source.at(*where, key))
    return resources, numbers


def read_legacy_resource(
    key: str, value: object, source: ComposeFile, path: tuple[str, ...]
) -> tuple[str, Located[str]]:
    name, convert = _LEGACY[key]
    return name, Located(convert(value), source.at(*path))


LEGACY_KEYS = frozenset(_LEGACY)


def finish_resources(resources: dict[str, Located[str]]) -> ResourceHints:
    def pick(name: str) -> str | None:
        found = resources.get(name) or resources.get(f"legacy.{name}")
        return found.value if found else None

    return ResourceHints(
        cpu_request=pick("cpu_request"),
        memory_request=pick("memory_request"),
        cpu_limit=pick("cpu_limit"),
        memory_limit=pick("memory_limit"),
    )
