"""The persona files of ``dorgu generate``: the ``ApplicationPersona`` resource, PERSONA.md,
and the opt-in Backstage and Score exports, one set per component built from source.

The persona is a file of its own and not part of ``kustomization.yaml``: ``kubectl apply -k``
must work on clusters without the dorgu CRDs.  It is in the ``--dry-run`` stream (last), as the
issue asks for "every generated resource, the persona included".  Must not write or print.
"""

from __future__ import annotations

from dorgu.generation.docs import render_persona_markdown
from dorgu.generation.exports import render_backstage_catalog, render_score
from dorgu.generation.manifests import GeneratedDocument, Manifest
from dorgu.generation.personas import build_persona_resources, persona_from_plan
from dorgu.generation.planning import AppPlan
from dorgu.generation.rendering import render_manifest
from dorgu.models.app import ComponentKind
from dorgu.models.evidence import Diagnostic
from dorgu.models.personas_base import dump_wire

PERSONA_FILE = "applicationpersona.yaml"
PERSONA_DOC = "PERSONA.md"
EXPORTS = {"backstage": "catalog-info.yaml", "score": "score.yaml"}
PERSONA_NOTE = "apply once the dorgu CRDs are installed"
DOCUMENT_NOTE = "documentation/export, not applied"


def build_persona_documents(app: AppPlan) -> tuple[list[GeneratedDocument], list[Diagnostic]]:
    options = app.request.options
    documents: list[GeneratedDocument] = []
    diagnostics: list[Diagnostic] = []
    if not options.persona and not options.exports:
        return documents, diagnostics
    for plan in app.components:
        if plan.component.kind is not ComponentKind.APP:
            continue
        _, found = build_persona_resources(plan, app)
        diagnostics.extend(found)
        persona = persona_from_plan(plan, app)
        owner = plan.component.name
        if options.persona:
            text = render_manifest(Manifest(dump_wire(persona)))
            documents.append(
                GeneratedDocument(PERSONA_FILE, text, owner, streamed=True, note=PERSONA_NOTE)
            )
            markdown = render_persona_markdown(persona, plan.component, app.request.model)
            documents.append(GeneratedDocument(PERSONA_DOC, markdown, owner, note=DOCUMENT_NOTE))
        if "backstage" in options.exports:
            catalog = render_backstage_catalog(persona)
            documents.append(
                GeneratedDocument(EXPORTS["backstage"], catalog, owner, note=DOCUMENT_NOTE)
            )
        if "score" in options.exports:
            score = render_score(persona)
            documents.append(GeneratedDocument(EXPORTS["score"], score, owner, note=DOCUMENT_NOTE))
    return documents, diagnostics
