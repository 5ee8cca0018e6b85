"""Resolving ``extends`` (same-file and cross-file) into merged service layers.

The extended service is read from its own file, so its relative paths resolve against that
file's directory; the extending service's keys then apply on top with the merge rules.

Must not: open files (a loader callback hands in other files), or loop: cycles and chains
longer than ``MAX_CHAIN`` are ParseErrors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from dorgu.analysis.compose.files import ComposeFile, service_mappings
from dorgu.analysis.compose.layers import Layer
from dorgu.analysis.compose.merging import merge_layers
from dorgu.analysis.compose.notes import Notes
from dorgu.analysis.compose.reading import read_layer
from dorgu.errors import ParseError
from dorgu.models.evidence import Location

MAX_CHAIN = 32
Loader = Callable[[str, Location], ComposeFile]


class Extender:
    """Reads services into layers, following ``extends``; results are cached per service."""

    def __init__(self, load: Loader, notes: Notes) -> None:
        self._load = load
        self._notes = notes
        self._done: dict[tuple[str, str], Layer] = {}
        self._services: dict[str, dict[str, dict[str, object]]] = {}

    def _mappings(self, source: ComposeFile) -> dict[str, dict[str, object]]:
        if source.file not in self._services:
            self._services[source.file] = service_mappings(source)
        return self._services[source.file]

    def resolve(self, source: ComposeFile, name: str) -> Layer:
        return self._resolve(source, name, ())

    def _resolve(self, source: ComposeFile, name: str, chain: tuple[tuple[str, str], ...]) -> Layer:
        key = (source.file, name)
        if key in self._done:
            return self._done[key]
        if key in chain:
            cycle = " -> ".join(f"{file}:{service}" for file, service in (*chain, key))
            raise ParseError(f"extends forms a cycle: {cycle}", file=source.file)
        if len(chain) >= MAX_CHAIN:
            raise ParseError(f"extends chain longer than {MAX_CHAIN} services", file=source.file)
        layer = read_layer(source, name, self._mappings(source)[name], self._notes)
        ref = layer.extends
        if ref is not None:
            target = source if ref.file is None else self._load(ref.file, ref.location)
            if ref.service not in self._mappings(target):
                raise ParseError(
                    f"service {name!r} extends {ref.service!r}, "
                    f"which {target.file} does not define",
                    file=ref.location.file,
                    line=ref.location.line,
                )
            base = self._resolve(target, ref.service, (*chain, key))
            layer = replace(merge_layers(base, layer), extends=None, location=layer.location)
        self._done[key] = layer
        return layer
