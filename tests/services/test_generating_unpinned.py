"""Untagged third-party images: ``dorgu generate`` writes them as stated and warns once per
image; ``dorgu validate`` keeps the reliability.image-tag error on the same output."""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from dorgu.errors import OutputError
from dorgu.generation import GitInfo
from dorgu.models.evidence import Severity
from dorgu.services.generating import GenerateRequest, generate
from dorgu.services.validating import ValidateRequest, validate

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "compose-untagged-images"
GIT = GitInfo(short_sha="0123abc")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = tmp_path / "site"
    shutil.copytree(EXAMPLE, path)
    return path


def run(path, **kwargs):
    return generate(GenerateRequest(path=path, **kwargs), environ={}, git=GIT, stop_at=path)


def _images(directory: Path) -> set[str]:
    found = set()
    for file in directory.rglob("*.yaml"):
        for doc in yaml.safe_load_all(file.read_text()):
            spec = (doc or {}).get("spec", {}).get("template", {}).get("spec", {})
            found.update(c["image"] for c in spec.get("containers", []))
    return found


def test_untagged_images_are_written_as_stated_with_one_warning_each(app):
    outcome = run(app)
    assert outcome.written
    stock = {"nginx", "traefik/whoami", "redis", "postgres:latest"}
    assert _images(app / "k8s") == stock | {"site-api:0123abc"}  # built: dorgu's own tag
    codes = [d.code for d in outcome.diagnostics]
    assert codes.count("generate.image-unpinned") == 4  # redis once for two services
    assert "reliability.image-tag" not in codes
    assert not [d for d in outcome.diagnostics if d.severity is Severity.ERROR]


def test_validate_still_reports_them_as_errors(app):
    run(app)
    outcome = validate(ValidateRequest(paths=[str(app / "k8s")]), now=datetime.now(UTC))
    tagged = [f for f in outcome.findings if f.rule_id == "reliability.image-tag"]
    assert len(tagged) == 5  # one per container: cache and sessions both run redis
    assert all(f.severity is Severity.ERROR for f in tagged)
    # the unprivileged-port sysctl on nginx and whoami (port 80) raises nothing
    assert not [f for f in outcome.findings if "sysctl" in f"{f.field} {f.message}"]


def test_a_built_image_asked_for_as_latest_is_still_refused(app):
    with pytest.raises(OutputError, match=r"reliability\.image-tag.*site-api:latest"):
        run(app, flags={"image.tag": "latest"})
    assert not (app / "k8s").exists()
