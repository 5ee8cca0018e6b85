"""Loading one compose file's text: safe YAML, then interpolation of every value.

A ``ComposeFile`` knows its root-relative path, the directory its relative paths resolve
against, and the line of every key, so later stages can point at ``file:line``.

Must not: open files (texts are handed in), interpolate keys or top-level ``x-`` extension
blocks (those are only YAML anchors; their values are interpolated where they are merged in),
or copy a secret-looking variable's value into the data (it stays ``${NAME}``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dorgu.analysis.compose.interpolating import Lookup, interpolate_tree
from dorgu.analysis.compose.notes import Notes
from dorgu.analysis.secrets import looks_secret
from dorgu.errors import ParseError
from dorgu.formats.yamldocs import YamlDocument, load_yaml
from dorgu.models.evidence import Location

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class ComposeFile:
    """An interpolated compose document.  ``data`` is always a mapping."""

    file: str
    base_dir: str
    data: dict[str, object]
    document: YamlDocument

    def at(self, *path: str | int) -> Location:
        return Location(file=self.file, line=self.document.line_of(path))

    def locator(self, *prefix: str | int) -> Callable[[str], Location]:
        return lambda key: self.at(*prefix, key)


def load_compose_file(
    text: str,
    *,
    file: str,
    base_dir: str,
    lookup: Lookup,
    notes: Notes,
    on_used: Callable[[str, Location], None] | None = None,
) -> ComposeFile:
    """Parse and interpolate; raise ParseError if the top level is not a mapping."""
    document = load_yaml(text, file=file)
    if document.data is None:
        raise ParseError("the compose file is empty", file=file, hint="define at least 'services'")
    if not isinstance(document.data, dict):
        raise ParseError(
            "the top level of a compose file must be a mapping",
            file=file,
            line=document.line_of(()),
            hint="start with 'services:'",
        )

    def locate(path: Path) -> Location:
        return Location(file=file, line=document.line_of(path))

    def on_unset(name: str, location: Location) -> None:
        notes.add(
            "compose.unset-variable",
            f"variable {name!r} is not set; substituting an empty string",
            location,
        )

    data = {
        str(key): value
        if str(key).startswith("x-")
        else interpolate_tree(
            value,
            lookup,
            locate,
            on_unset,
            path=(str(key),),
            protect=looks_secret,
            on_used=on_used,
        )
        for key, value in document.data.items()
    }
    return ComposeFile(file=file, base_dir=base_dir, data=data, document=document)


def service_mappings(source: ComposeFile) -> dict[str, dict[str, object]]:
    """The ``services`` section as name -> mapping; ParseError if it has the wrong shape."""
    services = source.data.get("services")
    if services is None:
        return {}
    if not isinstance(services, dict):
        raise ParseError(
            "'services' must be a mapping of service names to definitions",
            file=source.file,
            line=source.document.line_of(("services",)),
        )
    result: dict[str, dict[str, object]] = {}
    for name, spec in services.items():
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            raise ParseError(
                f"service {name!r} must be a mapping",
                file=source.file,
                line=source.document.line_of(("services", name)),
                hint="write its keys (image, build, ports, ...) indented below the name",
            )
        result[str(name)] = {str(k): v for k, v in spec.items()}
    return result
