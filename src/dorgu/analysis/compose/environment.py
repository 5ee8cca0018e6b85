"""Reading a service's ``environment``, ``env_file`` and ``labels``, and finishing its env.

``environment`` may be a ``KEY=value`` list or a mapping; an item without ``=`` (or a null
value) is taken from the caller's variables when the service is finished, else left unset.
``env_file`` values come first and ``environment`` overrides them, as in Compose.

Must not: keep a secret-looking value in anything it returns to the project (``EnvVar`` with
``secret=True`` and ``value=None``); read files (env_file texts are handed in).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dorgu.analysis.compose.coercing import (
    InvalidValue,
    bool_of,
    key_values,
    mapping_of,
    text_of,
)
from dorgu.analysis.compose.dotenv import parse_dotenv
from dorgu.analysis.compose.files import ComposeFile
from dorgu.analysis.compose.layers import EnvEntry, EnvFileRef, Located
from dorgu.analysis.compose.notes import Notes
from dorgu.analysis.compose.paths import resolve_inside
from dorgu.analysis.secrets import looks_secret
from dorgu.errors import ParseError
from dorgu.models.app import EnvVar
from dorgu.models.evidence import Location, Severity


@dataclass(frozen=True)
class RawEnv:
    """A finished variable with its real value, for inference only; never stored."""

    var: EnvVar
    raw_value: str | None


def read_environment(
    value: object, source: ComposeFile, path: tuple[str | int, ...]
) -> dict[str, EnvEntry]:
    pairs = key_values(value, "environment")
    entries: dict[str, EnvEntry] = {}
    for index, (name, item) in enumerate(pairs.items()):
        if not name:
            raise InvalidValue("environment has an item with an empty name")
        where: tuple[str | int, ...] = (*path, name) if isinstance(value, dict) else (*path, index)
        entries[name] = EnvEntry(item, source.at(*where))
    return entries


def read_labels(
    value: object, source: ComposeFile, path: tuple[str | int, ...]
) -> dict[str, Located[str]]:
    pairs = key_values(value, "labels")
    labels: dict[str, Located[str]] = {}
    for index, (key, item) in enumerate(pairs.items()):
        where: tuple[str | int, ...] = (*path, key) if isinstance(value, dict) else (*path, index)
        labels[key] = Located(item or "", source.at(*where))
    return labels


def read_env_files(value: object, source: ComposeFile, path: tuple[str, ...]) -> list[EnvFileRef]:
    items = value if isinstance(value, list) else [value]
    refs: list[EnvFileRef] = []
    for index, item in enumerate(items):
        location = source.at(*path, index) if isinstance(value, list) else source.at(*path)
        required = True
        if isinstance(item, dict):
            data = mapping_of(item, "env_file")
            written = text_of(data.get("path"))
            if "required" in data:
                required = bool_of(data["required"], "env_file.required")
        else:
            written = text_of(item)
        if not written:
            raise InvalidValue("env_file needs a path")
        resolved = resolve_inside(source.base_dir, written, what="env_file", location=location)
        refs.append(EnvFileRef(resolved, required, location))
    return refs


def finish_environment(
    entries: Mapping[str, EnvEntry],
    env_files: tuple[EnvFileRef, ...],
    *,
    texts: Mapping[str, str],
    lookup: Callable[[str], str | None],
    notes: Notes,
) -> list[RawEnv]:
    """env_file values, then ``environment`` on top; values resolved, then masked."""
    values: dict[str, tuple[str | None, Location, str | None]] = {}
    for ref in env_files:
        text = texts.get(ref.path)
        if text is None:
            if ref.required:
                raise ParseError(
                    f"env_file {ref.path!r} was not found",
                    file=ref.location.file,
                    line=ref.location.line,
                    hint="create it, or mark it 'required: false'",
                )
            notes.add(
                "compose.env-file-missing",
                f"optional env_file {ref.path!r} is missing; skipped",
                ref.location,
                severity=Severity.INFO,
            )
            continue
        for entry in parse_dotenv(
            text, file=ref.path, notes=notes, lookup=lookup, protect=looks_secret
        ):
            value = entry.value if entry.value is not None else lookup(entry.name)
            values[entry.name] = (value, Location(file=ref.path, line=entry.line), ref.path)
    for name, env in entries.items():
        value = env.value if env.value is not None else lookup(name)
        if value is None and name in values:
            continue  # an unresolved bare name does not hide the env_file's value
        values[name] = (value, env.location, None)
    result: list[RawEnv] = []
    for name, (value, location, from_file) in values.items():
        secret = looks_secret(name, value)
        var = EnvVar(
            name=name,
            value=None if secret else value,
            secret=secret,
            from_file=from_file,
            location=location,
        )
        result.append(RawEnv(var, value))
    return result
