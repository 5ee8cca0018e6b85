"""Small builders for generation tests: components, settings and requests as plain data."""

from __future__ import annotations

from collections.abc import Sequence

import yaml

from dorgu.generation import (
    ComponentInput,
    GenerationOptions,
    GenerationRequest,
    GenerationResult,
    generate_manifests,
)
from dorgu.generation.manifests import Manifest
from dorgu.models.app import AppModel, Component
from dorgu.models.config import EffectiveSettings
from dorgu.settings import sanitize_name


def settings(**data: object) -> EffectiveSettings:
    data.setdefault("app", {})
    app = data["app"]
    assert isinstance(app, dict)
    app.setdefault("name", "shop")
    return EffectiveSettings.model_validate(data)


def request(
    *components: Component,
    config: EffectiveSettings | None = None,
    options: GenerationOptions | None = None,
    secret_names: dict[str, Sequence[str]] | None = None,
    backing: dict[str, str] | None = None,
    inputs: Sequence[ComponentInput] = (),
) -> GenerationRequest:
    config = config or settings()
    multi = len(components) > 1
    built = list(inputs)
    for component in components:
        name = f"shop-{component.name}" if multi else "shop"
        built.append(
            ComponentInput(
                component=component,
                name=sanitize_name(name),
                service_name=sanitize_name(component.name) if multi else sanitize_name(name),
                backing_kind=(backing or {}).get(component.name),
                secret_names=frozenset((secret_names or {}).get(component.name, ())),
            )
        )
    model = AppModel(name="shop", root=".", components=[i.component for i in built])
    return GenerationRequest(
        model=model,
        settings=config,
        components=tuple(built),
        app_name="shop",
        sanitize_name=sanitize_name,
        options=options or GenerationOptions(),
    )


def generate(*components: Component, **kwargs: object) -> GenerationResult:
    return generate_manifests(request(*components, **kwargs))  # type: ignore[arg-type]


def kinds(result: GenerationResult) -> list[str]:
    return [r.kind for r in result.resources]


def find(result: GenerationResult, kind: str, name: str | None = None) -> Manifest:
    for resource in result.resources:
        if resource.kind == kind and (name is None or resource.name == name):
            return resource.manifest
    raise AssertionError(
        f"no {kind} {name or ''} in {[(r.kind, r.name) for r in result.resources]}"
    )


def dig(data: object, *path: str | int) -> object:
    for part in path:
        if isinstance(part, int):
            assert isinstance(data, list), data
            data = data[part]
        else:
            assert isinstance(data, dict), data
            data = data[part]
    return data


def container(manifest: Manifest) -> dict[str, object]:
    spec = dig(manifest, "spec")
    if manifest["kind"] == "CronJob":
        spec = dig(spec, "jobTemplate", "spec")
    found = dig(spec, "template", "spec", "containers", 0)
    assert isinstance(found, dict)
    return found


def pod_spec(manifest: Manifest) -> dict[str, object]:
    found = dig(manifest, "spec", "template", "spec")
    assert isinstance(found, dict)
    return found


def load_all(text: str) -> list[object]:
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]
