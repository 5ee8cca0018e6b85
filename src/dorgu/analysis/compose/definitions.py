"""Top-level ``volumes``, ``networks``, ``configs`` and ``secrets`` definitions.

A later file's definition of the same name overrides the fields it sets.

Must not: read the files that configs/secrets point at, or keep inline config ``content``.
"""

from __future__ import annotations

from dataclasses import fields, replace

from dorgu.analysis.compose.coercing import InvalidValue, bool_of, key_values, text_of
from dorgu.analysis.compose.files import ComposeFile
from dorgu.analysis.compose.notes import Notes
from dorgu.analysis.compose.paths import join
from dorgu.analysis.compose.projects import ComposeResource

SECTIONS = ("volumes", "networks", "configs", "secrets")


def read_definitions(source: ComposeFile, section: str, notes: Notes) -> dict[str, ComposeResource]:
    value = source.data.get(section)
    if value is None:
        return {}
    if not isinstance(value, dict):
        notes.add(
            "compose.invalid-value",
            f"top-level {section!r} must be a mapping of names",
            source.at(section),
        )
        return {}
    result: dict[str, ComposeResource] = {}
    for name, spec in value.items():
        location = source.at(section, name)
        try:
            result[str(name)] = _read_one(str(name), spec, source, section)
        except InvalidValue as e:
            notes.add("compose.invalid-value", f"{section} {name!r}: {e}", location)
            result[str(name)] = ComposeResource(name=str(name), location=location)
    return result


def merge_definitions(
    base: dict[str, ComposeResource], over: dict[str, ComposeResource]
) -> dict[str, ComposeResource]:
    merged = dict(base)
    for name, resource in over.items():
        if name not in merged:
            merged[name] = resource
            continue
        blank = ComposeResource(name=name)
        changes = {
            f.name: getattr(resource, f.name)
            for f in fields(resource)
            if getattr(resource, f.name) != getattr(blank, f.name)
        }
        merged[name] = replace(merged[name], **changes)
    return merged


def _read_one(name: str, spec: object, source: ComposeFile, section: str) -> ComposeResource:
    location = source.at(section, name)
    if spec is None:
        return ComposeResource(name=name, location=location)
    if not isinstance(spec, dict):
        raise InvalidValue("definition must be a mapping")
    external = spec.get("external")
    if isinstance(external, dict):  # legacy ``external: {name: x}``
        is_external = True
    else:
        is_external = bool_of(external, "external") if external is not None else False
    written_file = text_of(spec.get("file"))
    labels = key_values(spec["labels"], "labels") if spec.get("labels") is not None else {}
    return ComposeResource(
        name=name,
        external=is_external,
        driver=text_of(spec.get("driver")),
        file=join(source.base_dir, written_file) if written_file else None,
        environment=text_of(spec.get("environment")),
        labels=tuple(sorted((k, v or "") for k, v in labels.items())),
        location=location,
    )
