"""Merging the layers into one ``EffectiveSettings`` with the origin of every value.

Precedence: flag > env (``DORGU_*``) > app file > workspace file > global file > default.
Merging is per scalar key; maps (labels, annotations, env) merge per entry; lists
(dependencies) are replaced whole.  ``null`` in a file means "not set here".

Must not open files or read ``os.environ``: callers pass parsed files, the environment mapping
and the flags.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TypeVar

from pydantic import BaseModel

from dorgu.errors import ConfigError
from dorgu.models.config import AppConfig, EffectiveSettings, GlobalConfig, WorkspaceConfig
from dorgu.settings.environment import read_environment, read_provider_keys
from dorgu.settings.keys import KeyPath, format_key, parse_key, resolve_key
from dorgu.settings.naming import pattern_variables
from dorgu.settings.parsing import ParsedConfig, validate_mapping

M = TypeVar("M", bound=BaseModel)


class LayerName(IntEnum):
    """Layers, highest precedence first (a lower number wins)."""

    FLAG = 0
    ENV = 1
    APP = 2
    WORKSPACE = 3
    GLOBAL = 4
    PROVIDER_ENV = 5  # OPENAI_API_KEY, OPENAI_BASE_URL & co.: below every file
    DEFAULT = 6

    @property
    def label(self) -> str:
        return "env" if self is LayerName.PROVIDER_ENV else self.name.lower()


@dataclass(frozen=True)
class Origin:
    """Where a value came from: a layer plus ``file:line``, an env var or a flag."""

    layer: LayerName
    file: str | None = None
    line: int | None = None
    detail: str | None = None

    def __str__(self) -> str:
        if self.file is not None:
            where = f"{self.file}:{self.line}" if self.line is not None else self.file
            return f"{self.layer.label} {where}"
        if self.detail is not None:
            return f"{self.layer.label} {self.detail}"
        return self.layer.label


DEFAULT_ORIGIN = Origin(LayerName.DEFAULT)


@dataclass(frozen=True)
class Layer:
    """The values one layer sets, as flat key -> value, each with its origin."""

    name: LayerName
    values: Mapping[KeyPath, object]
    origins: Mapping[KeyPath, Origin]


# file key -> effective key (longest prefix wins); None drops the key.
_APP_KEYS: dict[KeyPath, KeyPath | None] = {("version",): None}
_WORKSPACE_KEYS: dict[KeyPath, KeyPath | None] = {
    ("version",): None,
    ("registry",): ("image", "registry"),
    ("team",): ("app", "team"),
}
_GLOBAL_KEYS: dict[KeyPath, KeyPath | None] = {
    ("version",): None,
    ("defaults", "registry"): ("image", "registry"),
    ("defaults", "namespace"): ("namespace",),
    ("defaults", "environment"): ("environment",),
    ("defaults", "team"): ("app", "team"),
}
FILE_KEY_MAPS: dict[LayerName, dict[KeyPath, KeyPath | None]] = {
    LayerName.APP: _APP_KEYS,
    LayerName.WORKSPACE: _WORKSPACE_KEYS,
    LayerName.GLOBAL: _GLOBAL_KEYS,
}
FILE_MODELS: dict[LayerName, type[BaseModel]] = {
    LayerName.APP: AppConfig,
    LayerName.WORKSPACE: WorkspaceConfig,
    LayerName.GLOBAL: GlobalConfig,
}


def to_effective_key(layer: LayerName, path: KeyPath) -> KeyPath | None:
    """Map a key of a file to the effective key it sets (None: not a setting, e.g. ``version``)."""
    table = FILE_KEY_MAPS.get(layer, {})
    for size in range(len(path), 0, -1):
        if path[:size] in table:
            target = table[path[:size]]
            return None if target is None else (*target, *path[size:])
    return path


def to_file_key(layer: LayerName, path: KeyPath) -> KeyPath:
    """The key to write in ``layer``'s file for an effective key (``image.registry`` ->
    ``registry`` in the workspace file); keys the file has under the same name map to themselves."""
    for source, target in FILE_KEY_MAPS.get(layer, {}).items():
        if target is not None and path[: len(target)] == target:
            return (*source, *path[len(target) :])
    return path


def flatten(data: Mapping[str, object], prefix: KeyPath = ()) -> dict[KeyPath, object]:
    """Nested mappings -> {key path: leaf}; ``None`` and empty mappings set nothing."""
    flat: dict[KeyPath, object] = {}
    for key, value in data.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping):
            flat.update(flatten(value, path))
        elif value is not None:
            flat[path] = value
    return flat


def unflatten(flat: Mapping[KeyPath, object]) -> dict[str, object]:
    tree: dict[str, object] = {}
    for path, value in flat.items():
        node = tree
        for segment in path[:-1]:
            child = node.setdefault(segment, {})
            assert isinstance(child, dict)
            node = child
        node[path[-1]] = value
    return tree


def file_layer(name: LayerName, parsed: ParsedConfig[M]) -> Layer:
    """The values a parsed app, workspace or global file sets."""
    values: dict[KeyPath, object] = {}
    origins: dict[KeyPath, Origin] = {}
    for path, value in flatten(parsed.config.model_dump(exclude_unset=True)).items():
        target = to_effective_key(name, path)
        if target is None:
            continue
        values[target] = value
        origins[target] = Origin(name, file=parsed.file, line=parsed.line_of(path))
    return Layer(name, values, origins)


def environment_layer(environ: Mapping[str, str]) -> tuple[Layer, tuple[str, ...]]:
    """The ``DORGU_*`` layer, plus warnings for variables that match no setting."""
    found = read_environment(environ)
    origins = {path: Origin(LayerName.ENV, detail=found.variables[path]) for path in found.values}
    layer = _typed_layer(LayerName.ENV, found.values, origins)
    warnings = tuple(f"ignoring unknown environment variable {name}" for name in found.unknown)
    return layer, warnings


def provider_environment_layer(environ: Mapping[str, str], *, provider: str | None = None) -> Layer:
    """The providers' own variables (``OPENAI_API_KEY`` ..., and the chosen ``provider``'s
    endpoint such as ``OPENAI_BASE_URL``), the lowest set layer."""
    found = read_provider_keys(environ, provider=provider)
    origins = {
        path: Origin(LayerName.PROVIDER_ENV, detail=found.variables[path]) for path in found.values
    }
    return _typed_layer(LayerName.PROVIDER_ENV, found.values, origins)


def chosen_value(layers: Sequence[Layer], path: KeyPath) -> object:
    """The value of ``path`` in the highest-precedence layer that sets it (None: unset)."""
    for layer in sorted(layers, key=lambda item: item.name):
        if path in layer.values:
            return layer.values[path]
    return None


def flag_layer(flags: Mapping[str, object]) -> Layer:
    """Flags given as ``{"scaling.max_replicas": 5, "namespace": "shop"}``; None means not given."""
    values: dict[KeyPath, object] = {}
    origins: dict[KeyPath, Origin] = {}
    for key, value in flags.items():
        if value is None:
            continue
        path = parse_key(key)
        resolve_key(EffectiveSettings, path)
        values[path] = value
        origins[path] = Origin(LayerName.FLAG, detail=format_key(path))
    return _typed_layer(LayerName.FLAG, values, origins)


def _typed_layer(
    name: LayerName, values: Mapping[KeyPath, object], origins: Mapping[KeyPath, Origin]
) -> Layer:
    """Validate loose values (env text, flags) against the settings model; keep typed leaves."""
    typed = validate_mapping(unflatten(values), EffectiveSettings, locate=_Locate(origins))
    flat = flatten(typed.model_dump(exclude_unset=True))
    return Layer(name, flat, {path: origins[path] for path in flat if path in origins})


@dataclass(frozen=True)
class _Locate:
    origins: Mapping[KeyPath, Origin]

    def __call__(self, loc: tuple[str | int, ...]) -> str:
        path = tuple(str(part) for part in loc)
        hits = [origin for key, origin in self.origins.items() if key[: len(path)] == path]
        if not hits:
            hits = [origin for key, origin in self.origins.items() if path[: len(key)] == key]
        unique = list(dict.fromkeys(str(origin) for origin in hits))
        return ", ".join(unique) if unique else "settings"


@dataclass(frozen=True)
class Entry:
    """One effective value and where it came from."""

    key: KeyPath
    value: object
    origin: Origin


@dataclass(frozen=True)
class ResolvedSettings:
    """The effective settings, the origin of every value set by a layer, and warnings."""

    settings: EffectiveSettings
    origins: Mapping[KeyPath, Origin] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def origin_of(self, path: KeyPath) -> Origin:
        return self.origins.get(path, DEFAULT_ORIGIN)

    def entries(self, *, include_unset: bool = False) -> list[Entry]:
        """Every effective leaf (map entries one by one), in schema order."""
        result: list[Entry] = []
        for path, value in _leaves(self.settings.model_dump(), (), include_unset=include_unset):
            result.append(Entry(path, value, self.origin_of(path)))
        return result

    def value_of(self, path: KeyPath) -> object:
        """The effective value at ``path`` (a section gives its mapping); KeyError if absent."""
        node: object = self.settings.model_dump()
        for segment in path:
            if not isinstance(node, dict) or segment not in node:
                raise KeyError(format_key(path))
            node = node[segment]
        return node


def _leaves(
    data: Mapping[str, object], prefix: KeyPath, *, include_unset: bool
) -> Iterable[tuple[KeyPath, object]]:
    for key, value in data.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping) and value:
            yield from _leaves(value, path, include_unset=include_unset)
        elif include_unset or (value is not None and value != {} and value != []):
            yield path, value


def resolve_settings(layers: Sequence[Layer], *, warnings: Sequence[str] = ()) -> ResolvedSettings:
    """Merge ``layers`` (any order) by precedence and validate the result as a whole."""
    merged: dict[KeyPath, object] = {}
    origins: dict[KeyPath, Origin] = {}
    for layer in sorted(layers, key=lambda item: item.name, reverse=True):
        for path, value in layer.values.items():
            merged[path] = value
            origins[path] = layer.origins.get(path, Origin(layer.name))
    settings = validate_mapping(unflatten(merged), EffectiveSettings, locate=_Locate(origins))
    _check_naming(settings, origins)
    return ResolvedSettings(settings=settings, origins=origins, warnings=tuple(warnings))


def _check_naming(settings: EffectiveSettings, origins: Mapping[KeyPath, Origin]) -> None:
    try:
        pattern_variables(settings.naming.pattern)
    except ConfigError as e:
        origin = origins.get(("naming", "pattern"), DEFAULT_ORIGIN)
        raise ConfigError(f"{origin}: {e.message}", hint=e.hint) from e
