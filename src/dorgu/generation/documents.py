"""The files of ``dorgu generate`` that are not applied manifests: running the document
generators of ``registry.py`` (persona files and exports, the Argo CD Application, CI files).

None of them is in ``kustomization.yaml``.  Must not write or print.
"""

from __future__ import annotations

from collections.abc import Sequence

from dorgu.generation.manifests import GeneratedDocument
from dorgu.generation.planning import AppPlan
from dorgu.generation.registry import DOCUMENT_GENERATORS, DocumentGenerator
from dorgu.models.evidence import Diagnostic


def build_documents(
    app: AppPlan, *, generators: Sequence[DocumentGenerator] = DOCUMENT_GENERATORS
) -> tuple[list[GeneratedDocument], list[Diagnostic]]:
    """Every generator's documents, in registry order, with their diagnostics."""
    documents: list[GeneratedDocument] = []
    diagnostics: list[Diagnostic] = []
    for generator in generators:
        made, found = generator.build(app)
        documents.extend(made)
        diagnostics.extend(found)
    return documents, diagnostics
