"""``parse_compose``: compose files (and the texts they reference) in, a ``ComposeProject`` out.

Order of work, as in ``docker compose``: read ``.env`` next to the first file; load and
interpolate each file; resolve ``extends`` per file; merge files in order; apply profiles;
finish services (env_file, variables, masking); check ``depends_on``.

Must not: open files, read the process environment (callers pass ``environment``), print, or
raise anything but ``DorguError`` subclasses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from dorgu.analysis.compose.definitions import SECTIONS, merge_definitions, read_definitions
from dorgu.analysis.compose.dotenv import parse_dotenv
from dorgu.analysis.compose.extending import Extender
from dorgu.analysis.compose.files import ComposeFile, load_compose_file, service_mappings
from dorgu.analysis.compose.interpolating import Lookup, lookup_in
from dorgu.analysis.compose.interpolations import UseRecorder, dotenv_interpolations
from dorgu.analysis.compose.keys import TOP_LEVEL_KEYS, check_keys
from dorgu.analysis.compose.layers import Layer
from dorgu.analysis.compose.merging import merge_layers
from dorgu.analysis.compose.notes import Notes
from dorgu.analysis.compose.paths import directory_of, is_outside, join, normalize
from dorgu.analysis.compose.projects import ComposeProject, ComposeResource, ComposeService
from dorgu.analysis.compose.secretrefs import (
    ProjectSecrets,
    project_secrets,
    shared_secrets,
    with_secret_files,
)
from dorgu.analysis.compose.services import finish_service, service_environment
from dorgu.errors import ParseError, UnsafePathError, UsageError
from dorgu.models.app import VolumeKind
from dorgu.models.evidence import Location, Severity
from dorgu.models.patterns import LazyPattern

_SERVICE_NAME = LazyPattern(r"[a-zA-Z0-9][a-zA-Z0-9._-]*")


def parse_compose(
    files: Sequence[tuple[str, str]],
    *,
    texts: Mapping[str, str] | None = None,
    environment: Mapping[str, str] | None = None,
    profiles: Sequence[str] = (),
) -> ComposeProject:
    """Parse and merge compose ``files`` ((root-relative path, text) pairs, in ``-f`` order).

    ``texts`` holds other files the caller loaded (``.env``, ``env_file`` and ``extends.file``
    targets) by root-relative POSIX path.  ``environment`` wins over ``.env`` when interpolating.
    Raises ``ParseError`` for malformed input, ``UnsafePathError`` for paths leaving the root.
    """
    if not files:
        raise UsageError("no compose file given")
    notes = Notes()
    paths = [_safe_path(path) for path, _text in files]
    project_dir = directory_of(paths[0])
    others = {normalize(k): v for k, v in (texts or {}).items()}
    given = dict(zip(paths, (text for _path, text in files), strict=True))
    lookup, secrets = _variables(dict(environment or {}), others, join(project_dir, ".env"), notes)
    dotenv = dict(secrets.locations)  # where .env sets each variable
    recorder = UseRecorder()
    loaded: dict[str, ComposeFile] = {}

    def load(path: str, location: Location) -> ComposeFile:
        if path not in loaded:
            text = others.get(path, given.get(path))
            if text is None:
                raise ParseError(
                    f"extends file {path!r} was not found",
                    file=location.file,
                    line=location.line,
                    hint="make sure the file exists inside the project",
                )
            base = directory_of(path)
            loaded[path] = load_compose_file(
                text, file=path, base_dir=base, lookup=lookup, notes=notes, on_used=recorder
            )
        return loaded[path]

    extender = Extender(load, notes)
    layers: dict[str, Layer] = {}
    definitions: dict[str, dict[str, ComposeResource]] = {section: {} for section in SECTIONS}
    name: str | None = None
    for path, (_original, text) in zip(paths, files, strict=True):
        source = load_compose_file(
            text, file=path, base_dir=project_dir, lookup=lookup, notes=notes, on_used=recorder
        )
        name = _check_top_level(source, notes) or name
        for service in service_mappings(source):
            if not _SERVICE_NAME.fullmatch(service):
                notes.add(
                    "compose.invalid-name",
                    f"service name {service!r} should use only letters, digits, '.', '_' and '-'",
                    source.at("services", service),
                )
            layer = extender.resolve(source, service)
            if service in layers:
                earlier = layers[service]
                layer = replace(merge_layers(earlier, layer), location=earlier.location)
            layers[service] = layer
        for section in SECTIONS:
            found = read_definitions(source, section, notes)
            definitions[section] = merge_definitions(definitions[section], found)
    active = _active(layers, set(profiles))
    secrets = with_secret_files(secrets, definitions["secrets"].values(), others)
    services = _finish(active, others, lookup, notes, secrets)
    _check_dependencies(services, set(layers), notes)
    _check_references(services, definitions, notes)
    return ComposeProject(
        name=name,
        files=tuple(paths),
        services=services,
        inactive=tuple(key for key in layers if key not in active),
        volumes=tuple(definitions["volumes"].values()),
        networks=tuple(definitions["networks"].values()),
        configs=tuple(definitions["configs"].values()),
        secrets=tuple(definitions["secrets"].values()),
        diagnostics=notes.items(),
        interpolations=dotenv_interpolations(recorder.uses, dotenv, dict(environment or {})),
        hosts=service_hosts(active),
    )


def _active(layers: dict[str, Layer], enabled: set[str]) -> dict[str, Layer]:
    """Services without profiles, and those with an enabled profile (``*`` enables all)."""

    def is_active(layer: Layer) -> bool:
        wanted = {item.value for item in layer.sequences.get("profiles", ())}
        return not wanted or "*" in enabled or bool(wanted & enabled)

    return {key: layer for key, layer in layers.items() if is_active(layer)}


def _safe_path(path: str) -> str:
    normalized = normalize(path)
    if is_outside(normalized):
        raise UnsafePathError(
            f"compose file {path!r} is outside the project root",
            hint="pass paths relative to the analysed directory",
        )
    return normalized


def _variables(
    environment: dict[str, str], texts: Mapping[str, str], dotenv: str, notes: Notes
) -> tuple[Lookup, ProjectSecrets]:
    text = texts.get(dotenv)
    if text is None:
        return lookup_in(environment), ProjectSecrets(project_secrets(environment), {})
    entries = parse_dotenv(text, file=dotenv, notes=notes, lookup=lookup_in(environment))
    values = {entry.name: entry.value for entry in entries if entry.value is not None}
    where = {entry.name: Location(file=dotenv, line=entry.line) for entry in entries}
    secrets = ProjectSecrets(project_secrets({**values, **environment}), where)
    return lookup_in(environment, values), secrets


def _check_top_level(source: ComposeFile, notes: Notes) -> str | None:
    data = source.data
    check_keys(data, TOP_LEVEL_KEYS, what="top-level", locate=source.locator(), notes=notes)
    if "version" in data:
        notes.add(
            "compose.obsolete-version",
            "the top-level 'version' key is obsolete and ignored",
            source.at("version"),
            severity=Severity.INFO,
        )
    if "include" in data:
        notes.add(
            "compose.include-unsupported",
            "'include' is not supported yet; services of included files are not analysed",
            source.at("include"),
        )
    project = data.get("name")
    if project is None:
        return None
    if isinstance(project, str | int) and not isinstance(project, bool) and str(project).strip():
        return str(project).strip()
    notes.add("compose.invalid-value", "top-level 'name' must be a string", source.at("name"))
    return None


def service_hosts(layers: Mapping[str, Layer]) -> dict[str, str]:
    """Lower-cased names other services reach each service by: its name, ``container_name``,
    ``hostname`` and network ``aliases``."""
    hosts: dict[str, str] = {}
    for key, layer in layers.items():
        for alias in ("container_name", "hostname"):
            if alias in layer.texts:
                hosts.setdefault(layer.texts[alias].value.lower(), key)
        for located in layer.sequences.get("network_aliases", ()):
            hosts.setdefault(located.value.lower(), key)
    hosts.update({key.lower(): key for key in layers})
    return hosts


def _finish(
    layers: dict[str, Layer],
    texts: Mapping[str, str],
    lookup: Lookup,
    notes: Notes,
    secrets: ProjectSecrets,
) -> tuple[ComposeService, ...]:
    hosts = service_hosts(layers)
    environments = {
        key: service_environment(layer, texts=texts, lookup=lookup, notes=notes)
        for key, layer in layers.items()
    }
    shared = shared_secrets(environments.values(), project=secrets, lookup=lookup)
    return tuple(
        finish_service(
            layer,
            texts=texts,
            lookup=lookup,
            hosts=hosts,
            notes=notes,
            raw_env=environments[key],
            secrets=shared,
        )
        for key, layer in layers.items()
    )


def _check_dependencies(
    services: tuple[ComposeService, ...], defined: set[str], notes: Notes
) -> None:
    active = {service.name for service in services}
    for service in services:
        for dependency in service.depends_on:
            if dependency.name in active:
                continue
            if dependency.name in defined:
                if not dependency.required:
                    continue  # an optional dependency may be switched off by profiles
                message = (
                    f"service {service.name!r} depends on {dependency.name!r}, which no enabled "
                    "profile activates"
                )
                notes.add("compose.inactive-dependency", message, dependency.location)
            else:
                message = (
                    f"service {service.name!r} depends on undefined service {dependency.name!r}"
                )
                notes.add("compose.unknown-dependency", message, dependency.location)


def _check_references(
    services: tuple[ComposeService, ...],
    definitions: dict[str, dict[str, ComposeResource]],
    notes: Notes,
) -> None:
    for service in services:
        for section, refs in (("secrets", service.secrets), ("configs", service.configs)):
            for ref in refs:
                if ref.source not in definitions[section]:
                    message = (
                        f"service {service.name!r} uses {section[:-1]} {ref.source!r}, "
                        "which is not defined at the top level"
                    )
                    notes.add("compose.undefined-reference", message, ref.location)
        for volume in service.volumes:
            if volume.kind is VolumeKind.NAMED and volume.source not in definitions["volumes"]:
                message = (
                    f"service {service.name!r} mounts volume {volume.source!r}, "
                    "which is not defined at the top level"
                )
                location = service.locations.get("volumes", service.location)
                notes.add("compose.undefined-reference", message, location)
