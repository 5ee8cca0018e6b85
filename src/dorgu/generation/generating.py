"""Running the generators over an app: ``generate_manifests(request) -> GenerationResult``.

Must not write or print: the result is data; ``rendering.py`` makes text, the service writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from dorgu.errors import ConfigError
from dorgu.generation.documents import build_documents
from dorgu.generation.inputs import GenerationRequest
from dorgu.generation.manifests import GeneratedResource, GenerationResult
from dorgu.generation.planning import plan_app
from dorgu.generation.registry import (
    APP_GENERATORS,
    COMPONENT_GENERATORS,
    AppGenerator,
    ComponentGenerator,
)
from dorgu.generation.unpinning import unpinned_images
from dorgu.models.evidence import Diagnostic


def generate_manifests(
    request: GenerationRequest,
    *,
    component_generators: Sequence[ComponentGenerator] = COMPONENT_GENERATORS,
    app_generators: Sequence[AppGenerator] = APP_GENERATORS,
) -> GenerationResult:
    """Every manifest for the app, in a stable order: per component (model order) the
    generators' output in registry order, then the app-wide objects.

    Raises ``ConfigError`` when settings make generation impossible (a cron job without a
    schedule, two components rendering to the same name).
    """
    app = plan_app(request)
    resources: list[GeneratedResource] = []
    diagnostics: list[Diagnostic] = list(app.diagnostics)
    for plan in app.components:
        for generator in component_generators:
            made, found = generator.build(plan, app)
            resources.extend(made)
            diagnostics.extend(found)
    for app_generator in app_generators:
        made, found = app_generator.build(app)
        resources.extend(made)
        diagnostics.extend(found)
    _check_unique(resources)
    documents, found = build_documents(app)
    diagnostics.extend(found)
    return GenerationResult(
        resources=tuple(resources),
        diagnostics=tuple(dict.fromkeys(diagnostics)),
        components=tuple(c.component.name for c in request.components),
        documents=tuple(documents),
        unpinned_images=unpinned_images(app.components),
    )


def _check_unique(resources: Sequence[GeneratedResource]) -> None:
    seen: dict[tuple[str, str], str | None] = {}
    for resource in resources:
        key = (resource.kind, resource.name)
        if key in seen:
            raise ConfigError(
                f"components {seen[key]} and {resource.component} both give the "
                f"{resource.kind} name {resource.name!r}",
                hint="use {component} in naming.pattern or rename a component",
            )
        seen[key] = resource.component
