"""PERSONA.md: golden documents of example apps (with their personas), determinism, and no
configuration values leaking into the text.

Refresh after an intended change with:
    DORGU_UPDATE_GOLDEN=1 python -m pytest tests/generation/test_persona_docs.py
then review the diff of tests/generation/golden_personas/ (one directory per example and
component, holding ``PERSONA.md`` and the ``persona.yaml`` it was written from).
"""

import os
import shutil
from pathlib import Path

import pytest

from dorgu.generation import GenerationOptions, GitInfo
from dorgu.generation.docs import render_persona_markdown
from dorgu.generation.personas import build_persona
from dorgu.generation.rendering import render_manifest
from dorgu.models.app import (
    AppModel,
    AppType,
    Component,
    ComponentKind,
    EnvVar,
    Port,
    Route,
    RouteParam,
    SecurityHints,
)
from dorgu.models.config import EffectiveSettings
from dorgu.models.evidence import Diagnostic, Evidence, Location, Severity
from dorgu.models.personas import dump_wire
from dorgu.services.analyzing import analyze_path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden_personas"
EXAMPLES = ("java-spring-maven", "compose-shop", "python-fastapi")
OPTIONS = GenerationOptions(git=GitInfo(short_sha="0123abc", branch="main"))


def _documents(example: str) -> dict[str, str]:
    model = analyze_path(ROOT / "examples" / example, name=None, profiles=(), environment={})
    settings = EffectiveSettings.model_validate(
        {
            "app": {
                "name": model.name,
                "team": "platform",
                "owner": "platform@example.com",
                "repository": f"https://github.com/example/{example}",
            },
            "namespace": "demo",
        }
    )
    files: dict[str, str] = {}
    for component in model.components:
        if component.kind is not ComponentKind.APP:
            continue
        persona = build_persona(model, component, settings=settings, options=OPTIONS)
        files[f"{component.name}/persona.yaml"] = render_manifest(dict(dump_wire(persona)))
        files[f"{component.name}/PERSONA.md"] = render_persona_markdown(persona, component, model)
    return files


def _read(directory: Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_persona_documents_match_golden(example):
    actual = _documents(example)
    target = GOLDEN / example
    if os.environ.get("DORGU_UPDATE_GOLDEN"):
        shutil.rmtree(target, ignore_errors=True)
        for path, text in actual.items():
            (target / path).parent.mkdir(parents=True, exist_ok=True)
            (target / path).write_text(text, encoding="utf-8")
    assert target.is_dir(), f"missing {target}; run with DORGU_UPDATE_GOLDEN=1"
    golden = _read(target)
    assert sorted(actual) == sorted(golden), f"documents of {example} changed"
    for path, text in actual.items():
        assert text == golden[path], f"{example}/{path} changed; review and refresh"


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_persona_documents_are_deterministic(example):
    assert _documents(example) == _documents(example)


SECRET = "hunter2-NEVER-SHOWN"
APP = Component(
    name="billing",
    type=AppType.API,
    language="go",
    description="Bills | customers",
    ports=(Port(number=8080),),
    env=(
        EnvVar(name="DB_PASSWORD", secret=True),
        EnvVar(name="MODE", value=SECRET),
    ),
    config_keys=("API_TOKEN",),
    routes=(
        Route(
            method="GET",
            path="/invoices/{id}",
            params=(RouteParam(name="id"), RouteParam(name="q", location="query", required=False)),
            summary="Get | one",
        ),
    ),
    security=SecurityHints(runs_as_root=True),
)


def _markdown(component=APP, **model_fields):
    model = AppModel(name="billing", root=".", components=[component], **model_fields)
    settings = EffectiveSettings.model_validate({"app": {"name": "billing"}})
    persona = build_persona(model, component, settings=settings)
    return render_persona_markdown(persona, component, model)


def test_configuration_lists_names_never_values():
    text = _markdown()
    assert SECRET not in text
    assert "`DB_PASSWORD` (secret)" in text
    assert "`MODE`" in text and "`API_TOKEN`" in text


def test_api_table_escapes_and_marks_optional_parameters():
    text = _markdown()
    assert "| GET | `/invoices/{id}` | `id` (path), `q?` (query) | Get \\| one | code |" in text


def test_warnings_cover_root_images_missing_health_and_owners():
    text = _markdown(
        diagnostics=[
            Diagnostic(severity=Severity.WARNING, code="x.y", message="billing: odd thing"),
            Diagnostic(severity=Severity.INFO, code="x.z", message="just so you know"),
        ]
    )
    warnings = text.split("### Warnings", 1)[1]
    assert "runs as root" in warnings
    assert "No HTTP health endpoint" in warnings
    assert "No owner" in warnings
    assert "billing: odd thing [x.y]" in warnings
    assert "just so you know" not in text


def test_description_is_quoted_and_sources_listed():
    text = _markdown(
        evidence=[
            Evidence(
                field="components.billing.ports",
                value="8080",
                rule="dockerfile.expose",
                location=Location(file="Dockerfile", line=3),
            )
        ]
    )
    assert text.startswith("# billing\n\n> Bills | customers\n")
    assert "Generated by dorgu from `Dockerfile`." in text
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_worker_without_ports_reads_naturally():
    worker = Component(name="jobs", type=AppType.WORKER, language="python")
    text = _markdown(worker)
    assert "is a worker written in python." in text
    assert "- **Health:** no health endpoint is known" in text
    assert "## API" not in text
    assert "Nothing that dorgu could find." in text


def test_llm_narrative_parts_appear_only_when_an_llm_wrote_them():
    from dorgu.generation.docs import render_persona_markdown
    from dorgu.models.app import AppModel, Component
    from dorgu.models.evidence import Diagnostic, Evidence, Severity, Source
    from dorgu.models.personas import ApplicationPersona

    component = Component(name="api")
    persona = ApplicationPersona.model_validate(
        {"metadata": {"name": "api"}, "spec": {"name": "api", "type": "api"}}
    )
    plain = AppModel(name="x", root="x", components=[component])
    assert "What the API does" not in render_persona_markdown(persona, component, plain)
    enhanced = plain.model_copy(
        update={
            "evidence": [
                Evidence(field="components.api.api_summary", value="Manages orders.", source=Source.LLM,
                         rule="llm.enhance", confidence=0.7),
            ],
            "diagnostics": [
                Diagnostic(severity=Severity.INFO, code="llm.risk",
                           message="api: no rate limiting on POST /orders (suggested by the LLM)"),
            ],
        }
    )  # fmt: skip
    text = render_persona_markdown(persona, component, enhanced)
    assert "### What the API does\n\nManages orders." in text
    assert "- no rate limiting on POST /orders" in text
    assert "Suggested by an LLM" in text
