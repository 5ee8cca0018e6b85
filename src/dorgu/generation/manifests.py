"""The shape of generated output: ``Manifest`` (one Kubernetes object as plain data), a
``GeneratedResource`` (a manifest plus where it belongs) and the ``GenerationResult``.

Must not know how anything is built or rendered; only the types and tiny accessors live here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from dorgu.models.evidence import Diagnostic

Manifest = dict[str, object]
"""One Kubernetes object as JSON-compatible data (str keys; str/int/bool/list/dict values)."""


@dataclass(frozen=True)
class GeneratedResource:
    """A manifest and the component it belongs to (None: app-wide).

    ``template`` marks objects the user must complete before applying (a Secret with
    ``REPLACE_ME`` values): they are written to disk but kept out of ``kustomization.yaml`` and
    out of the ``--stdout`` stream, so applying the output never overwrites real secrets.
    """

    manifest: Manifest
    component: str | None = None
    template: bool = False

    @property
    def kind(self) -> str:
        return str(self.manifest["kind"])

    @property
    def name(self) -> str:
        metadata = self.manifest["metadata"]
        assert isinstance(metadata, dict)
        return str(metadata["name"])


class FileRoot(StrEnum):
    """What a generated file's path is relative to."""

    OUTPUT = "output"  # the output directory (k8s/)
    REPOSITORY = "repository"  # the repository root (CI files: .github/workflows/...)


@dataclass(frozen=True)
class GeneratedDocument:
    """A file that is not an applied manifest: PERSONA.md, the persona resource (applied once
    the dorgu CRDs are installed), the Argo CD Application, Backstage and Score exports, CI
    files.  Never in kustomization.yaml.

    ``filename`` is relative to the component's directory (``root`` OUTPUT) or, for
    ``root`` REPOSITORY, a POSIX path relative to the repository root.  ``streamed``: a
    Kubernetes object that belongs in the ``--dry-run`` stream (the persona).  ``note`` says
    in the summary what to do with the file.
    """

    filename: str
    text: str
    component: str | None = None
    root: FileRoot = FileRoot.OUTPUT
    streamed: bool = False
    note: str | None = None


@dataclass(frozen=True)
class GenerationResult:
    """Everything one generation produced, in a stable order, with its diagnostics."""

    resources: tuple[GeneratedResource, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    components: tuple[str, ...] = field(default=())  # component names, in model order
    documents: tuple[GeneratedDocument, ...] = ()
    unpinned_images: tuple[str, ...] = ()  # user-stated images without a version (unpinning.py)
