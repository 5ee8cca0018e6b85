"""The shape of generated output: ``Manifest`` (one Kubernetes object as plain data), a
``GeneratedResource`` (a manifest plus where it belongs) and the ``GenerationResult``.

Must not know how anything is built or rendered; only the types and tiny accessors live here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class GeneratedDocument:
    """A file that is not an applied manifest: PERSONA.md, the persona resource (applied once
    the dorgu CRDs are installed), Backstage and Score exports.  Never in kustomization.yaml."""

    filename: str
    text: str
    component: str | None = None


@dataclass(frozen=True)
class GenerationResult:
    """Everything one generation produced, in a stable order, with its diagnostics."""

    resources: tuple[GeneratedResource, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    components: tuple[str, ...] = field(default=())  # component names, in model order
    documents: tuple[GeneratedDocument, ...] = ()
