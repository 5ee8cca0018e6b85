"""Editing config file data for ``dorgu config set/unset`` and ``dorgu init``, and rendering it.

Works on the plain data of one file; the result is validated against the file's model before
anyone writes it.  Must not open or write files, or read the environment.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import cast

import yaml

from dorgu.errors import ConfigError, UsageError
from dorgu.formats.yamldocs import YamlDocument, load_yaml
from dorgu.settings.keys import KeyPath, format_key, parse_key, resolve_key
from dorgu.settings.layering import FILE_MODELS, LayerName, to_file_key
from dorgu.settings.masking import is_secret_key
from dorgu.settings.parsing import validate_mapping

Data = dict[str, object]

FILE_ROLES = {LayerName.APP: "app", LayerName.WORKSPACE: "workspace", LayerName.GLOBAL: "global"}


def file_key(layer: LayerName, key: str) -> KeyPath:
    """Parse ``key`` for ``layer``'s file; effective keys are mapped (``image.registry`` ->
    ``registry`` in the workspace file).  ``UsageError`` with a suggestion for unknown keys."""
    path = parse_key(key)
    if is_secret_key(path) and layer is not LayerName.GLOBAL:
        raise UsageError(
            f"{format_key(path)} is a secret and is only stored in the global file",
            hint="use --global (written with mode 0600) or a DORGU_* environment variable",
        )
    model = FILE_MODELS[layer]
    try:
        resolve_key(model, path, what=f"{FILE_ROLES[layer]} file")
        return path
    except UsageError as first:
        mapped = to_file_key(layer, path)
        if mapped != path:
            try:
                resolve_key(model, mapped)
                return mapped
            except UsageError:
                pass
        raise first


def set_value(document: YamlDocument, layer: LayerName, path: KeyPath, text: str) -> Data:
    """A copy of the document's data with ``path`` set to ``text``, validated and typed.

    Scalars take ``text`` as is (``5`` becomes an int where the schema wants one); sections,
    maps and lists take a YAML flow value (``'{path: /healthz, port: 8080}'``).
    """
    model = FILE_MODELS[layer]
    shape = resolve_key(model, path)
    value: object = text
    if shape.kind != "scalar":
        parsed = load_yaml(text, file="<value>", max_nodes=2000, max_depth=16).data
        wanted = list if shape.kind == "list" else dict
        if not isinstance(parsed, wanted):
            kind = "a list" if wanted is list else "a mapping"
            raise UsageError(
                f"{format_key(path)} needs {kind}, e.g. "
                + ("'[a, b]'" if wanted is list else "'{k: v}'")
            )
        value = parsed
    data = _assign(_data_of(document), path, value)
    typed = validate_mapping(data, model, locate=_locate(document))
    if not is_secret_key(path):
        typed_value = _get(typed.model_dump(mode="json", exclude_unset=True), path)
        if typed_value is not _MISSING:
            data = _assign(data, path, typed_value)
    return data


def unset_value(document: YamlDocument, layer: LayerName, path: KeyPath) -> tuple[Data, bool]:
    """A copy without ``path`` (empty parents pruned) and whether anything was removed."""
    data = _data_of(document)
    if _get(data, path) is _MISSING:
        resolve_key(FILE_MODELS[layer], path)  # unknown key: say so, with a suggestion
        return data, False
    parents: list[Data] = [data]
    for segment in path[:-1]:
        parents.append(cast(Data, parents[-1][segment]))
    del parents[-1][path[-1]]
    for depth in range(len(path) - 1, 0, -1):
        if not parents[depth]:
            del parents[depth - 1][path[depth - 1]]
    validate_mapping(data, FILE_MODELS[layer], locate=_locate(document))
    return data, True


def render_config(data: Mapping[str, object], *, header: Sequence[str] = ()) -> str:
    """YAML text for config data: keys in the given order, header comment lines first."""
    body = yaml.safe_dump(
        dict(data), sort_keys=False, default_flow_style=False, allow_unicode=True, width=100
    )
    if body.strip() == "{}":
        body = ""
    lines = [line if line.startswith("#") else f"# {line}" for line in header]
    return "".join(f"{line}\n" for line in lines) + body


def header_of(text: str) -> list[str]:
    """The comment lines at the top of a file (kept when the file is rewritten)."""
    header: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    return header


_MISSING = object()


def _data_of(document: YamlDocument) -> Data:
    data = document.data if isinstance(document.data, dict) else {}
    return copy.deepcopy(cast(Data, data))


def _get(data: object, path: KeyPath) -> object:
    node = data
    for segment in path:
        if not isinstance(node, dict) or segment not in node:
            return _MISSING
        node = node[segment]
    return node


def _assign(data: Data, path: KeyPath, value: object) -> Data:
    node = data
    for depth, segment in enumerate(path[:-1]):
        child = node.get(segment)
        if child is None:
            child = node[segment] = {}
        if not isinstance(child, dict):
            raise ConfigError(
                f"cannot set {format_key(path)}: {format_key(path[: depth + 1])} is not a mapping"
            )
        node = child
    node[path[-1]] = value
    return data


def _locate(document: YamlDocument) -> _DocumentLocator:
    return _DocumentLocator(document)


class _DocumentLocator:
    def __init__(self, document: YamlDocument) -> None:
        self.document = document

    def __call__(self, loc: tuple[str | int, ...]) -> str:
        line = self.document.line_of(loc)
        return f"{self.document.file}:{line}" if line is not None else self.document.file
