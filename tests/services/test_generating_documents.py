"""The persona, PERSONA.md and opt-in exports written by `dorgu generate`."""

import shutil
from pathlib import Path

import pytest
import yaml

from dorgu.generation import GenerationOptions, GitInfo
from dorgu.services.generating import GenerateRequest, generate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    path = tmp_path / "svc"
    shutil.copytree(EXAMPLES / "java-spring-maven", path)
    return path


def run(path, **options):
    request = GenerateRequest(path=path, options=GenerationOptions(**options))
    return generate(request, environ={}, git=GitInfo(short_sha="0123abc"), stop_at=path)


def test_persona_and_its_document_are_written_but_not_applied(app):
    run(app)
    out = app / "k8s"
    persona = yaml.safe_load((out / "applicationpersona.yaml").read_text())
    assert persona["apiVersion"] == "dorgu.io/v1"
    assert persona["kind"] == "ApplicationPersona"
    assert persona["spec"]["health"]["livenessPath"] == "/actuator/health/liveness"
    assert any(r["path"] == "/api/customers/{id}" for r in persona["spec"]["api"]["routes"])
    assert "/actuator/health/readiness" in (out / "PERSONA.md").read_text()
    kustomization = yaml.safe_load((out / "kustomization.yaml").read_text())
    assert "applicationpersona.yaml" not in kustomization["resources"]
    assert "PERSONA.md" not in kustomization["resources"]


def test_no_persona_writes_neither_file(app):
    outcome = run(app, persona=False)
    names = {f.path for f in outcome.files}
    assert "applicationpersona.yaml" not in names
    assert "PERSONA.md" not in names


def test_exports_are_opt_in(app):
    outcome = run(app)
    assert "catalog-info.yaml" not in {f.path for f in outcome.files}
    outcome = generate(
        GenerateRequest(
            path=app,
            options=GenerationOptions(exports=frozenset({"backstage", "score"})),
            force=True,
        ),
        environ={},
        git=GitInfo(short_sha="0123abc"),
        stop_at=app,
    )
    names = {f.path for f in outcome.files}
    assert {"catalog-info.yaml", "score.yaml"} <= names
    catalog = yaml.safe_load((app / "k8s" / "catalog-info.yaml").read_text())
    assert catalog["kind"] == "Component"
    score = yaml.safe_load((app / "k8s" / "score.yaml").read_text())
    assert score["apiVersion"].startswith("score.dev/")
