"""Kubernetes objects in YAML text: every document that has an ``apiVersion`` and a ``kind``
(``kind: List`` items included), each keeping the document that holds its lines.

Malformed files give one diagnostic; the YAML loader bounds size, depth and alias expansion.

Must not: read files (texts come in).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dorgu.errors import DorguError
from dorgu.formats.yamldocs import YamlDocument, load_yaml_documents
from dorgu.models.evidence import Diagnostic, Location

MAX_DOCUMENTS = 500  # per file


@dataclass(frozen=True)
class KubeObject:
    """One object of a manifest file, with the document that holds its lines."""

    data: Mapping[str, Any]
    document: YamlDocument
    prefix: tuple[str | int, ...] = ()  # path of the object inside the document (List items)
    file: str = ""
    source: str = "k8s"
    with_lines: bool = True  # False for rendered or synthesised text: its lines mean nothing

    @property
    def kind(self) -> str:
        return str(self.data.get("kind") or "")

    @property
    def name(self) -> str:
        metadata = self.data.get("metadata")
        return str(metadata.get("name") or "") if isinstance(metadata, dict) else ""

    def at(self, *path: str | int) -> Location:
        if not self.with_lines:
            return Location(file=self.file)
        return Location(file=self.file, line=self.document.line_of((*self.prefix, *path)))


def read_objects(
    text: str,
    *,
    file: str,
    source: str = "k8s",
    location_file: str | None = None,
    with_lines: bool = True,
) -> tuple[list[KubeObject], list[Diagnostic]]:
    """The Kubernetes objects of one YAML text (``kind: List`` items included).  Documents
    that are not objects are skipped silently; unparsable files give one diagnostic."""
    shown = location_file or file
    try:
        documents = load_yaml_documents(text, file=shown)
    except DorguError as e:
        return [], [
            Diagnostic(
                code="descriptors.unreadable",
                message=f"{shown}: not read as a Kubernetes manifest: {e}",
                location=Location(file=shown),
            )
        ]
    objects: list[KubeObject] = []
    diagnostics: list[Diagnostic] = []
    if len(documents) > MAX_DOCUMENTS:
        diagnostics.append(
            Diagnostic(
                code="descriptors.too-many-documents",
                message=f"{shown}: more than {MAX_DOCUMENTS} documents; the rest are not read",
                location=Location(file=shown),
            )
        )
    for document in documents[:MAX_DOCUMENTS]:
        data = document.data
        if not _is_object(data):
            continue
        if data.get("kind") == "List" and isinstance(data.get("items"), list):
            for index, item in enumerate(data["items"][:MAX_DOCUMENTS]):
                if _is_object(item):
                    objects.append(
                        KubeObject(item, document, ("items", index), shown, source, with_lines)
                    )
            continue
        objects.append(KubeObject(data, document, (), shown, source, with_lines))
    return objects, diagnostics


def _is_object(data: object) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("apiVersion"), str)
        and isinstance(data.get("kind"), str)
    )
